import { sql, type Kysely } from "kysely";
import type { Database, InstalmentPlan, PlanStatus, StaffRole } from "../../db/schema";
import {
  DEFAULT_PLAN_POLICY,
  type Instalment,
  type PlanFrequency,
  type PlanPolicy,
  type PlanPolicyReason,
} from "../domain/instalments";
import { checkPlanTerms, previewPlan, type PlanTermsProblem } from "../domain/plan-terms";
import { appendAudit } from "../platform/audit.server";
import { actedBy, auditActor } from "../borrower/action-scope.server";
import { emitBankEvent } from "../platform/bank-events.server";
import {
  amountToSettle,
  borrowerToday,
  findOpenPlan,
  hasRecentBrokenPlan,
  isFourEyesViolation,
  isOpenPlanConflict,
  isUuid,
  openReviewTask,
  resolveReviewTask,
  textBorrower,
  writeInstalments,
  type PlanSession,
} from "./plan-effects.server";
import { planTerms } from "./plan-status.server";

/**
 * Instalment plans (docs/product-rules.md §7): the borrower proposes, the policy
 * auto-approves or queues it for an approver, approvers approve / reject /
 * counter, the borrower accepts or declines a counter-offer, and an instalment
 * left unpaid 7 days after its date breaks the plan. Every transition is one
 * transaction: plan rows, instalments, task, SMS, bank event and audit commit together.
 */

export type { PlanSession } from "./plan-effects.server";
export { getPlanForAccount, type PlanTermsView, type PlanView } from "./plan-status.server";
type Db = Kysely<Database>;

// ---------------------------------------------------------------- borrower: calculator and proposal

export interface PlanContext {
  /** The borrower's calendar day. */
  today: string;
  currency: string;
  /** Amount a plan would settle; 0 when nothing is owed. */
  totalMinor: number;
  brokenPlanWithinLookback: boolean;
  openPlanId: string | null;
}

/** What the calculator needs before any input: the amount, the borrower's today, and whether a plan is already open. */
export async function getPlanContext(
  db: Db,
  session: PlanSession,
  opts: { now?: Date; policy?: PlanPolicy } = {},
): Promise<PlanContext> {
  const now = opts.now ?? new Date();
  const policy = opts.policy ?? DEFAULT_PLAN_POLICY;
  const amount = await amountToSettle(db, session);
  if (!amount) throw new Error("account not found for this session");
  const [today, broken, open] = await Promise.all([
    borrowerToday(db, session.borrowerId, now),
    hasRecentBrokenPlan(db, session.borrowerId, now, policy.brokenPlanLookbackDays),
    findOpenPlan(db, session.accountId),
  ]);
  return {
    today,
    currency: amount.currency,
    totalMinor: amount.totalMinor,
    brokenPlanWithinLookback: broken,
    openPlanId: open?.id ?? null,
  };
}

export interface ProposePlanInput {
  session: PlanSession;
  count: number;
  frequency: PlanFrequency;
  firstDueDate: string;
  /** The borrower's calendar day; derived from their time zone and `now` when omitted. */
  today?: string;
  now?: Date;
  policy?: PlanPolicy;
}

export type ProposePlanResult =
  | { status: "active"; planId: string; instalments: Instalment[] }
  | { status: "proposed"; planId: string; reasons: PlanPolicyReason[] }
  | { status: "already_open"; planId: string | null }
  | { status: "nothing_owed" }
  | { status: "invalid"; problems: PlanTermsProblem[] };

