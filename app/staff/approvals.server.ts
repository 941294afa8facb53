import { sql, type Kysely } from "kysely";
import type {
  AccountStatus,
  Database,
  HardshipReason,
  HardshipStatus,
  InstalmentPlan,
  PaymentSource,
  PaymentStatus,
  PlanStatus,
  Product,
} from "../../db/schema";
import { assessAffordability } from "../domain/affordability";
import {
  checkPlanPolicy,
  DEFAULT_PLAN_POLICY,
  splitIntoInstalments,
  type PlanFrequency,
  type PlanPolicyReason,
} from "../domain/instalments";
import { isoDateFromEpochDay, localEpochDay } from "../domain/local-time";
import { formatCalendarDate, formatMoney } from "../domain/money";
import { latestFirstDate } from "../domain/plan-terms";
import { appendAudit } from "../platform/audit.server";
import { amountToSettle, hasRecentBrokenPlan, isUuid } from "../plans/plan-effects.server";
import { ageInDays, formatStaffDateTime } from "./format";
import type { StaffIdentity } from "./session.server";

/**
 * The approval queue (docs/product-rules.md §7.5): plans waiting for an approver, with what
 * an approver weighs (balance, days past due, history, hardship, affordability)
 * and why the automatic policy did not approve them. Decisions go through
 * decidePlan (app/plans/plans.server.ts). Opening a plan is a view of the
 * borrower, so it is audited like the borrower page.
 */
const QUEUE_LIMIT = 100;
const HISTORY_LIMIT = 20;
const policy = DEFAULT_PLAN_POLICY;

type Display = { locale: string; timeZone: string };

export interface PolicyReasonView {
  code: PlanPolicyReason;
  /** Values for the reason's sentence (already formatted). */
  values: Record<string, string | number>;
}

export interface ApprovalQueueItem {
  planId: string;
  borrowerId: string;
  borrowerName: string;
  accountLast4: string;
  balance: string;
  dpd: number;
  total: string;
  count: number;
  frequency: PlanFrequency;
  firstDueDate: string;
  created: string;
  ageDays: number;
  reasons: PolicyReasonView[];
  /** A counter-offer written by staff, waiting for the borrower's answer. */
  counterOffer: boolean;
  proposedByName: string | null;
}

function borrowerToday(timeZone: string, now: Date): string {
  return isoDateFromEpochDay(localEpochDay(now.getTime(), timeZone));
}

/** The automatic policy's verdict today, with the numbers each reason's sentence needs. */
function policyReasons(
  plan: Pick<
    InstalmentPlan,
    "total_minor" | "instalment_count" | "frequency" | "first_due_date" | "currency"
  >,
  opts: { today: string; brokenPlanWithinLookback: boolean; locale: string },
): PolicyReasonView[] {
  const verdict = checkPlanPolicy(
    {
      totalMinor: plan.total_minor,
      count: plan.instalment_count,
      frequency: plan.frequency,
      firstDueDate: plan.first_due_date,
      today: opts.today,
      brokenPlanWithinLookback: opts.brokenPlanWithinLookback,
    },
    policy,
  );
  const values: Record<PlanPolicyReason, Record<string, string | number>> = {
    term_too_long: {
      months: plan.total_minor >= policy.largeBalanceMinor ? policy.maxMonthsLarge : policy.maxMonthsSmall,
    },
    instalment_too_small: {
      minimum: formatMoney({ minor: policy.minInstalmentMinor, currency: plan.currency }, opts.locale),
    },
    first_payment_too_late: { days: policy.maxDaysToFirstPayment },
    first_payment_in_past: {},
    recent_broken_plan: { days: policy.brokenPlanLookbackDays },
  };
  return verdict.reasons.map((code) => ({ code, values: values[code] }));
}

