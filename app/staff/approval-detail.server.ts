import type { Kysely } from "kysely";
import type { Database, HardshipReport } from "../../db/schema";
import { assessAffordability } from "../domain/affordability";
import { splitIntoInstalments, type Instalment } from "../domain/instalments";
import { activeContactPolicy } from "../engine/planner.server";
import { formatCalendarDate, formatMoney } from "../domain/money";
import { latestFirstDate } from "../domain/plan-terms";
import { appendAudit } from "../platform/audit.server";
import { amountToSettle, hasRecentBrokenPlan, isUuid } from "../plans/plan-effects.server";
import { borrowerToday, policyReasons, type ApprovalView, type Display } from "./approvals.server";
import { formatStaffDateTime } from "./format";
import type { StaffIdentity } from "./session.server";

const HISTORY_LIMIT = 20;

interface Formatters {
  money: (minor: number, currency: string) => string;
  when: (d: Date) => string;
  day: (iso: string) => string;
}

/** One plan for an approver, or null when there is no such plan. Audited as a view of the borrower. */
export async function viewPlanForApproval(
  db: Kysely<Database>,
  opts: Display & { planId: string; staff: StaffIdentity; now?: Date },
): Promise<ApprovalView | null> {
  const now = opts.now ?? new Date();
  if (!isUuid(opts.planId)) return null;
  const plan = await readPlan(db, opts.planId);
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
  const f: Formatters = {
    money: (minor, currency) => formatMoney({ minor, currency }, locale),
    when: (d) => formatStaffDateTime(d, locale, timeZone),
    day: (iso) => formatCalendarDate(iso, locale),
  };
  const context = await readPlanContext(db, plan, now);
  const { borrower, account, settle } = context;
  const today = borrowerToday(borrower.time_zone, now);
  const instalments = splitIntoInstalments({
    totalMinor: plan.total_minor,
    count: plan.instalment_count,
    firstDueDate: plan.first_due_date,
    frequency: plan.frequency,
  });
  const schedule = await readSchedule(db, plan, instalments);

  const firstDefault = plan.first_due_date >= today ? plan.first_due_date : today;
  return {
    plan: planView(plan, context, schedule, opts.staff, f),
    reasons: policyReasons(plan, {
      today,
      brokenPlanWithinLookback: context.broken,
      locale,
      policy: context.policy,
    }),
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
      balance: f.money(account.balance_minor, account.currency),
      overdue: f.money(account.overdue_minor, account.currency),
      minimumDue: f.money(account.minimum_due_minor, account.currency),
      dueDate: account.due_date ? f.day(account.due_date) : null,
      toSettle: f.money(settle?.totalMinor ?? 0, account.currency),
    },
    ...historyViews(context, f),
    affordability: affordabilityView(plan, context.hardship, instalments, f),
    counterDefaults: {
      count: plan.instalment_count,
      frequency: plan.frequency,
      firstDueDate: firstDefault,
      latestFirstDate: latestFirstDate(today),
    },
  };
}

function readPlan(db: Kysely<Database>, planId: string) {
  return db
    .selectFrom("instalment_plans as p")
    .leftJoin("staff_users as proposer", "proposer.id", "p.proposed_by_staff_id")
    .leftJoin("staff_users as decider", "decider.id", "p.decided_by_staff_id")
    .selectAll("p")
    .select(["proposer.display_name as proposer_name", "decider.display_name as decider_name"])
    .where("p.id", "=", planId)
    .executeTakeFirst();
}

type PlanRow = NonNullable<Awaited<ReturnType<typeof readPlan>>>;
type PlanContext = Awaited<ReturnType<typeof readPlanContext>>;

/** What an approver weighs beside the plan: borrower, account, history, hardship, related plans. */
async function readPlanContext(db: Kysely<Database>, plan: PlanRow, now: Date) {
  const policy = await activeContactPolicy(db);
  const [borrower, account, settle, broken, payments, plans, hardship, original, counterOffer] =
    await Promise.all([
      db
        .selectFrom("borrowers")
        .select(["id", "full_name", "locale", "time_zone", "jurisdiction"])
        .where("id", "=", plan.borrower_id)
        .executeTakeFirstOrThrow(),
      db.selectFrom("accounts").selectAll().where("id", "=", plan.account_id).executeTakeFirstOrThrow(),
      amountToSettle(db, { borrowerId: plan.borrower_id, accountId: plan.account_id }),
      hasRecentBrokenPlan(db, plan.borrower_id, now, policy.plans.brokenPlanLookbackDays),
      db
        .selectFrom("payments")
        .select(["id", "amount_minor", "currency", "source", "status", "created_at", "succeeded_at"])
        .where("account_id", "=", plan.account_id)
        .orderBy("created_at", "desc")
        .limit(HISTORY_LIMIT)
        .execute(),
      readOtherPlans(db, plan),
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
  return { borrower, account, settle, broken, payments, plans, hardship, original, counterOffer, policy };
}

/** The borrower's other plans, on any of their accounts. */
function readOtherPlans(db: Kysely<Database>, plan: PlanRow) {
  return db
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
    .execute();
}

/** The stored instalments once the plan is decided; the proposal's split while it is not. */
async function readSchedule(db: Kysely<Database>, plan: PlanRow, instalments: Instalment[]) {
  const stored =
    plan.status === "proposed"
      ? []
      : await db
          .selectFrom("instalments")
          .select(["seq", "due_date", "amount_minor"])
          .where("plan_id", "=", plan.id)
          .orderBy("seq")
          .execute();
  return stored.length
    ? stored.map((i) => ({ seq: i.seq, dueDate: i.due_date, amountMinor: i.amount_minor }))
    : instalments;
}

function planView(
  plan: PlanRow,
  { original, counterOffer }: PlanContext,
  schedule: Array<{ seq: number; dueDate: string; amountMinor: number }>,
  staff: StaffIdentity,
  { money, when, day }: Formatters,
): ApprovalView["plan"] {
  return {
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
    ownCounterOffer: plan.proposed_by_staff_id === staff.id,
    ownProposal: plan.entered_by_staff_id === staff.id,
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
  };
}

/** Payments, other plans and hardship reports, formatted. */
function historyViews(
  { payments, plans, hardship }: PlanContext,
  { money, when, day }: Formatters,
): Pick<ApprovalView, "payments" | "otherPlans" | "hardship"> {
  return {
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
  };
}

/** The plan against the latest report that gave both figures, in the plan's currency; null without one. */
function affordabilityView(
  plan: PlanRow,
  hardship: HardshipReport[],
  instalments: Instalment[],
  { money, when }: Formatters,
): ApprovalView["affordability"] {
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
  return figures && assessed
    ? {
        income: money(figures.monthly_income_minor!, figures.currency),
        expenses: money(figures.monthly_expenses_minor!, figures.currency),
        disposable: money(assessed.disposableMinor, figures.currency),
        monthlyCost: money(assessed.monthlyCostMinor, plan.currency),
        sharePercent: assessed.sharePercent,
        reported: when(figures.created_at),
      }
    : null;
}
