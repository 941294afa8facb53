import { sql, type Transaction } from "kysely";
import type { AllocationReason, Database } from "../../db/schema";
import { reverseNewestFirst, type CreditHolding } from "../domain/payment-reversal";
import { latestPaidInstalments, payDownPlan, unpayInstalments } from "../plans/instalment-credit.server";

/**
 * payment_allocations (migration 0030): where each payment's money went, written in the transaction
 * that moves it. A credit pays the plan in force and leaves the rest on the account; a reversal takes
 * back from the same targets, newest first. The sum of a payment's rows is its credit now.
 */
type Trx = Transaction<Database>;

type Target = { instalmentId: string | null; amountMinor: number };

interface PaymentRef {
  id: string;
  accountId: string;
  currency: string;
}

async function insertRows(
  trx: Trx,
  payment: PaymentRef,
  rows: Target[],
  reason: AllocationReason,
  now: Date,
) {
  const values = rows
    .filter((r) => r.amountMinor !== 0)
    .map((r) => ({
      payment_id: payment.id,
      instalment_id: r.instalmentId,
      amount_minor: r.amountMinor,
      currency: payment.currency,
      reason,
      created_at: now,
    }));
  if (values.length) await trx.insertInto("payment_allocations").values(values).execute();
}

/** Credits `amountMinor` of a payment: the plan in force first (due-date order), the rest to the account. */
export async function creditPayment(
  trx: Trx,
  payment: PaymentRef,
  amountMinor: number,
  reason: "payment" | "dispute_won",
  now: Date,
) {
  const plan = await payDownPlan(trx, payment.accountId, amountMinor, now);
  const toPlan = plan?.changes ?? [];
  const rest = amountMinor - (plan?.allocatedMinor ?? 0);
  await insertRows(trx, payment, [...toPlan, { instalmentId: null, amountMinor: rest }], reason, now);
  return plan;
}

/** What the payment still credits to each target, in the order first credited. */
async function holdingsOf(trx: Trx, paymentId: string): Promise<CreditHolding[]> {
  const rows = await trx
    .selectFrom("payment_allocations")
    .select([
      "instalment_id",
      sql<string>`sum(amount_minor)::bigint`.as("held"),
      sql<string>`min(id) filter (where amount_minor > 0)`.as("first"),
    ])
    .where("payment_id", "=", paymentId)
    .groupBy("instalment_id")
    .execute();
  return rows
    .sort((a, b) => Number(a.first) - Number(b.first))
    .map((r) => ({ instalmentId: r.instalment_id, heldMinor: Number(r.held) }));
}

/**
 * A payment credited before allocations were recorded has none: its credit is taken to have paid
 * the latest-paid instalments of the account's plan and left the rest on the account, and is written
 * down so (reason `legacy`) before the first reversal (docs/product-rules.md §6.6).
 */
async function ensureAllocations(trx: Trx, payment: PaymentRef & { amountMinor: number }, now: Date) {
  const any = await trx
    .selectFrom("payment_allocations")
    .select("id")
    .where("payment_id", "=", payment.id)
    .limit(1)
    .executeTakeFirst();
  if (any) return;
  const instalments = await latestPaidInstalments(trx, payment.accountId, payment.amountMinor);
  const rest = payment.amountMinor - instalments.reduce((s, i) => s + i.amountMinor, 0);
  await insertRows(trx, payment, [...instalments, { instalmentId: null, amountMinor: rest }], "legacy", now);
}

/** Takes `amountMinor` of a payment's credit back, newest allocation first, and unpays the instalments. */
export async function reverseCredit(
  trx: Trx,
  payment: PaymentRef & { amountMinor: number },
  amountMinor: number,
  reason: "refund" | "dispute",
  now: Date,
) {
  await ensureAllocations(trx, payment, now);
  const takeBack = reverseNewestFirst(await holdingsOf(trx, payment.id), amountMinor);
  await insertRows(
    trx,
    payment,
    takeBack.map((t) => ({ instalmentId: t.instalmentId, amountMinor: -t.amountMinor })),
    reason,
    now,
  );
  const fromInstalments = takeBack.flatMap((t) =>
    t.instalmentId ? [{ instalmentId: t.instalmentId, amountMinor: t.amountMinor }] : [],
  );
  const plans = await unpayInstalments(trx, fromInstalments, now);
  return {
    fromInstalmentsMinor: fromInstalments.reduce((s, t) => s + t.amountMinor, 0),
    reopenedPlans: plans.reopened,
  };
}
