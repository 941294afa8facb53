import { sql, type Kysely, type Transaction } from "kysely";
import { activePlanPolicy } from "./plan-policy.server";
import type { Database, InstalmentPlan, PlanStatus } from "../../db/schema";
import {
  type Instalment,
  type PlanFrequency,
  type PlanPolicy,
  type PlanPolicyReason,
} from "../domain/instalments";
import { checkPlanTerms, previewPlan, type PlanPreview, type PlanTermsProblem } from "../domain/plan-terms";
import { appendAudit } from "../platform/audit.server";
import { actedBy, auditActor } from "../borrower/action-scope.server";
import { emitBankEvent } from "../platform/bank-events.server";
import {
  amountToSettle,
  borrowerToday,
  findOpenPlan,
  hasRecentBrokenPlan,
  isOpenPlanConflict,
  isUuid,
  openReviewTask,
  resolveReviewTask,
  textBorrower,
  type PlanSession,
} from "./plan-effects.server";
import { auditPlan, planRef, planSummary, startPlan } from "./plan-events.server";

/**
 * Instalment plans (docs/product-rules.md §7): the borrower proposes, the policy
 * auto-approves or queues it for an approver, approvers approve / reject /
 * counter (plan-decisions.server.ts), the borrower accepts or declines a counter-offer, and an instalment
 * left unpaid 7 days after its date breaks the plan. Every transition is one
 * transaction: plan rows, instalments, task, SMS, bank event and audit commit together.
 */

export type { PlanSession } from "./plan-effects.server";
export { getPlanForAccount, type PlanView } from "./plan-status.server";
type Db = Kysely<Database>;
type Trx = Transaction<Database>;

// ---------------------------------------------------------------- borrower: calculator and proposal

export interface PlanContext {
  /** The borrower's calendar day. */
  today: string;
  currency: string;
  /** Amount a plan would settle; 0 when nothing is owed. */
  totalMinor: number;
  brokenPlanWithinLookback: boolean;
  openPlanId: string | null;
  /** The automatic approval limits in force for the account's currency. */
  policy: PlanPolicy;
}

/** What the calculator needs before any input: the amount, the borrower's today, and whether a plan is already open. */
export async function getPlanContext(
  db: Db,
  session: PlanSession,
  opts: { now?: Date; policy?: PlanPolicy } = {},
): Promise<PlanContext> {
  const now = opts.now ?? new Date();
  const amount = await amountToSettle(db, session);
  if (!amount) throw new Error("account not found for this session");
  const policy = opts.policy ?? (await activePlanPolicy(db, amount.currency));
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
    policy,
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
  try {
    return await db.transaction().execute(async (trx): Promise<ProposePlanResult> => {
      const checked = await checkProposal(trx, input, now);
      if (!checked.ok) return checked.result;
      const plan = await insertProposal(trx, input, checked, now);
      if (checked.preview.autoApprove) return announceAutoApproval(trx, input.session, plan, now);
      return announceProposal(trx, input.session, plan, checked.preview.reasons, now);
    });
  } catch (error) {
    // A proposal racing another on the same account (e.g. a double submit) loses cleanly.
    if (!isOpenPlanConflict(error)) throw error;
    const open = await findOpenPlan(db, input.session.accountId);
    return { status: "already_open", planId: open?.id ?? null };
  }
}

type CheckedProposal =
  | { ok: false; result: ProposePlanResult }
  | { ok: true; totalMinor: number; currency: string; preview: PlanPreview };

/**
 * Locks the account, then what stops a proposal: a plan already open, nothing owed, terms out of bounds.
 * What is left is the amount and whether the automatic policy approves the terms.
 */
async function checkProposal(trx: Trx, input: ProposePlanInput, now: Date): Promise<CheckedProposal> {
  const { session } = input;
  const amount = await amountToSettle(trx, session, { lock: true });
  if (!amount) throw new Error("account not found for this session");
  const policy = input.policy ?? (await activePlanPolicy(trx, amount.currency));
  const open = await findOpenPlan(trx, session.accountId);
  if (open) return { ok: false, result: { status: "already_open", planId: open.id } };
  if (amount.totalMinor <= 0) return { ok: false, result: { status: "nothing_owed" } };
  const today = input.today ?? (await borrowerToday(trx, session.borrowerId, now));
  const terms = {
    totalMinor: amount.totalMinor,
    count: input.count,
    frequency: input.frequency,
    firstDueDate: input.firstDueDate,
    today,
  };
  const problems = checkPlanTerms(terms);
  if (problems.length) return { ok: false, result: { status: "invalid", problems } };
  const brokenPlanWithinLookback = await hasRecentBrokenPlan(
    trx,
    session.borrowerId,
    now,
    policy.brokenPlanLookbackDays,
  );
  const preview = previewPlan({ ...terms, brokenPlanWithinLookback }, policy)!;
  return { ok: true, totalMinor: amount.totalMinor, currency: amount.currency, preview };
}

