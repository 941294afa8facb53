import type { Kysely } from "kysely";
import type { ZodError } from "zod";
import type { Database } from "../../db/schema";
import { appointmentSchema, preferencesSchema, promiseSchema } from "../borrower/action-forms";
import type { SessionScope } from "../borrower/action-scope.server";
import { appointmentPageFacts, bookAppointment } from "../borrower/appointments.server";
import { currentPreferences, stopTexts, updatePreferences } from "../borrower/preferences.server";
import { makePromise, promisePageFacts } from "../borrower/promises.server";
import { getPlanContext, proposePlan } from "../plans/plans.server";
import { planFormSchema, planProblemsAsFieldErrors } from "../portal/plan-form";
import type { BorrowerAction } from "./borrower-forms";
import type { StaffIdentity } from "./session.server";
import { textFreshLink, textPaymentLink, type TextLinkResult } from "./texted-links.server";

/**
 * Staff acting for the borrower from the borrower page (docs/product-rules.md §8.11): each action
 * calls THE service the portal calls, with the staff member as the actor, after the portal's own
 * form rules checked the values against the account's facts. So a promise, a plan, a preference or
 * a call back entered by an agent is held to the rules a borrower is held to, pauses the schedule
 * the same way, and is audited and reported to the bank as entered by that staff member.
 */
export type ActForBorrower = Extract<
  BorrowerAction,
  {
    intent:
      | "make_promise"
      | "propose_plan"
      | "update_preferences"
      | "record_opt_out"
      | "book_callback"
      | "send_link"
      | "send_payment_link";
  }
>;

type Errors = { formErrors?: string[]; fieldErrors?: Record<string, string[]> };
export type ActOutcome =
  /** `done` names the notice to show when it is not the intent's own. */
  /** `promiseFor`: the account whose promise form opens next (a call or visit ended in a promise). */
  | { status: "ok"; done?: string; promiseFor?: string }
  | { status: "not_found" }
  | ({ status: "refused"; httpStatus: 400 | 409 | 429 } & Errors);

const ACT_INTENTS: ReadonlySet<string> = new Set<ActForBorrower["intent"]>([
  "make_promise",
  "propose_plan",
  "update_preferences",
  "record_opt_out",
  "book_callback",
  "send_link",
  "send_payment_link",
]);

export function isActForBorrower(action: BorrowerAction): action is ActForBorrower {
  return ACT_INTENTS.has(action.intent);
}

export async function actForBorrower(
  db: Kysely<Database>,
  opts: { staff: StaffIdentity; borrowerId: string; action: ActForBorrower; now?: Date },
): Promise<ActOutcome> {
  const { staff, borrowerId, action } = opts;
  const now = opts.now ?? new Date();
  const account = await db
    .selectFrom("accounts")
    .select("id")
    .where("id", "=", action.accountId)
    .where("borrower_id", "=", borrowerId)
    .executeTakeFirst();
  if (!account) return { status: "not_found" };
  const scope: SessionScope = {
    borrowerId,
    accountId: account.id,
    staff: { id: staff.id, role: staff.role },
  };
  switch (action.intent) {
    case "make_promise":
      return recordPromise(db, scope, action, now);
    case "propose_plan":
      return enterPlan(db, scope, action, now);
    case "update_preferences":
      return changePreferences(db, scope, action, now);
    case "record_opt_out":
      await stopTexts(db, scope, now);
      return ok();
    case "book_callback":
      return bookCallback(db, scope, action, now);
    case "send_link":
      return linkTexted(await textFreshLink(db, scope, now));
    case "send_payment_link":
      return linkTexted(await textPaymentLink(db, scope, action.amount, now));
  }
}

type Act<I extends ActForBorrower["intent"]> = Extract<ActForBorrower, { intent: I }>;

async function recordPromise(
  db: Kysely<Database>,
  scope: SessionScope,
  action: Act<"make_promise">,
  now: Date,
) {
  const facts = await promisePageFacts(db, scope, now);
  if (facts.activePromise) return refused(409, { formErrors: ["actions:promise.alreadyActive"] });
  const parsed = promiseSchema(facts).safeParse({ amount: action.amount, promisedDate: action.promisedDate });
  if (!parsed.success) return invalid(parsed.error);
  const outcome = await makePromise(
    db,
    scope,
    { amountMinor: parsed.data.amount, promisedDate: parsed.data.promisedDate },
    now,
  );
  if (outcome.status === "already_active")
    return refused(409, { formErrors: ["actions:promise.alreadyActive"] });
  return ok();
}

