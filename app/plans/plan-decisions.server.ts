import type { Kysely, Transaction } from "kysely";
import type { Database, InstalmentPlan, PlanStatus, StaffRole } from "../../db/schema";
import type { Instalment, PlanFrequency } from "../domain/instalments";
import { checkPlanTerms, type PlanTermsProblem } from "../domain/plan-terms";
import { emitBankEvent } from "../platform/bank-events.server";
import {
  borrowerToday,
  isFourEyesViolation,
  isOpenPlanConflict,
  isUuid,
  resolveReviewTask,
  textBorrower,
} from "./plan-effects.server";
import { auditPlan, planRef, planSummary, startPlan } from "./plan-events.server";

/**
 * An approver's decision on a proposed plan (docs/product-rules.md §7.5, used by the console): approve,
 * reject, or counter with other terms. Each decision is one transaction: the plan rows, instalments, task,
 * SMS, bank event and audit row commit together.
 */
type Trx = Transaction<Database>;

/** Roles allowed to decide plans (docs/product-rules.md §7.5, §8.3); agents may look, not decide. */
const PLAN_DECIDER_ROLES: readonly StaffRole[] = ["approver", "supervisor", "admin"];
const DECISION_REASON_MAX = 4000;

interface CounterTerms {
  count: number;
  frequency: PlanFrequency;
  firstDueDate: string;
  /** Defaults to the proposal's total. */
  totalMinor?: number;
}

export interface DecidePlanInput {
  planId: string;
  staffUserId: string;
  decision: "approve" | "reject" | "counter";
  /** Why: required to reject, optional otherwise; stored on the plan, never shown to the borrower. */
  reason?: string;
  counter?: CounterTerms;
  now?: Date;
  /** The borrower's calendar day; derived from their time zone when omitted. */
  today?: string;
}

type DecisionProblem =
  PlanTermsProblem | "reason_required" | "reason_too_long" | "counter_terms_required" | "decision_invalid";

export type DecidePlanResult =
  | { status: "approved"; planId: string; instalments: Instalment[] }
  | { status: "rejected"; planId: string }
  | { status: "countered"; planId: string; counterPlanId: string }
  /** Someone (another approver, or the borrower) decided it first, or it is not awaiting a decision. */
  | { status: "conflict"; currentStatus: PlanStatus | null }
  /** The counter-offer's author, the staff member who entered the proposal, or one who may not decide plans. */
  | { status: "forbidden"; reason: "own_counter_offer" | "own_proposal" | "not_a_decider" }
  | { status: "not_found" }
  | { status: "first_date_passed" }
  | { status: "invalid"; problems: DecisionProblem[] };

/**
 * An approver's decision on a proposed plan (a borrower's proposal or a
 * colleague's counter-offer). The plan row is locked and must still be
 * `proposed`, so of two simultaneous decisions exactly one wins and the other
 * gets `conflict`. Nobody decides a counter-offer they wrote.
 */
export async function decidePlan(db: Kysely<Database>, input: DecidePlanInput): Promise<DecidePlanResult> {
  const now = input.now ?? new Date();
  const refused = refuseInput(input);
  if (refused) return refused;
  const reason = input.reason?.trim() || null;
  try {
    return await db.transaction().execute(async (trx): Promise<DecidePlanResult> => {
      const found = await lockDecidablePlan(trx, input);
      if (!found.ok) return found.result;
      const today = input.today ?? (await borrowerToday(trx, found.plan.borrower_id, now));
      const decision: Decision = { trx, plan: found.plan, staffUserId: input.staffUserId, reason, now };
      if (input.decision === "approve") return approve(decision, today);
      if (input.decision === "reject") return reject(decision);
      return counter(decision, input.counter!, today);
    });
  } catch (error) {
    // Belt and braces: the checks above make these unreachable, the constraints make them impossible.
    if (isFourEyesViolation(error)) return { status: "forbidden", reason: "own_counter_offer" };
    if (isOpenPlanConflict(error)) return { status: "conflict", currentStatus: null };
    throw error;
  }
}

/** What is refused before any transaction: a bad form, or ids that cannot exist. */
function refuseInput(input: DecidePlanInput): DecidePlanResult | null {
  const problems = decisionProblems(input);
  if (problems.length) return { status: "invalid", problems };
  if (!isUuid(input.planId)) return { status: "not_found" };
  if (!isUuid(input.staffUserId)) return { status: "forbidden", reason: "not_a_decider" };
  return null;
}

function decisionProblems(input: DecidePlanInput): DecisionProblem[] {
  const problems: DecisionProblem[] = [];
  if (!["approve", "reject", "counter"].includes(input.decision)) problems.push("decision_invalid");
  const reason = input.reason?.trim() ?? "";
  if (input.decision === "reject" && !reason) problems.push("reason_required");
  if ([...reason].length > DECISION_REASON_MAX) problems.push("reason_too_long");
  if (input.decision === "counter") {
    if (!input.counter) problems.push("counter_terms_required");
  }
  return problems;
}

/**
 * The decider must be an enabled staff member of a deciding role; the plan, locked, must still await a
 * decision and must be neither the decider's own counter-offer nor a proposal they entered for the borrower.
 */
