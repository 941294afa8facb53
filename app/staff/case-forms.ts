import { z } from "zod";
import { NOTE_MAX } from "./borrower-forms";

/**
 * The case page's forms, one schema per intent (messages are "staff" translation keys). Moving a case
 * needs nothing but the intent, except closing it, which carries the final response to the borrower.
 */
const text = (requiredKey: string, max: number) =>
  z
    .string({ required_error: requiredKey, invalid_type_error: requiredKey })
    .trim()
    .min(1, requiredKey)
    .max(max, "cases.errors.tooLong");
const PAUSE_REASON_MAX = 500;

export const caseActionSchema = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("acknowledge") }),
  z.object({ intent: z.literal("await_borrower") }),
  z.object({ intent: z.literal("resume") }),
  z.object({ intent: z.literal("resolve"), response: text("cases.errors.responseRequired", NOTE_MAX) }),
  z.object({ intent: z.literal("reject"), response: text("cases.errors.responseRequired", NOTE_MAX) }),
  z.object({ intent: z.literal("add_case_note"), body: text("errors.noteRequired", NOTE_MAX) }),
  z.object({
    intent: z.literal("grant_pause"),
    until: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "cases.errors.pauseDate"),
    reason: text("cases.errors.reasonRequired", PAUSE_REASON_MAX),
  }),
]);
