import { z } from "zod";
import { isRealIsoDate } from "../domain/plan-terms";

/** A calendar day as the console and CLI take it (YYYY-MM-DD, a real date). */
export const daySchema = z.string().trim().refine(isRealIsoDate, "console:reconciliation.errors.day");

export const runReconciliationSchema = z.object({ intent: z.literal("run"), day: daySchema });
