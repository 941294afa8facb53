import type { Transaction } from "kysely";
import type { ActorType, Database, InstalmentPlan } from "../../db/schema";
import type { Instalment } from "../domain/instalments";
import { appendAudit } from "../platform/audit.server";
import { emitBankEvent, type BankEventType } from "../platform/bank-events.server";
import { textBorrower, writeInstalments } from "./plan-effects.server";
import { planTerms } from "./plan-status.server";

/**
 * What the plan transitions (the borrower's proposal and answer, the approver's decision) say about a plan:
 * its summary in bank events and audit rows, the start of a plan in force, and the audit row itself. Each runs
 * inside the caller's transaction.
 */
type Trx = Transaction<Database>;

/** What bank events and audit rows say about a plan: terms, no personal data. */
export function planSummary(p: InstalmentPlan) {
  return {
    planId: p.id,
    ...planTerms(p),
    currency: p.currency,
    proposedBy: p.proposed_by,
    counterOfPlanId: p.counter_of_plan_id,
  };
}

/** The plan as the review task and the borrower's texts address it. */
export function planRef(p: InstalmentPlan) {
  return { id: p.id, borrowerId: p.borrower_id, accountId: p.account_id, currency: p.currency };
}

/**
 * A plan comes into force, whoever approved it: its instalments, the approval text carrying the first one,
 * and the bank event, whose payload gains the schedule.
 */
export async function startPlan(
  trx: Trx,
  plan: InstalmentPlan,
  now: Date,
  event: {
    type: Extract<BankEventType, "plan.approved" | "plan.accepted">;
    payload: Record<string, unknown>;
  },
): Promise<Instalment[]> {
  const instalments = await writeInstalments(trx, plan);
  await textBorrower(trx, planRef(plan), "plan_approved", now, instalments[0]);
  await emitBankEvent(trx, {
    type: event.type,
    accountId: plan.account_id,
    borrowerId: plan.borrower_id,
    payload: { ...event.payload, instalments },
    now,
  });
  return instalments;
}

/** The audit row of one transition of a plan, by the borrower or a staff member (also one acting for the borrower). */
export function auditPlan(
  trx: Trx,
  plan: InstalmentPlan,
  now: Date,
  entry: {
    actorType: ActorType;
    actorId: string | null;
    action: string;
    detail: Record<string, unknown>;
  },
) {
  return appendAudit(
    trx,
    {
      actorType: entry.actorType,
      actorId: entry.actorId,
      action: entry.action,
      subjectType: "instalment_plan",
      subjectId: plan.id,
      borrowerId: plan.borrower_id,
      detail: entry.detail,
    },
    now,
  );
}
