import { z } from "zod";
import { MAX_DISCOUNT_BP, MAX_SETTLEMENT_PAYMENTS } from "../domain/settlement";

/**
 * The settlement panel's forms (docs/product-rules.md §7.10): a proposal, a decision, a withdrawal. Pure,
 * shared by the route's action and the tests. Field errors are keys of the `settlement` namespace.
 */
const whole = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d{1,6}$/, "staff.fieldNumber")
    .transform(Number)
    .pipe(z.number().int().min(min, "staff.fieldNumber").max(max, "staff.fieldNumber"));

/** "20" or "12.5" percent -> basis points, exactly (no floats): at most two decimals, at most 90%. */
const percentToBp = z
  .string()
  .trim()
  .regex(/^\d{1,2}(\.\d{1,2})?$/, "staff.fieldPercent")
  .transform((text) => {
    const [whole, fraction = ""] = text.split(".");
    return Number(whole) * 100 + Number(fraction.padEnd(2, "0"));
  })
  .pipe(z.number().int().min(0).max(MAX_DISCOUNT_BP, "staff.fieldPercent"));

const reason = z.string().trim().min(1, "staff.fieldReason").max(500, "staff.fieldReason");

export const proposeSchema = z.object({
  intent: z.literal("propose"),
  accountId: z.string().uuid("staff.fieldAccount"),
  discountPercent: percentToBp,
  paymentCount: whole(1, MAX_SETTLEMENT_PAYMENTS),
  windowDays: whole(0, 366),
  validityDays: whole(1, 90),
  reason,
});

export const decideSchema = z.object({
  intent: z.enum(["approve", "reject", "withdraw"]),
  settlementId: z.string().uuid("staff.fieldAccount"),
  reason,
});

export type SettlementFieldErrors = Record<string, string[]>;

/** zod's issues as field -> message keys, the first per field. */
export function fieldErrorsOf(error: z.ZodError): SettlementFieldErrors {
  const out: SettlementFieldErrors = {};
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? "_form");
    const key = issue.message.startsWith("staff.") ? issue.message : "staff.invalid";
    out[field] ??= [key];
  }
  return out;
}