export async function proposePlan(db: Db, input: ProposePlanInput): Promise<ProposePlanResult> {
  const now = input.now ?? new Date();
  const policy = input.policy ?? DEFAULT_PLAN_POLICY;
  const { session } = input;
  try {
    return await db.transaction().execute(async (trx): Promise<ProposePlanResult> => {
      const amount = await amountToSettle(trx, session, { lock: true });
      if (!amount) throw new Error("account not found for this session");
      const open = await findOpenPlan(trx, session.accountId);
      if (open) return { status: "already_open", planId: open.id };
      if (amount.totalMinor <= 0) return { status: "nothing_owed" };
      const today = input.today ?? (await borrowerToday(trx, session.borrowerId, now));
      const terms = {
        totalMinor: amount.totalMinor,
        count: input.count,
        frequency: input.frequency,
        firstDueDate: input.firstDueDate,
        today,
      };
      const problems = checkPlanTerms(terms);
      if (problems.length) return { status: "invalid", problems };
      const brokenPlanWithinLookback = await hasRecentBrokenPlan(
        trx,
        session.borrowerId,
        now,
        policy.brokenPlanLookbackDays,
      );
      const preview = previewPlan({ ...terms, brokenPlanWithinLookback }, policy)!;

      const plan = await trx
        .insertInto("instalment_plans")
        .values({
          account_id: session.accountId,
          borrower_id: session.borrowerId,
          status: preview.autoApprove ? "active" : "proposed",
          total_minor: amount.totalMinor,
          currency: amount.currency,
          instalment_count: input.count,
          frequency: input.frequency,
          first_due_date: input.firstDueDate,
          proposed_by: "borrower",
          entered_by_staff_id: session.staff?.id ?? null,
          auto_approved: preview.autoApprove,
          decided_at: preview.autoApprove ? now : null,
          created_at: now,
          updated_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      const ref = {
        id: plan.id,
        borrowerId: session.borrowerId,
        accountId: session.accountId,
        currency: plan.currency,
      };
      const summary = { ...planSummary(plan), ...actedBy(session) };

      if (preview.autoApprove) {
        const instalments = await writeInstalments(trx, plan);
        await textBorrower(trx, ref, "plan_approved", now, instalments[0]);
        await emitBankEvent(trx, {
          type: "plan.approved",
          accountId: ref.accountId,
          borrowerId: ref.borrowerId,
          payload: { ...summary, autoApproved: true, instalments },
          now,
        });
        await appendAudit(
          trx,
          {
            ...auditActor(session),
            action: "plan.auto_approved",
            subjectType: "instalment_plan",
            subjectId: plan.id,
            borrowerId: ref.borrowerId,
            detail: summary,
          },
          now,
        );
        return { status: "active", planId: plan.id, instalments };
      }
      await openReviewTask(trx, ref, now);
      await textBorrower(trx, ref, "plan_submitted", now);
      await emitBankEvent(trx, {
        type: "plan.proposed",
        accountId: ref.accountId,
        borrowerId: ref.borrowerId,
        payload: { ...summary, policyReasons: preview.reasons },
        now,
      });
      await appendAudit(
        trx,
        {
          ...auditActor(session),
          action: "plan.proposed",
          subjectType: "instalment_plan",
          subjectId: plan.id,
          borrowerId: ref.borrowerId,
          detail: { ...summary, policyReasons: preview.reasons },
        },
        now,
      );
      return { status: "proposed", planId: plan.id, reasons: preview.reasons };
    });
  } catch (error) {
    // A proposal racing another on the same account (e.g. a double submit) loses cleanly.
    if (!isOpenPlanConflict(error)) throw error;
    const open = await findOpenPlan(db, session.accountId);
    return { status: "already_open", planId: open?.id ?? null };
  }
}

// ---------------------------------------------------------------- staff: decisions (used by the console)

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
export async function decidePlan(db: Db, input: DecidePlanInput): Promise<DecidePlanResult> {
  const now = input.now ?? new Date();
  const problems = decisionProblems(input);
  if (problems.length) return { status: "invalid", problems };
  if (!isUuid(input.planId)) return { status: "not_found" };
  if (!isUuid(input.staffUserId)) return { status: "forbidden", reason: "not_a_decider" };
  const reason = input.reason?.trim() || null;
  try {
    return await db.transaction().execute(async (trx): Promise<DecidePlanResult> => {
      const staff = await trx
        .selectFrom("staff_users")
        .select(["role", "disabled_at"])
        .where("id", "=", input.staffUserId)
        .executeTakeFirst();
      if (!staff || staff.disabled_at || !PLAN_DECIDER_ROLES.includes(staff.role))
        return { status: "forbidden", reason: "not_a_decider" };
      const plan = await trx
        .selectFrom("instalment_plans")
        .selectAll()
        .where("id", "=", input.planId)
        .forUpdate()
        .executeTakeFirst();
      if (!plan) return { status: "not_found" };
      if (plan.status !== "proposed") return { status: "conflict", currentStatus: plan.status };
      if (plan.proposed_by_staff_id === input.staffUserId)
        return { status: "forbidden", reason: "own_counter_offer" };
      if (plan.entered_by_staff_id === input.staffUserId)
        return { status: "forbidden", reason: "own_proposal" };
      const today = input.today ?? (await borrowerToday(trx, plan.borrower_id, now));
      const ref = {
        id: plan.id,
        borrowerId: plan.borrower_id,
        accountId: plan.account_id,
        currency: plan.currency,
      };
      const decided = {
        decided_by_staff_id: input.staffUserId,
        decided_at: now,
        decision_reason: reason,
        updated_at: now,
      };
      const audit = (action: string, detail: Record<string, unknown>) =>
        appendAudit(
          trx,
          {
            actorType: "staff",
            actorId: input.staffUserId,
            action,
            subjectType: "instalment_plan",
            subjectId: plan.id,
            borrowerId: plan.borrower_id,
            detail: { ...planSummary(plan), ...detail, reason },
          },
          now,
        );

      if (input.decision === "approve") {
        if (plan.first_due_date < today) return { status: "first_date_passed" };
        await trx
          .updateTable("instalment_plans")
          .set({ status: "active", ...decided })
          .where("id", "=", plan.id)
          .execute();
        const instalments = await writeInstalments(trx, plan);
        await resolveReviewTask(trx, plan.id, "active", now);
        await textBorrower(trx, ref, "plan_approved", now, instalments[0]);
        await emitBankEvent(trx, {
          type: "plan.approved",
          accountId: ref.accountId,
          borrowerId: ref.borrowerId,
          payload: {
            ...planSummary(plan),
            autoApproved: false,
            decidedByStaffId: input.staffUserId,
            instalments,
          },
          now,
        });
        await audit("plan.approved", {});
        return { status: "approved", planId: plan.id, instalments };
      }

      if (input.decision === "reject") {
        await trx
          .updateTable("instalment_plans")
          .set({ status: "rejected", ...decided })
          .where("id", "=", plan.id)
          .execute();
        await resolveReviewTask(trx, plan.id, "rejected", now);
        await textBorrower(trx, ref, "plan_rejected", now);
        await emitBankEvent(trx, {
          type: "plan.rejected",
          accountId: ref.accountId,
          borrowerId: ref.borrowerId,
          payload: { planId: plan.id, decidedByStaffId: input.staffUserId },
          now,
        });
        await audit("plan.rejected", {});
        return { status: "rejected", planId: plan.id };
      }

      const counter = input.counter!;
      const totalMinor = counter.totalMinor ?? plan.total_minor;
      const termProblems = checkPlanTerms({
        totalMinor,
        count: counter.count,
        frequency: counter.frequency,
        firstDueDate: counter.firstDueDate,
        today,
      });
      if (termProblems.length) return { status: "invalid", problems: termProblems };
      // Close the original first: the partial unique index allows one open plan per account.
      await trx
        .updateTable("instalment_plans")
        .set({ status: "countered", ...decided })
        .where("id", "=", plan.id)
        .execute();
      const offer = await trx
        .insertInto("instalment_plans")
        .values({
          account_id: plan.account_id,
          borrower_id: plan.borrower_id,
          status: "proposed",
          total_minor: totalMinor,
          currency: plan.currency,
          instalment_count: counter.count,
          frequency: counter.frequency,
          first_due_date: counter.firstDueDate,
          proposed_by: "staff",
          proposed_by_staff_id: input.staffUserId,
          counter_of_plan_id: plan.id,
          created_at: now,
          updated_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await resolveReviewTask(trx, plan.id, "countered", now);
      await textBorrower(trx, { ...ref, id: offer.id }, "plan_countered", now);
      await emitBankEvent(trx, {
        type: "plan.countered",
        accountId: ref.accountId,
        borrowerId: ref.borrowerId,
        payload: { planId: plan.id, counterOffer: planSummary(offer), decidedByStaffId: input.staffUserId },
        now,
      });
      await audit("plan.countered", { counterOffer: planSummary(offer) });
      return { status: "countered", planId: plan.id, counterPlanId: offer.id };
    });
  } catch (error) {
    // Belt and braces: the checks above make these unreachable, the constraints make them impossible.
    if (isFourEyesViolation(error)) return { status: "forbidden", reason: "own_counter_offer" };
    if (isOpenPlanConflict(error)) return { status: "conflict", currentStatus: null };
    throw error;
  }
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

// ---------------------------------------------------------------- borrower: answer to a counter-offer

export type CounterOfferResponse =
  | { status: "accepted"; planId: string; instalments: Instalment[] }
  | { status: "declined"; planId: string }
  | { status: "conflict"; currentStatus: PlanStatus }
  | { status: "first_date_passed" }
  | { status: "not_found" };

/** Accept (the plan starts) or decline an approver's counter-offer; only on the session's own account. */
export async function respondToCounterOffer(
  db: Db,
  input: { session: PlanSession; planId: string; accept: boolean; now?: Date; today?: string },
): Promise<CounterOfferResponse> {
  const now = input.now ?? new Date();
  const { session } = input;
  if (!isUuid(input.planId)) return { status: "not_found" };
  return db.transaction().execute(async (trx): Promise<CounterOfferResponse> => {
    const plan = await trx
      .selectFrom("instalment_plans")
      .selectAll()
      .where("id", "=", input.planId)
      .where("account_id", "=", session.accountId)
      .where("borrower_id", "=", session.borrowerId)
      .forUpdate()
      .executeTakeFirst();
    if (!plan || plan.proposed_by !== "staff") return { status: "not_found" };
    if (plan.status !== "proposed") return { status: "conflict", currentStatus: plan.status };
    const ref = {
      id: plan.id,
      borrowerId: plan.borrower_id,
      accountId: plan.account_id,
      currency: plan.currency,
    };
    const audit = (action: string) =>
      appendAudit(
        trx,
        {
          actorType: "borrower",
          actorId: session.borrowerId,
          action,
          subjectType: "instalment_plan",
          subjectId: plan.id,
          borrowerId: session.borrowerId,
          detail: planSummary(plan),
        },
        now,
      );

    if (input.accept) {
      const today = input.today ?? (await borrowerToday(trx, session.borrowerId, now));
      if (plan.first_due_date < today) return { status: "first_date_passed" };
      await trx
        .updateTable("instalment_plans")
        .set({ status: "active", decided_at: now, updated_at: now })
        .where("id", "=", plan.id)
        .execute();
      const instalments = await writeInstalments(trx, plan);
      await resolveReviewTask(trx, plan.id, "accepted", now);
      await textBorrower(trx, ref, "plan_approved", now, instalments[0]);
      await emitBankEvent(trx, {
        type: "plan.accepted",
        accountId: ref.accountId,
        borrowerId: ref.borrowerId,
        payload: { ...planSummary(plan), instalments },
        now,
      });
      await audit("plan.counter_accepted");
      return { status: "accepted", planId: plan.id, instalments };
    }
    await trx
      .updateTable("instalment_plans")
      .set({ status: "declined", decided_at: now, updated_at: now })
      .where("id", "=", plan.id)
      .execute();
    await resolveReviewTask(trx, plan.id, "declined", now);
    await emitBankEvent(trx, {
      type: "plan.declined",
      accountId: ref.accountId,
      borrowerId: ref.borrowerId,
      payload: { planId: plan.id },
      now,
    });
    await audit("plan.counter_declined");
    return { status: "declined", planId: plan.id };
  });
}

// ---------------------------------------------------------------- system: broken plans

const BROKEN_AFTER_DAYS = 7;

/**
 * Active plans with an instalment still unpaid more than 7 days after its date
 * (on the borrower's calendar) become `broken`; their overdue instalments become
 * `missed`. One set-based statement finds and flips them; the row lock and the
 * `status = 'active'` re-check mean concurrent runs never break a plan twice.
 */
export async function markBrokenPlans(db: Db, now: Date = new Date()): Promise<{ broken: string[] }> {
  return db.transaction().execute(async (trx) => {
    const { rows } = await sql<{ id: string; account_id: string; borrower_id: string; missed: number }>`
      with late as (
        select distinct i.plan_id
        from instalments i
        join instalment_plans p on p.id = i.plan_id
        join borrowers b on b.id = p.borrower_id
        where p.status = 'active'
          and i.status <> 'paid'
          and i.paid_minor < i.amount_minor
          and i.due_date < (${now}::timestamptz at time zone b.time_zone)::date - ${BROKEN_AFTER_DAYS}::int
      ),
      broken as (
        update instalment_plans p
        set status = 'broken', updated_at = ${now}
        from late
        where p.id = late.plan_id and p.status = 'active'
        returning p.id, p.account_id, p.borrower_id
      ),
      missed as (
        update instalments i
        set status = 'missed'
        from broken
        join borrowers b on b.id = broken.borrower_id
        where i.plan_id = broken.id
          and i.status = 'due'
          and i.paid_minor < i.amount_minor
          and i.due_date < (${now}::timestamptz at time zone b.time_zone)::date
        returning i.plan_id
      )
      select broken.*, (select count(*) from missed where missed.plan_id = broken.id)::int as missed
      from broken
      order by broken.id
    `.execute(trx);
    for (const plan of rows) {
      await emitBankEvent(trx, {
        type: "plan.broken",
        accountId: plan.account_id,
        borrowerId: plan.borrower_id,
        payload: { planId: plan.id, missedInstalments: plan.missed },
        now,
      });
      await appendAudit(
        trx,
        {
          actorType: "system",
          action: "plan.broken",
          subjectType: "instalment_plan",
          subjectId: plan.id,
          borrowerId: plan.borrower_id,
          detail: { missedInstalments: plan.missed, graceDays: BROKEN_AFTER_DAYS },
        },
        now,
      );
    }
    return { broken: rows.map((r) => r.id) };
  });
}

/** What bank events and audit rows say about a plan: terms, no personal data. */
function planSummary(p: InstalmentPlan) {
  return {
    planId: p.id,
    ...planTerms(p),
    currency: p.currency,
    proposedBy: p.proposed_by,
    counterOfPlanId: p.counter_of_plan_id,
  };
}
