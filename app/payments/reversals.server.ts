import { sql, type Transaction } from "kysely";
import { z } from "zod";
import { CREDITED_PAYMENT_STATUSES, type Database, type PaymentStatus } from "../../db/schema";
import {
  foldReversalEvents,
  reversalTarget,
  type ReversalEvent,
  type ReversalFacts,
} from "../domain/payment-reversal";
import { appendAudit } from "../platform/audit.server";
import { emitBankEvent, type BankEventType } from "../platform/bank-events.server";
import { creditPayment, reverseCredit } from "./allocations.server";

/**
 * Refunds and disputes (docs/product-rules.md §6.7). Every Stripe event about a payment's charge is
 * stored (stripe_events, deduplicated by id) before it is applied; what the payment owes back is then
 * recomputed from all of them, so duplicates and any order of delivery end in the same state. A
 * refund or dispute that arrives before the payment is credited is kept and applied by the credit.
 */
type Trx = Transaction<Database>;

const REVERSAL_EVENT_TYPES = ["charge.refunded", "charge.dispute.created", "charge.dispute.closed"];

const idOf = z.union([z.string(), z.object({ id: z.string() }).transform((o) => o.id)]).nullish();
const amount = z.number().int().nonnegative();

/** The fields of a charge or dispute that decide a reversal; anything else in the object is ignored. */
export const chargeSchema = z.object({
  id: z.string(),
  payment_intent: idOf,
  amount_refunded: amount,
  metadata: z.record(z.string()).nullish(),
});
export const disputeSchema = z.object({
  id: z.string(),
  payment_intent: idOf,
  amount,
  status: z.string(),
});

/** One stored event as a fact, or null when its object does not read as Stripe's. */
function toReversalEvent(type: string, object: unknown): ReversalEvent | null {
  if (type === "charge.refunded") {
    const c = chargeSchema.safeParse(object);
    return c.success ? { type: "refund", amountRefundedMinor: c.data.amount_refunded } : null;
  }
  const d = disputeSchema.safeParse(object);
  if (!d.success) return null;
  if (type === "charge.dispute.created") return { type: "dispute_created", amountMinor: d.data.amount };
  // warning_closed ends an inquiry without a chargeback: the money comes back as with a win.
  const won = d.data.status === "won" || d.data.status === "warning_closed";
  return { type: "dispute_closed", won, amountMinor: d.data.amount };
}

/** Everything Stripe has said so far about refunds and disputes of this PaymentIntent's charge. */
async function storedFacts(trx: Trx, paymentIntentId: string | null): Promise<ReversalFacts> {
  if (!paymentIntentId) return foldReversalEvents([]);
  const rows = await trx
    .selectFrom("stripe_events")
    .select(["type", sql<unknown>`payload->'data'->'object'`.as("object")])
    .where("type", "in", REVERSAL_EVENT_TYPES)
    .where(sql<string>`payload->'data'->'object'->>'payment_intent'`, "=", paymentIntentId)
    .execute();
  return foldReversalEvents(rows.flatMap((r) => toReversalEvent(r.type, r.object) ?? []));
}

async function lockPayment(trx: Trx, paymentId: string) {
  const { account_id } = await trx
    .selectFrom("payments")
    .select("account_id")
    .where("id", "=", paymentId)
    .executeTakeFirstOrThrow();
  // The account first, as applySucceededPayment takes them: a credit and a reversal queue, never deadlock.
  await trx.selectFrom("accounts").select("id").where("id", "=", account_id).forUpdate().execute();
  return trx
    .selectFrom("payments as p")
    .innerJoin("accounts as a", "a.id", "p.account_id")
    .select([
      "p.id",
      "p.account_id",
      "p.borrower_id",
      "p.amount_minor",
      "p.currency",
      "p.status",
      "p.reversed_minor",
      "p.stripe_payment_intent_id",
      "p.dispute_status",
      "p.refunded_minor",
      "a.external_ref as account_ref",
    ])
    .where("p.id", "=", paymentId)
    .forUpdate(["p"])
    .executeTakeFirstOrThrow();
}

type LockedPayment = Awaited<ReturnType<typeof lockPayment>>;

export type ReversalOutcome =
  | { result: "unchanged" | "stored"; status: PaymentStatus }
  | { result: "reversed" | "recredited" | "status_changed"; status: PaymentStatus; changeMinor: number };

