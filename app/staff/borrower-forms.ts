import { z } from "zod";

/**
 * The staff actions on a borrower page, one schema per intent. Messages are
 * translation keys in the "staff" namespace. Shared by the route (server
 * parsing) and its forms (field names).
 */
export const CALL_OUTCOMES = [
  "connected",
  "no_answer",
  "busy",
  "wrong_number",
  "promise_made",
  "refused",
  "voicemail",
] as const;
export const NOTE_MAX = 4000;

const uuid = (key: string) => z.string({ required_error: key }).uuid(key);

export const borrowerActionSchema = z.discriminatedUnion("intent", [
  z.object({
    intent: z.literal("add_note"),
    body: z
      .string({ required_error: "errors.noteRequired" })
      .trim()
      .min(1, "errors.noteRequired")
      .max(NOTE_MAX, "errors.noteTooLong"),
  }),
  z.object({
    intent: z.literal("log_call"),
    accountId: uuid("errors.account").optional(),
    outcome: z.enum(CALL_OUTCOMES, { errorMap: () => ({ message: "errors.callOutcome" }) }),
  }),
  z.object({
    intent: z.literal("resolve_task"),
    taskId: uuid("errors.task"),
    outcome: z.string().trim().max(NOTE_MAX, "errors.outcomeTooLong").optional(),
  }),
  z.object({ intent: z.literal("set_wrong_number"), accountId: uuid("errors.account") }),
  z.object({ intent: z.literal("clear_wrong_number"), accountId: uuid("errors.account") }),
  z.object({ intent: z.literal("set_dispute"), accountId: uuid("errors.account") }),
  z.object({ intent: z.literal("clear_dispute"), accountId: uuid("errors.account") }),
]);

export type BorrowerAction = z.infer<typeof borrowerActionSchema>;
