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
import { checkPlanPolicy, type PlanFrequency, type PlanPolicyReason } from "../domain/instalments";
import { planPolicyFor, type ContactPolicy } from "../domain/contact-policy";
import { isoDateFromEpochDay, localEpochDay } from "../domain/local-time";
import { activeContactPolicy } from "../engine/planner.server";
import { formatCalendarDate, formatMoney } from "../domain/money";
import { isUuid } from "../plans/plan-effects.server";
import { ageInDays, formatStaffDateTime } from "./format";

/**
 * The approval queue (docs/product-rules.md §7.5): plans waiting for an approver, with what
 * an approver weighs (balance, days past due, history, hardship, affordability)
 * and why the automatic policy did not approve them. Decisions go through
 * decidePlan (app/plans/plan-decisions.server.ts). Opening a plan is a view of the
 * borrower, so it is audited like the borrower page (viewPlanForApproval, in
 * approval-detail.server.ts; this module holds the shapes both pages show).
 */
const QUEUE_LIMIT = 100;

export type Display = { locale: string; timeZone: string };

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

export function borrowerToday(timeZone: string, now: Date): string {
  return isoDateFromEpochDay(localEpochDay(now.getTime(), timeZone));
}

/** The automatic policy's verdict today, with the numbers each reason's sentence needs. */
export function policyReasons(
  plan: Pick<
    InstalmentPlan,
    "total_minor" | "instalment_count" | "frequency" | "first_due_date" | "currency"
  >,
  opts: { today: string; brokenPlanWithinLookback: boolean; locale: string; policy: ContactPolicy },
): PolicyReasonView[] {
  const policy = planPolicyFor(opts.policy, plan.currency);
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
  const policy = await activeContactPolicy(db);
  const lookback = new Date(now.getTime() - policy.plans.brokenPlanLookbackDays * 86_400_000);
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
      policy,
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
    /** The signed-in staff member entered this proposal for the borrower: someone else must decide it. */
    ownProposal: boolean;
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