/**
 * Brings a payment in line with what Stripe has said about its charge, in the caller's transaction:
 * the facts kept on the row; for a credited payment, the credit taken back newest allocation first
 * (or given back for a won dispute), the status, a bank event and an audit row when anything changed.
 */
export async function settleReversals(
  trx: Trx,
  paymentId: string,
  now: Date,
  paymentIntentId?: string,
): Promise<ReversalOutcome> {
  const p = await lockPayment(trx, paymentId);
  // A charge event found the payment by its metadata before any event told its PaymentIntent.
  p.stripe_payment_intent_id ??= paymentIntentId ?? null;
  const facts = await storedFacts(trx, p.stripe_payment_intent_id);
  await trx
    .updateTable("payments")
    .set({
      stripe_payment_intent_id: p.stripe_payment_intent_id,
      refunded_minor: facts.refundedMinor,
      dispute_status: facts.dispute?.status ?? null,
      disputed_minor: facts.dispute?.amountMinor ?? 0,
    })
    .where("id", "=", p.id)
    .execute();
  if (!(CREDITED_PAYMENT_STATUSES as readonly string[]).includes(p.status))
    return { result: "stored", status: p.status };
  const target = reversalTarget(p.amount_minor, facts);
  const change = target.reversedMinor - p.reversed_minor;
  if (change === 0 && target.status === p.status) return { result: "unchanged", status: p.status };
  const ref = { id: p.id, accountId: p.account_id, currency: p.currency, amountMinor: p.amount_minor };
  const disputed = target.status === "disputed" || target.status === "charged_back";
  const moved =
    change > 0
      ? await reverseCredit(trx, ref, change, disputed ? "dispute" : "refund", now)
      : change < 0
        ? await creditPayment(trx, ref, -change, "dispute_won", now).then((plan) => ({
            fromInstalmentsMinor: -(plan?.allocatedMinor ?? 0),
            reopenedPlans: [] as string[],
          }))
        : { fromInstalmentsMinor: 0, reopenedPlans: [] as string[] };
  await trx
    .updateTable("payments")
    .set({
      status: target.status,
      reversed_minor: target.reversedMinor,
      ...(change !== 0 ? { reversed_at: now } : {}),
    })
    .where("id", "=", p.id)
    .execute();
  await announceReversal(trx, p, { ...target, facts, change, ...moved }, now);
  const result = change > 0 ? "reversed" : change < 0 ? "recredited" : "status_changed";
  return { result, status: target.status, changeMinor: change };
}

/** The bank event a change is announced as: the dispute's news first, else the refund. */
function eventType(status: PaymentStatus, facts: ReversalFacts, change: number): BankEventType {
  if (status === "disputed") return "payment.disputed";
  if (status === "charged_back") return "payment.charged_back";
  if (facts.dispute?.status === "won" && change < 0) return "payment.dispute_won";
  return "payment.refunded";
}

async function announceReversal(
  trx: Trx,
  p: LockedPayment,
  r: {
    status: PaymentStatus;
    reversedMinor: number;
    facts: ReversalFacts;
    change: number;
    fromInstalmentsMinor: number;
    reopenedPlans: string[];
  },
  now: Date,
) {
  const type = eventType(r.status, r.facts, r.change);
  const summary = {
    paymentId: p.id,
    status: r.status,
    previousStatus: p.status,
    amountMinor: p.amount_minor,
    currency: p.currency,
    reversedMinor: r.reversedMinor,
    changeMinor: r.change,
    refundedMinor: r.facts.refundedMinor,
    disputeStatus: r.facts.dispute?.status ?? null,
    planChangeMinor: r.fromInstalmentsMinor,
    reopenedPlans: r.reopenedPlans,
  };
  await emitBankEvent(trx, {
    type,
    accountId: p.account_id,
    borrowerId: p.borrower_id,
    payload: {
      ...summary,
      accountRef: p.account_ref,
      stripePaymentIntentId: p.stripe_payment_intent_id,
      at: now.toISOString(),
    },
    now,
  });
  await appendAudit(
    trx,
    {
      actorType: "system",
      action: type,
      subjectType: "payment",
      subjectId: p.id,
      borrowerId: p.borrower_id,
      detail: { accountId: p.account_id, ...summary },
    },
    now,
  );
}