async function lockDecidablePlan(
  trx: Trx,
  input: DecidePlanInput,
): Promise<{ ok: true; plan: InstalmentPlan } | { ok: false; result: DecidePlanResult }> {
  const staff = await trx
    .selectFrom("staff_users")
    .select(["role", "disabled_at"])
    .where("id", "=", input.staffUserId)
    .executeTakeFirst();
  if (!staff || staff.disabled_at || !PLAN_DECIDER_ROLES.includes(staff.role))
    return { ok: false, result: { status: "forbidden", reason: "not_a_decider" } };
  const plan = await trx
    .selectFrom("instalment_plans")
    .selectAll()
    .where("id", "=", input.planId)
    .forUpdate()
    .executeTakeFirst();
  if (!plan) return { ok: false, result: { status: "not_found" } };
  if (plan.status !== "proposed")
    return { ok: false, result: { status: "conflict", currentStatus: plan.status } };
  if (plan.proposed_by_staff_id === input.staffUserId)
    return { ok: false, result: { status: "forbidden", reason: "own_counter_offer" } };
  if (plan.entered_by_staff_id === input.staffUserId)
    return { ok: false, result: { status: "forbidden", reason: "own_proposal" } };
  return { ok: true, plan };
}

/** One decision on one locked plan: who decides, why, and when. */
interface Decision {
  trx: Trx;
  plan: InstalmentPlan;
  staffUserId: string;
  reason: string | null;
  now: Date;
}

/** Closes the proposal with who decided it, when and why. */
async function recordDecision(d: Decision, status: "active" | "rejected" | "countered") {
  await d.trx
    .updateTable("instalment_plans")
    .set({
      status,
      decided_by_staff_id: d.staffUserId,
      decided_at: d.now,
      decision_reason: d.reason,
      updated_at: d.now,
    })
    .where("id", "=", d.plan.id)
    .execute();
}

function auditDecision(d: Decision, action: string, detail: Record<string, unknown> = {}) {
  return auditPlan(d.trx, d.plan, d.now, {
    actorType: "staff",
    actorId: d.staffUserId,
    action,
    detail: { ...planSummary(d.plan), ...detail, reason: d.reason },
  });
}

async function approve(d: Decision, today: string): Promise<DecidePlanResult> {
  if (d.plan.first_due_date < today) return { status: "first_date_passed" };
  await recordDecision(d, "active");
  await resolveReviewTask(d.trx, d.plan.id, "active", d.now);
  const instalments = await startPlan(d.trx, d.plan, d.now, {
    type: "plan.approved",
    payload: { ...planSummary(d.plan), autoApproved: false, decidedByStaffId: d.staffUserId },
  });
  await auditDecision(d, "plan.approved");
  return { status: "approved", planId: d.plan.id, instalments };
}

async function reject(d: Decision): Promise<DecidePlanResult> {
  await recordDecision(d, "rejected");
  await resolveReviewTask(d.trx, d.plan.id, "rejected", d.now);
  await textBorrower(d.trx, planRef(d.plan), "plan_rejected", d.now);
  await emitBankEvent(d.trx, {
    type: "plan.rejected",
    accountId: d.plan.account_id,
    borrowerId: d.plan.borrower_id,
    payload: { planId: d.plan.id, decidedByStaffId: d.staffUserId },
    now: d.now,
  });
  await auditDecision(d, "plan.rejected");
  return { status: "rejected", planId: d.plan.id };
}

/** The original closes as countered and the approver's terms become a new proposal for the borrower. */
async function counter(d: Decision, terms: CounterTerms, today: string): Promise<DecidePlanResult> {
  const totalMinor = terms.totalMinor ?? d.plan.total_minor;
  const problems = checkPlanTerms({ ...terms, totalMinor, today });
  if (problems.length) return { status: "invalid", problems };
  // Close the original first: the partial unique index allows one open plan per account.
  await recordDecision(d, "countered");
  const offer = await d.trx
    .insertInto("instalment_plans")
    .values({
      account_id: d.plan.account_id,
      borrower_id: d.plan.borrower_id,
      status: "proposed",
      total_minor: totalMinor,
      currency: d.plan.currency,
      instalment_count: terms.count,
      frequency: terms.frequency,
      first_due_date: terms.firstDueDate,
      proposed_by: "staff",
      proposed_by_staff_id: d.staffUserId,
      counter_of_plan_id: d.plan.id,
      created_at: d.now,
      updated_at: d.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await resolveReviewTask(d.trx, d.plan.id, "countered", d.now);
  await textBorrower(d.trx, planRef(offer), "plan_countered", d.now);
  const counterOffer = planSummary(offer);
  await emitBankEvent(d.trx, {
    type: "plan.countered",
    accountId: d.plan.account_id,
    borrowerId: d.plan.borrower_id,
    payload: { planId: d.plan.id, counterOffer, decidedByStaffId: d.staffUserId },
    now: d.now,
  });
  await auditDecision(d, "plan.countered", { counterOffer });
  return { status: "countered", planId: d.plan.id, counterPlanId: offer.id };
}
