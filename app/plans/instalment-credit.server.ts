import { sql, type Transaction } from "kysely";
import { OPEN_PLAN_STATUSES, type Database, type InstalmentStatus } from "../../db/schema";
import { allocateToInstalments } from "../domain/payment-allocation";

/**
 * Money in and out of a plan's instalments, for app/payments: a payment pays the plan in force in
 * due-date order; a refund or dispute takes back exactly what a payment had paid. Instalments keep
 * only running totals; which payment paid what is in payment_allocations, owned by the caller.
 */
type Trx = Transaction<Database>;

const PLAN_STATUSES_PAYABLE = ["approved", "active"] as const;

/** Pays the account's plan in force (if any) with up to `amountMinor`; what each instalment received. */
export async function payDownPlan(trx: Trx, accountId: string, amountMinor: number, now: Date) {
  const plan = await trx
    .selectFrom("instalment_plans")
    .select(["id"])
    .where("account_id", "=", accountId)
    .where("status", "in", PLAN_STATUSES_PAYABLE)
    .forUpdate()
    .executeTakeFirst();
  if (!plan) return null;
  const instalments = await trx
    .selectFrom("instalments")
    .select(["id", "amount_minor", "paid_minor"])
    .where("plan_id", "=", plan.id)
    .orderBy("due_date")
    .orderBy("seq")
    .forUpdate()
    .execute();
  const allocation = allocateToInstalments(
    instalments.map((i) => ({ id: i.id, amountMinor: i.amount_minor, paidMinor: i.paid_minor })),
    amountMinor,
  );
  for (const change of allocation.changes) {
    await trx
      .updateTable("instalments")
      .set(
        change.fullyPaid
          ? { paid_minor: change.paidMinor, status: "paid" }
          : { paid_minor: change.paidMinor },
      )
      .where("id", "=", change.id)
      .execute();
  }
  if (allocation.planPaidOff) {
    await trx
      .updateTable("instalment_plans")
      .set({ status: "completed", updated_at: now })
      .where("id", "=", plan.id)
      .execute();
  }
  return {
    planId: plan.id,
    allocatedMinor: allocation.allocatedMinor,
    completed: allocation.planPaidOff,
    changes: allocation.changes.map((c) => ({ instalmentId: c.id, amountMinor: c.addedMinor })),
  };
}

/**
 * Takes money back from instalments: each is unpaid by the amount (a `paid` one becomes `due` again;
 * a `missed` one stays missed), and a plan completed by the money taken back is in force again, so an
 * instalment now late is broken by the usual rule (markBrokenPlans). A plan stays completed when the
 * account has opened another since (one open plan per account): the bank hears of the reversal anyway.
 */
export async function unpayInstalments(
  trx: Trx,
  takeBack: ReadonlyArray<{ instalmentId: string; amountMinor: number }>,
  now: Date,
): Promise<{ planIds: string[]; reopened: string[] }> {
  if (takeBack.length === 0) return { planIds: [], reopened: [] };
  // Plans before their instalments, the order payDownPlan and markBrokenPlans lock them in.
  const plans = await trx
    .selectFrom("instalment_plans")
    .select(["id", "account_id", "status"])
    .where(
      "id",
      "in",
      trx
        .selectFrom("instalments")
        .select("plan_id")
        .where(
          "id",
          "in",
          takeBack.map((t) => t.instalmentId),
        ),
    )
    .orderBy("id")
    .forUpdate()
    .execute();
  for (const { instalmentId, amountMinor } of takeBack) {
    await trx
      .updateTable("instalments")
      .set((eb) => ({
        paid_minor: eb("paid_minor", "-", amountMinor),
        status: sql<InstalmentStatus>`case when status = 'paid' then 'due' else status end`,
      }))
      .where("id", "=", instalmentId)
      .where("paid_minor", ">=", amountMinor)
      .execute();
  }
  const reopened: string[] = [];
  for (const plan of plans) {
    if (plan.status !== "completed") continue;
    const other = await trx
      .selectFrom("instalment_plans")
      .select("id")
      .where("account_id", "=", plan.account_id)
      .where("status", "in", OPEN_PLAN_STATUSES)
      .executeTakeFirst();
    if (other) continue;
    await trx
      .updateTable("instalment_plans")
      .set({ status: "active", updated_at: now })
      .where("id", "=", plan.id)
      .execute();
    reopened.push(plan.id);
  }
  return { planIds: plans.map((p) => p.id), reopened };
}

/**
 * For a payment credited before payment_allocations existed: the instalments it most likely paid,
 * read as the latest-paid ones of the account's most recent plan, up to `amountMinor` (earliest due
 * first, so the newest-first reversal unpays the latest due instalment first).
 */
export async function latestPaidInstalments(trx: Trx, accountId: string, amountMinor: number) {
  const plan = await trx
    .selectFrom("instalment_plans")
    .select("id")
    .where("account_id", "=", accountId)
    .where("status", "in", ["approved", "active", "completed", "broken"])
    .orderBy("created_at", "desc")
    .limit(1)
    .executeTakeFirst();
  if (!plan) return [];
  const paid = await trx
    .selectFrom("instalments")
    .select(["id", "paid_minor"])
    .where("plan_id", "=", plan.id)
    .where("paid_minor", ">", 0)
    .orderBy("due_date", "desc")
    .orderBy("seq", "desc")
    .forUpdate()
    .execute();
  const picked: Array<{ instalmentId: string; amountMinor: number }> = [];
  let left = amountMinor;
  for (const i of paid) {
    if (left <= 0) break;
    const take = Math.min(i.paid_minor, left);
    picked.push({ instalmentId: i.id, amountMinor: take });
    left -= take;
  }
  return picked.reverse();
}