export async function loadApprovalQueue(
  db: Kysely<Database>,
  display: Display & { now?: Date },
): Promise<{ awaitingApprover: ApprovalQueueItem[]; awaitingBorrower: ApprovalQueueItem[]; total: number }> {
  const now = display.now ?? new Date();
  const lookback = new Date(now.getTime() - policy.brokenPlanLookbackDays * 86_400_000);
  const rows = await db
    .selectFrom("instalment_plans as p")
    .innerJoin("borrowers as b", "b.id", "p.borrower_id")
    .innerJoin("accounts as a", "a.id", "p.account_id")
    .leftJoin("staff_users as s", "s.id", "p.proposed_by_staff_id")
    .selectAll("p")
    .select([
      "b.full_name",
      "b.time_zone",
      "a.last4",
      "a.balance_minor",
      "a.currency as account_currency",
      "a.dpd",
      "s.display_name as proposer_name",
    ])
    .select((eb) =>
      eb
        .exists(
          eb
            .selectFrom("instalment_plans as q")
            .select("q.id")
            .whereRef("q.borrower_id", "=", "p.borrower_id")
            .where("q.status", "=", "broken")
            .where("q.updated_at", ">", lookback),
        )
        .as("recent_broken"),
    )
    .select(sql<number>`count(*) over ()`.as("total"))
    .where("p.status", "=", "proposed")
    .orderBy("p.created_at")
    .orderBy("p.id")
    .limit(QUEUE_LIMIT)
    .execute();
  const items = rows.map((r): ApprovalQueueItem => ({
    planId: r.id,
    borrowerId: r.borrower_id,
    borrowerName: r.full_name,
    accountLast4: r.last4,
    balance: formatMoney({ minor: r.balance_minor, currency: r.account_currency }, display.locale),
    dpd: r.dpd,
    total: formatMoney({ minor: r.total_minor, currency: r.currency }, display.locale),
    count: r.instalment_count,
    frequency: r.frequency,
    firstDueDate: formatCalendarDate(r.first_due_date, display.locale),
    created: formatStaffDateTime(r.created_at, display.locale, display.timeZone),
    ageDays: ageInDays(r.created_at, now),
    reasons: policyReasons(r, {
      today: borrowerToday(r.time_zone, now),
      brokenPlanWithinLookback: Boolean(r.recent_broken),
      locale: display.locale,
    }),
    counterOffer: r.proposed_by === "staff",
    proposedByName: r.proposer_name,
  }));
  return {
    awaitingApprover: items.filter((i) => !i.counterOffer),
    awaitingBorrower: items.filter((i) => i.counterOffer),
    total: Number(rows[0]?.total ?? 0),
  };
}

export interface ApprovalView {
  plan: {
    id: string;
    status: PlanStatus;
    currency: string;
    totalMinor: number;
    total: string;
    count: number;
    frequency: PlanFrequency;
    firstDueDate: string;
    created: string;
    proposedBy: "borrower" | "staff";
    proposedByName: string | null;
    /** Who must act: an approver (the borrower's proposal), the borrower (a counter-offer), or nobody. */
    awaiting: "approver" | "borrower" | null;
    /** The signed-in staff member wrote this counter-offer: someone else must decide it. */
    ownCounterOffer: boolean;
    decided: { at: string; byName: string | null; reason: string | null } | null;
    original: { total: string; count: number; frequency: PlanFrequency; firstDueDate: string } | null;
    counterOfferId: string | null;
    instalments: Array<{ seq: number; dueDate: string; amount: string }>;
  };
  reasons: PolicyReasonView[];
  borrower: {
    id: string;
    name: string;
    locale: string;
    timeZone: string;
    jurisdiction: string;
    today: string;
  };
  account: {
    id: string;
    externalRef: string;
    product: Product;
    last4: string;
    status: AccountStatus;
    dpd: number;
    balance: string;
    overdue: string;
    minimumDue: string;
    dueDate: string | null;
    toSettle: string;
  };
  payments: Array<{ id: string; when: string; amount: string; source: PaymentSource; status: PaymentStatus }>;
  otherPlans: Array<{
    id: string;
    status: PlanStatus;
    total: string;
    count: number;
    frequency: PlanFrequency;
    firstDueDate: string;
    created: string;
    proposedBy: "borrower" | "staff";
    accountLast4: string;
  }>;
  hardship: Array<{
    id: string;
    created: string;
    reason: HardshipReason;
    details: string;
    income: string | null;
    expenses: string | null;
    wantsPause: boolean;
    wantsLowerPayments: boolean;
    status: HardshipStatus;
  }>;
  affordability: {
    income: string;
    expenses: string;
    disposable: string;
    monthlyCost: string;
    sharePercent: number | null;
    reported: string;
  } | null;
  /** Starting values for a counter-offer. */
  counterDefaults: { count: number; frequency: PlanFrequency; firstDueDate: string; latestFirstDate: string };
}

