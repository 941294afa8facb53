import { randomBytes, randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import Stripe from "stripe";
import { DEV_WEBHOOK_SECRET } from "../../app/payments/stripe-config.server";
import type { Database } from "../../db/schema";

/** Stripe events as the webhook receives them, signed with the dev secret by the real SDK. */

export const id = (prefix: string) => `${prefix}_test_${randomBytes(12).toString("hex")}`;

export function signed(event: Record<string, unknown>, opts: { secret?: string; timestamp?: number } = {}) {
  const payload = JSON.stringify(event);
  const header = Stripe.webhooks.generateTestHeaderString({
    payload,
    secret: opts.secret ?? DEV_WEBHOOK_SECRET,
    timestamp: opts.timestamp,
  });
  return { payload, header };
}

export function stripeEvent(type: string, object: Record<string, unknown>) {
  return {
    id: id("evt"),
    object: "event",
    api_version: Stripe.API_VERSION,
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    type,
    data: { object },
  };
}

export function completedEvent(
  p: {
    id: string;
    account_id: string;
    amount_minor: number;
    currency: string;
    stripe_checkout_session_id: string | null;
  },
  paymentIntent: string,
) {
  return stripeEvent("checkout.session.completed", {
    id: p.stripe_checkout_session_id,
    object: "checkout.session",
    amount_total: p.amount_minor,
    currency: p.currency.toLowerCase(),
    client_reference_id: p.id,
    metadata: { paymentId: p.id, accountId: p.account_id },
    mode: "payment",
    payment_intent: paymentIntent,
    payment_status: "paid",
    status: "complete",
  });
}

export function intentEvent(
  type: string,
  p: { id: string; account_id: string; amount_minor: number; currency: string },
  paymentIntent: string,
) {
  const succeeded = type === "payment_intent.succeeded";
  return stripeEvent(type, {
    id: paymentIntent,
    object: "payment_intent",
    amount: p.amount_minor,
    amount_received: succeeded ? p.amount_minor : 0,
    currency: p.currency.toLowerCase(),
    metadata: { paymentId: p.id, accountId: p.account_id },
    status: succeeded ? "succeeded" : "requires_payment_method",
  });
}

type PaidPayment = { id: string; account_id: string; amount_minor: number; currency: string };

/** `charge.refunded` as Stripe sends it: the charge with its cumulative `amount_refunded`. */
export function refundedEvent(p: PaidPayment, paymentIntent: string, amountRefunded: number) {
  return stripeEvent("charge.refunded", {
    id: `ch_${paymentIntent}`,
    object: "charge",
    amount: p.amount_minor,
    amount_refunded: amountRefunded,
    currency: p.currency.toLowerCase(),
    metadata: { paymentId: p.id, accountId: p.account_id },
    payment_intent: paymentIntent,
    refunded: amountRefunded === p.amount_minor,
    status: "succeeded",
  });
}

/** `charge.dispute.created` (status needs_response) or `charge.dispute.closed` (won or lost). */
export function disputeEvent(
  type: "charge.dispute.created" | "charge.dispute.closed",
  p: PaidPayment,
  paymentIntent: string,
  opts: { status?: string; amountMinor?: number } = {},
) {
  return stripeEvent(type, {
    id: `dp_${paymentIntent}`,
    object: "dispute",
    amount: opts.amountMinor ?? p.amount_minor,
    charge: `ch_${paymentIntent}`,
    currency: p.currency.toLowerCase(),
    payment_intent: paymentIntent,
    reason: "fraudulent",
    status: opts.status ?? "needs_response",
  });
}

/** The account `ref` as Checkout leaves it: a pending portal payment of `amountMinor` with its session. */
export async function checkoutStarted(
  db: Kysely<Database>,
  ref: string,
  amountMinor: number,
  createdAt: Date,
) {
  const account = await db
    .selectFrom("accounts")
    .selectAll()
    .where("external_ref", "=", ref)
    .executeTakeFirstOrThrow();
  const payment = await db
    .insertInto("payments")
    .values({
      account_id: account.id,
      borrower_id: account.borrower_id,
      amount_minor: amountMinor,
      currency: account.currency,
      source: "portal",
      status: "pending",
      idempotency_key: `checkout:${randomUUID()}`,
      stripe_checkout_session_id: id("cs"),
      created_at: createdAt,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { account, payment };
}