async function enterPlan(db: Kysely<Database>, scope: SessionScope, action: Act<"propose_plan">, now: Date) {
  const context = await getPlanContext(db, scope, { now });
  if (context.openPlanId) return refused(409, { formErrors: ["errors.planOpen"] });
  const parsed = planFormSchema(context.today).safeParse({ ...action, intent: "submit" });
  if (!parsed.success) return invalid(parsed.error, "plan:");
  const { count, frequency, firstDueDate } = parsed.data;
  const outcome = await proposePlan(db, { session: scope, count, frequency, firstDueDate, now });
  switch (outcome.status) {
    case "active":
      return ok("plan_started");
    case "proposed":
      return ok("plan_for_approval");
    case "already_open":
      return refused(409, { formErrors: ["errors.planOpen"] });
    case "nothing_owed":
      return refused(400, { formErrors: ["plan:errors.nothingOwed"] });
    case "invalid":
      return refused(400, { fieldErrors: prefixed(planProblemsAsFieldErrors(outcome.problems), "plan:") });
  }
}

async function changePreferences(
  db: Kysely<Database>,
  scope: SessionScope,
  action: Act<"update_preferences">,
  now: Date,
) {
  const { channels, ...rest } = action;
  const parsed = preferencesSchema.safeParse({
    ...rest,
    channels: typeof channels === "string" ? [channels] : channels,
  });
  if (!parsed.success) return invalid(parsed.error);
  // Visits have their own buttons on the borrower page (refuse_visits, allow_visits); this form keeps them.
  const { visitAllowed } = await currentPreferences(db, scope);
  await updatePreferences(db, scope, { ...parsed.data, visitAllowed }, now);
  return ok();
}

async function bookCallback(
  db: Kysely<Database>,
  scope: SessionScope,
  action: Act<"book_callback">,
  now: Date,
) {
  const { slots } = await appointmentPageFacts(db, scope, now);
  const schema = appointmentSchema({ slotStarts: new Set(slots.map((s) => s.start)) });
  const parsed = schema.safeParse({ kind: "callback", slot: action.slot, note: action.note });
  if (!parsed.success) return invalid(parsed.error);
  const outcome = await bookAppointment(
    db,
    scope,
    { kind: "callback", slotStart: parsed.data.slot, note: parsed.data.note ?? null },
    now,
  );
  if (outcome.status === "slot_unavailable")
    return refused(409, { fieldErrors: { slot: ["actions:errors.slotUnavailable"] } });
  return ok();
}

function linkTexted(result: TextLinkResult): ActOutcome {
  switch (result.status) {
    case "queued":
      return ok();
    case "sms_refused":
      return refused(409, { formErrors: ["errors.smsRefused"] });
    case "wrong_number":
      return refused(409, { formErrors: ["errors.wrongNumberSet"] });
    case "not_borrowers_number":
      return refused(409, { formErrors: ["errors.notBorrowersNumber"] });
    case "rate_limited":
      return refused(429, { formErrors: ["errors.linkTextsLimit"] });
    case "invalid_amount":
      return refused(400, { fieldErrors: { amount: [paymentAmountError(result.error)] } });
  }
}

/** The pay page's amount problems in words for staff (the page's own say "your balance"). */
function paymentAmountError(code: string): string {
  if (code === "amountAboveBalance") return "errors.paymentAboveBalance";
  if (code === "amountBelowMinimum") return "errors.paymentBelowMinimum";
  if (code === "nothingToPay") return "errors.nothingToPay";
  return "errors.paymentAmount";
}

const ok = (done?: string): ActOutcome => ({ status: "ok", ...(done ? { done } : {}) });
const refused = (httpStatus: 400 | 409 | 429, errors: Errors): ActOutcome => ({
  status: "refused",
  httpStatus,
  ...errors,
});

/** A portal schema's messages as form and field errors; `ns` names the namespace of unprefixed keys. */
function invalid(error: ZodError, ns = ""): ActOutcome {
  const fieldErrors: Record<string, string[]> = {};
  const formErrors: string[] = [];
  for (const issue of error.issues) {
    const message = `${ns}${issue.message}`;
    const field = issue.path[0];
    if (field === undefined) formErrors.push(message);
    else (fieldErrors[String(field)] ??= []).push(message);
  }
  return refused(400, { formErrors, fieldErrors });
}

function prefixed(errors: Partial<Record<string, string[]>>, ns: string): Record<string, string[]> {
  return Object.fromEntries(Object.entries(errors).map(([k, v]) => [k, (v ?? []).map((m) => `${ns}${m}`)]));
}