/** One plan for an approver, or null when there is no such plan. Audited as a view of the borrower. */
export async function viewPlanForApproval(
  db: Kysely<Database>,
  opts: Display & { planId: string; staff: StaffIdentity; now?: Date },
): Promise<ApprovalView | null> {
  const now = opts.now ?? new Date();
  if (!isUuid(opts.planId)) return null;
  const plan = await db
    .selectFrom("instalment_plans as p")
    .leftJoin("staff_users as proposer", "proposer.id", "p.proposed_by_staff_id")
    .leftJoin("staff_users as decider", "decider.id", "p.decided_by_staff_id")
    .selectAll("p")
    .select(["proposer.display_name as proposer_name", "decider.display_name as decider_name"])
    .where("p.id", "=", opts.planId)
    .executeTakeFirst();
  if (!plan) return null;

  await appendAudit(
    db,
    {
      actorType: "staff",
      actorId: opts.staff.id,
      action: "staff.viewed_borrower",
      subjectType: "borrower",
      subjectId: plan.borrower_id,
      borrowerId: plan.borrower_id,
      detail: { role: opts.staff.role, via: "plan_approval", planId: plan.id },
    },
    now,
  );

  const { locale, timeZone } = opts;
  const money = (minor: number, currency: string) => formatMoney({ minor, currency }, locale);
  const when = (d: Date) => formatStaffDateTime(d, locale, timeZone);
  const day = (iso: string) => formatCalendarDate(iso, locale);

  const [borrower, account, settle, broken, payments, plans, hardship, original, counterOffer] =
    await Promise.all([
      db
        .selectFrom("borrowers")
        .select(["id", "full_name", "locale", "time_zone", "jurisdiction"])
        .where("id", "=", plan.borrower_id)
        .executeTakeFirstOrThrow(),
      db.selectFrom("accounts").selectAll().where("id", "=", plan.account_id).executeTakeFirstOrThrow(),
      amountToSettle(db, { borrowerId: plan.borrower_id, accountId: plan.account_id }),
      hasRecentBrokenPlan(db, plan.borrower_id, now, policy.brokenPlanLookbackDays),
      db
        .selectFrom("payments")
        .select(["id", "amount_minor", "currency", "source", "status", "created_at", "succeeded_at"])
        .where("account_id", "=", plan.account_id)
        .orderBy("created_at", "desc")
        .limit(HISTORY_LIMIT)
        .execute(),
      db
        .selectFrom("instalment_plans as q")
        .innerJoin("accounts as a", "a.id", "q.account_id")
        .select([
          "q.id",
          "q.status",
          "q.total_minor",
          "q.currency",
          "q.instalment_count",
          "q.frequency",
          "q.first_due_date",
          "q.created_at",
          "q.proposed_by",
          "a.last4",
        ])
        .where("q.borrower_id", "=", plan.borrower_id)
        .where("q.id", "<>", plan.id)
        .orderBy("q.created_at", "desc")
        .limit(HISTORY_LIMIT)
        .execute(),
      db
        .selectFrom("hardship_reports")
        .selectAll()
        .where("borrower_id", "=", plan.borrower_id)
        .orderBy("created_at", "desc")
        .limit(HISTORY_LIMIT)
        .execute(),
      plan.counter_of_plan_id
        ? db
            .selectFrom("instalment_plans")
            .selectAll()
            .where("id", "=", plan.counter_of_plan_id)
            .executeTakeFirst()
        : Promise.resolve(undefined),
      plan.status === "countered"
        ? db
            .selectFrom("instalment_plans")
            .select("id")
            .where("counter_of_plan_id", "=", plan.id)
            .executeTakeFirst()
        : Promise.resolve(undefined),
    ]);

  const today = borrowerToday(borrower.time_zone, now);
  const instalments = splitIntoInstalments({
    totalMinor: plan.total_minor,
    count: plan.instalment_count,
    firstDueDate: plan.first_due_date,
    frequency: plan.frequency,
  });
  const stored =
    plan.status === "proposed"
      ? []
      : await db
          .selectFrom("instalments")
          .select(["seq", "due_date", "amount_minor"])
          .where("plan_id", "=", plan.id)
          .orderBy("seq")
          .execute();
  const schedule = stored.length
    ? stored.map((i) => ({ seq: i.seq, dueDate: i.due_date, amountMinor: i.amount_minor }))
    : instalments;

  // The latest report that gave both figures, in the plan's currency.
  const figures = hardship.find(
    (h) =>
      h.monthly_income_minor !== null && h.monthly_expenses_minor !== null && h.currency === plan.currency,
  );
  const assessed = figures
    ? assessAffordability({
        largestInstalmentMinor: Math.max(...instalments.map((i) => i.amountMinor)),
        frequency: plan.frequency,
        monthlyIncomeMinor: figures.monthly_income_minor!,
        monthlyExpensesMinor: figures.monthly_expenses_minor!,
      })
    : null;

  const firstDefault = plan.first_due_date >= today ? plan.first_due_date : today;
  return {
    plan: {
      id: plan.id,
      status: plan.status,
      currency: plan.currency,
      totalMinor: plan.total_minor,
      total: money(plan.total_minor, plan.currency),
      count: plan.instalment_count,
      frequency: plan.frequency,
      firstDueDate: day(plan.first_due_date),
      created: when(plan.created_at),
      proposedBy: plan.proposed_by,
      proposedByName: plan.proposer_name,
      awaiting: plan.status === "proposed" ? (plan.proposed_by === "staff" ? "borrower" : "approver") : null,
      ownCounterOffer: plan.proposed_by_staff_id === opts.staff.id,
      decided: plan.decided_at
        ? { at: when(plan.decided_at), byName: plan.decider_name, reason: plan.decision_reason }
        : null,
      original: original
        ? {
            total: money(original.total_minor, original.currency),
            count: original.instalment_count,
            frequency: original.frequency,
            firstDueDate: day(original.first_due_date),
          }
        : null,
      counterOfferId: counterOffer?.id ?? null,
      instalments: schedule.map((i) => ({
        seq: i.seq,
        dueDate: day(i.dueDate),
        amount: money(i.amountMinor, plan.currency),
      })),
    },
    reasons: policyReasons(plan, { today, brokenPlanWithinLookback: broken, locale }),
    borrower: {
      id: borrower.id,
      name: borrower.full_name,
      locale: borrower.locale,
      timeZone: borrower.time_zone,
      jurisdiction: borrower.jurisdiction,
      today,
    },
    account: {
      id: account.id,
      externalRef: account.external_ref,
      product: account.product,
      last4: account.last4,
      status: account.status,
      dpd: account.dpd,
      balance: money(account.balance_minor, account.currency),
      overdue: money(account.overdue_minor, account.currency),
      minimumDue: money(account.minimum_due_minor, account.currency),
      dueDate: account.due_date ? day(account.due_date) : null,
      toSettle: money(settle?.totalMinor ?? 0, account.currency),
    },
    payments: payments.map((p) => ({
      id: p.id,
      when: when(p.succeeded_at ?? p.created_at),
      amount: money(p.amount_minor, p.currency),
      source: p.source,
      status: p.status,
    })),
    otherPlans: plans.map((q) => ({
      id: q.id,
      status: q.status,
      total: money(q.total_minor, q.currency),
      count: q.instalment_count,
      frequency: q.frequency,
      firstDueDate: day(q.first_due_date),
      created: when(q.created_at),
      proposedBy: q.proposed_by,
      accountLast4: q.last4,
    })),
    hardship: hardship.map((h) => ({
      id: h.id,
      created: when(h.created_at),
      reason: h.reason,
      details: h.details,
      income: h.monthly_income_minor === null ? null : money(h.monthly_income_minor, h.currency),
      expenses: h.monthly_expenses_minor === null ? null : money(h.monthly_expenses_minor, h.currency),
      wantsPause: h.wants_pause,
      wantsLowerPayments: h.wants_lower_payments,
      status: h.status,
    })),
    affordability:
      figures && assessed
        ? {
            income: money(figures.monthly_income_minor!, figures.currency),
            expenses: money(figures.monthly_expenses_minor!, figures.currency),
            disposable: money(assessed.disposableMinor, figures.currency),
            monthlyCost: money(assessed.monthlyCostMinor, plan.currency),
            sharePercent: assessed.sharePercent,
            reported: when(figures.created_at),
          }
        : null,
    counterDefaults: {
      count: plan.instalment_count,
      frequency: plan.frequency,
      firstDueDate: firstDefault,
      latestFirstDate: latestFirstDate(today),
    },
  };
}

/** What the decision form needs before parsing: the plan's currency (for a counter-offer total). */
export async function planCurrency(db: Kysely<Database>, planId: string): Promise<string | null> {
  if (!isUuid(planId)) return null;
  const row = await db
    .selectFrom("instalment_plans")
    .select("currency")
    .where("id", "=", planId)
    .executeTakeFirst();
  return row?.currency ?? null;
}
