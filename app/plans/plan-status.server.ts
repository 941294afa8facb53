import { sql, type Kysely } from "kysely";
import type { Database, InstalmentPlan, PlanStatus } from "../../db/schema";
import { splitIntoInstalments, type Instalment, type PlanFrequency } from "../domain/instalments";
import type { PlanSession } from "./plan-effects.server";

/**
 * The borrower's plan status page reads here (re-exported by plans.server.ts
 * for the console). Scoped by the session's borrower AND account.
 */
export interface PlanTermsView {
  totalMinor: number;
  count: number;
  frequency: PlanFrequency;
  firstDueDate: string;
}

export interface PlanView extends PlanTermsView {
  id: string;
  status: PlanStatus;
  currency: string;
  autoApproved: boolean;
  proposedBy: "borrower" | "staff";
  /** Who must act next on a proposed plan. */
  awaiting: "approver" | "borrower" | null;
  /** Stored instalments once the plan started; the proposed schedule before. */
  instalments: Array<Instalment & { paidMinor: number; status: "due" | "paid" | "missed" | "proposed" }>;
  /** For a counter-offer: what the borrower had asked for. */
  original: PlanTermsView | null;
  createdAt: string;
}

/** The plan the status page shows: the open one if any, else the most recent; scoped by borrower and account. */
export async function getPlanForAccount(
  db: Kysely<Database>,
  session: PlanSession,
): Promise<PlanView | null> {
  const plan = await db
    .selectFrom("instalment_plans")
    .selectAll()
    .where("account_id", "=", session.accountId)
    .where("borrower_id", "=", session.borrowerId)
    .orderBy(sql`status in ('proposed', 'approved', 'active')`, "desc")
    // A countered plan always has a newer counter-offer, which is what the borrower must see.
    .orderBy(sql`status = 'countered'`, "asc")
    .orderBy("created_at", "desc")
    .limit(1)
    .executeTakeFirst();
  if (!plan) return null;
  const stored = await db
    .selectFrom("instalments")
    .select(["seq", "due_date", "amount_minor", "paid_minor", "status"])
    .where("plan_id", "=", plan.id)
    .orderBy("seq")
    .execute();
  const instalments: PlanView["instalments"] = stored.length
    ? stored.map((i) => ({
        seq: i.seq,
        dueDate: i.due_date,
        amountMinor: i.amount_minor,
        paidMinor: i.paid_minor,
        status: i.status,
      }))
    : splitIntoInstalments({
        totalMinor: plan.total_minor,
        count: plan.instalment_count,
        firstDueDate: plan.first_due_date,
        frequency: plan.frequency,
      }).map((i) => ({ ...i, paidMinor: 0, status: "proposed" as const }));
  const original = plan.counter_of_plan_id
    ? await db
        .selectFrom("instalment_plans")
        .select(["total_minor", "instalment_count", "frequency", "first_due_date"])
        .where("id", "=", plan.counter_of_plan_id)
        .where("account_id", "=", session.accountId)
        .where("borrower_id", "=", session.borrowerId)
        .executeTakeFirst()
    : undefined;
  return {
    id: plan.id,
    status: plan.status,
    currency: plan.currency,
    ...planTerms(plan),
    autoApproved: plan.auto_approved,
    proposedBy: plan.proposed_by,
    awaiting: plan.status === "proposed" ? (plan.proposed_by === "staff" ? "borrower" : "approver") : null,
    instalments,
    original: original ? planTerms(original) : null,
    createdAt: plan.created_at.toISOString(),
  };
}

export function planTerms(
  p: Pick<InstalmentPlan, "total_minor" | "instalment_count" | "frequency" | "first_due_date">,
): PlanTermsView {
  return {
    totalMinor: p.total_minor,
    count: p.instalment_count,
    frequency: p.frequency,
    firstDueDate: p.first_due_date,
  };
}
