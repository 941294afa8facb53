import { z } from "zod";

/**
 * The staff actions on a borrower page, one schema per intent. Messages are
 * translation keys in the "staff" namespace. Shared by the route (server
 * parsing) and its forms (field names). The actions staff take for the borrower
 * (promise, plan, preferences, call back...) are only shaped here: their values
 * are checked by the portal's own rules in the service, against the account's facts.
 */
import { CALL_OUTCOMES } from "../domain/call-constraints";
import type { PhoneOwner, VisitOutcome } from "../../db/schema";
import { ACCOUNT_STATUS_KINDS } from "../domain/account-statuses";

export { CALL_OUTCOMES } from "../domain/call-constraints";
/** What an agent records after a visit (docs/product-rules.md §4.19). */
export const VISIT_OUTCOMES = [
  "met",
  "not_home",
  "refused",
  "moved",
  "promise_made",
] as const satisfies readonly VisitOutcome[];
/** Whose the phone number is (§4.20), as an agent learns it. */
export const PHONE_OWNERS = ["borrower", "third_party", "unknown"] as const satisfies readonly PhoneOwner[];
export const NOTE_MAX = 4000;
/** Why an agent made a call the schedule forbids (migration 0110 bounds it). */
export const CALL_OVERRIDE_MAX = 500;
/** A status's reason, and why it ends (migration 0140 bounds both). */
export const STATUS_REASON_MAX = 500;

const uuid = (key: string) => z.string({ required_error: key }).uuid(key);
/** A typed value the portal's schema checks next; bounded here so nothing huge reaches it. */
const typed = (requiredKey: string, max = 40) =>
  z.string({ required_error: requiredKey, invalid_type_error: requiredKey }).max(max, requiredKey);
const account = () => uuid("errors.account");
const statusReason = () =>
  z
    .string({ required_error: "statuses:staff.errors.reason" })
    .trim()
    .min(1, "statuses:staff.errors.reason")
    .max(STATUS_REASON_MAX, "statuses:staff.errors.reason");

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
    overrideReason: z
      .string()
      .trim()
      .max(CALL_OVERRIDE_MAX, "errors.callOverrideTooLong")
      .optional()
      .transform((v) => v || undefined),
    /** The call revealed whose the number is (§4.20); blank: unchanged. */
    phoneOwner: z.enum(PHONE_OWNERS, { errorMap: () => ({ message: "errors.phoneOwner" }) }).optional(),
  }),
  z.object({
    intent: z.literal("log_visit"),
    taskId: uuid("errors.task"),
    outcome: z.enum(VISIT_OUTCOMES, { errorMap: () => ({ message: "errors.visitOutcome" }) }),
    notes: z
      .string()
      .trim()
      .max(NOTE_MAX, "errors.noteTooLong")
      .optional()
      .transform((v) => v || undefined),
  }),
  z.object({
    intent: z.literal("set_phone_owner"),
    phoneOwner: z.enum(PHONE_OWNERS, { errorMap: () => ({ message: "errors.phoneOwner" }) }),
  }),
  z.object({ intent: z.literal("refuse_visits") }),
  z.object({ intent: z.literal("allow_visits") }),
  z.object({
    intent: z.literal("resolve_task"),
    taskId: uuid("errors.task"),
    outcome: z.string().trim().max(NOTE_MAX, "errors.outcomeTooLong").optional(),
  }),
  z.object({ intent: z.literal("set_wrong_number"), accountId: uuid("errors.account") }),
  z.object({ intent: z.literal("clear_wrong_number"), accountId: uuid("errors.account") }),
  z.object({ intent: z.literal("set_dispute"), accountId: uuid("errors.account") }),
  z.object({ intent: z.literal("clear_dispute"), accountId: uuid("errors.account") }),
  z.object({
    intent: z.literal("set_status"),
    kind: z.enum(ACCOUNT_STATUS_KINDS, { errorMap: () => ({ message: "statuses:staff.errors.kind" }) }),
    // Empty: every account of the borrower.
    accountId: uuid("errors.account").optional(),
    reason: statusReason(),
    // Empty: no notice; by email it is also emailed by a worker job (§4.23).
    validationNotice: z
      .enum(["letter", "email"], { errorMap: () => ({ message: "statuses:staff.errors.notice" }) })
      .optional(),
  }),
  z.object({ intent: z.literal("end_status"), statusId: uuid("errors.notFound"), reason: statusReason() }),
  z.object({
    intent: z.literal("make_promise"),
    accountId: account(),
    amount: typed("actions:errors.amountRequired"),
    promisedDate: typed("actions:errors.dateRequired"),
  }),
  z.object({
    intent: z.literal("propose_plan"),
    accountId: account(),
    count: typed("plan:errors.count"),
    frequency: typed("plan:errors.frequency"),
    firstDueDate: typed("plan:errors.dateRequired"),
  }),
  z.object({
    intent: z.literal("update_preferences"),
    accountId: account(),
    // The portal's preferences schema reads these as it does the portal's form.
    channels: z
      .union([typed("actions:errors.choiceInvalid"), z.array(typed("actions:errors.choiceInvalid"))])
      .optional(),
    windowStart: typed("actions:errors.timeInvalid").optional(),
    windowEnd: typed("actions:errors.timeInvalid").optional(),
    language: typed("actions:errors.languageRequired"),
    maxPerWeek: typed("actions:errors.maxPerWeekInvalid").optional(),
  }),
  z.object({ intent: z.literal("record_opt_out"), accountId: account() }),
  z.object({
    intent: z.literal("book_callback"),
    accountId: account(),
    slot: typed("actions:errors.slotRequired"),
    note: z.string().max(NOTE_MAX, "errors.noteTooLong").optional(),
  }),
  z.object({ intent: z.literal("send_link"), accountId: account() }),
  z.object({
    intent: z.literal("send_payment_link"),
    accountId: account(),
    amount: typed("actions:errors.amountRequired"),
  }),
]);

/** Intents whose form appears once per row (a task, an account's flag); the others once per page. */
export const PER_ROW_INTENTS: ReadonlySet<string> = new Set([
  "resolve_task",
  "log_visit",
  "set_wrong_number",
  "clear_wrong_number",
  "set_dispute",
  "clear_dispute",
  "end_status",
]);

export type BorrowerAction = z.infer<typeof borrowerActionSchema>;