async function insertProposal(
  trx: Trx,
  input: ProposePlanInput,
  checked: Extract<CheckedProposal, { ok: true }>,
  now: Date,
): Promise<InstalmentPlan> {
  const { autoApprove } = checked.preview;
  return trx
    .insertInto("instalment_plans")
    .values({
      account_id: input.session.accountId,
      borrower_id: input.session.borrowerId,
      status: autoApprove ? "active" : "proposed",
      total_minor: checked.totalMinor,
      currency: checked.currency,
      instalment_count: input.count,
      frequency: input.frequency,
      first_due_date: input.firstDueDate,
      proposed_by: "borrower",
      entered_by_staff_id: input.session.staff?.id ?? null,
      auto_approved: autoApprove,
      decided_at: autoApprove ? now : null,
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

async function announceAutoApproval(
  trx: Trx,
  session: PlanSession,
  plan: InstalmentPlan,
  now: Date,
): Promise<ProposePlanResult> {
  const summary = { ...planSummary(plan), ...actedBy(session) };
  const instalments = await startPlan(trx, plan, now, {
    type: "plan.approved",
    payload: { ...summary, autoApproved: true },
  });
  await auditPlan(trx, plan, now, {
    ...auditActor(session),
    action: "plan.auto_approved",
    detail: summary,
  });
  return { status: "active", planId: plan.id, instalments };
}

/** Out of policy: an approver's task, and the borrower is told it is under review. */
async function announceProposal(
  trx: Trx,
  session: PlanSession,
  plan: InstalmentPlan,
  reasons: PlanPolicyReason[],
  now: Date,
): Promise<ProposePlanResult> {
  const summary = { ...planSummary(plan), ...actedBy(session) };
  await openReviewTask(trx, planRef(plan), now);
  await textBorrower(trx, planRef(plan), "plan_submitted", now);
  await emitBankEvent(trx, {
    type: "plan.proposed",
    accountId: plan.account_id,
    borrowerId: plan.borrower_id,
    payload: { ...summary, policyReasons: reasons },
    now,
  });
  await auditPlan(trx, plan, now, {
    ...auditActor(session),
    action: "plan.proposed",
    detail: { ...summary, policyReasons: reasons },
  });
  return { status: "proposed", planId: plan.id, reasons };
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
    if (!input.accept) return declineCounterOffer(trx, plan, now);
    const today = input.today ?? (await borrowerToday(trx, session.borrowerId, now));
    if (plan.first_due_date < today) return { status: "first_date_passed" };
    return acceptCounterOffer(trx, plan, now);
  });
}

async function acceptCounterOffer(trx: Trx, plan: InstalmentPlan, now: Date): Promise<CounterOfferResponse> {
  await answerCounterOffer(trx, plan, "active", now);
  await resolveReviewTask(trx, plan.id, "accepted", now);
  const instalments = await startPlan(trx, plan, now, { type: "plan.accepted", payload: planSummary(plan) });
  await auditAnswer(trx, plan, "plan.counter_accepted", now);
  return { status: "accepted", planId: plan.id, instalments };
}

async function declineCounterOffer(trx: Trx, plan: InstalmentPlan, now: Date): Promise<CounterOfferResponse> {
  await answerCounterOffer(trx, plan, "declined", now);
  await resolveReviewTask(trx, plan.id, "declined", now);
  await emitBankEvent(trx, {
    type: "plan.declined",
    accountId: plan.account_id,
    borrowerId: plan.borrower_id,
    payload: { planId: plan.id },
    now,
  });
  await auditAnswer(trx, plan, "plan.counter_declined", now);
  return { status: "declined", planId: plan.id };
}

async function answerCounterOffer(trx: Trx, plan: InstalmentPlan, status: "active" | "declined", now: Date) {
  await trx
    .updateTable("instalment_plans")
    .set({ status, decided_at: now, updated_at: now })
    .where("id", "=", plan.id)
    .execute();
}

function auditAnswer(trx: Trx, plan: InstalmentPlan, action: string, now: Date) {
  return auditPlan(trx, plan, now, {
    actorType: "borrower",
    actorId: plan.borrower_id,
    action,
    detail: planSummary(plan),
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
