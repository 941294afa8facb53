import type { Kysely, Transaction } from "kysely";
import Stripe from "stripe";
import { z } from "zod";
import type { Database } from "../../db/schema";
import { stripeConfig } from "./stripe-config.server";
import { appendAudit } from "../platform/audit.server";
import { logger } from "../platform/logger.server";
import { countPayment, countStripeEvent } from "../platform/metrics.server";
import { applySucceededPayment } from "./apply-payment.server";
import { chargeSchema, disputeSchema, settleReversals } from "./reversals.server";
import { setupIntentSucceeded, setupSessionCompleted } from "./autopay-webhook.server";

/**
 * Stripe's webhook (docs/product-rules.md §6.3): verified with the signing secret, deduplicated
 * by event id, applied in one transaction. Checkout sends both
 * `checkout.session.completed` and `payment_intent.succeeded` for one payment,
 * in any order and possibly more than once: both lead to the same payments row,
 * and applySucceededPayment applies it once.
 */
type Trx = Transaction<Database>;

export interface StripeWebhookOutcome {
  status: 200 | 400;
  /** Short, for the response body and logs; never personal data. */
  result: string;
}

const MAX_PAYLOAD_CHARS = 512 * 1024;

const eventSchema = z.object({
  id: z.string().min(1).max(255),
  type: z.string().min(1).max(255),
  data: z.object({ object: z.record(z.unknown()) }),
});

const metadataSchema = z.record(z.string()).nullish();
const idOf = z.union([z.string(), z.object({ id: z.string() }).transform((o) => o.id)]).nullish();

const checkoutSessionSchema = z.object({
  id: z.string(),
  payment_status: z.string(),
  amount_total: z.number().int().nullish(),
  currency: z.string().nullish(),
  client_reference_id: z.string().nullish(),
  metadata: metadataSchema,
  payment_intent: idOf,
});

const paymentIntentSchema = z.object({
  id: z.string(),
  amount: z.number().int(),
  amount_received: z.number().int().nullish(),
  currency: z.string(),
  metadata: metadataSchema,
});

const uuid = z.string().uuid();

/** jsonb cannot hold U+0000; a signed payload that contains it is still a valid event, so store it without. */
function storableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "string" ? v.replace(/\u0000/g, "") : v));
}

export async function handleStripeWebhook(
  db: Kysely<Database>,
  rawBody: string,
  signatureHeader: string | null,
  opts: { webhookSecret?: string; now?: Date } = {},
): Promise<StripeWebhookOutcome> {
  if (!signatureHeader) return refused("missing signature");
  if (rawBody.length > MAX_PAYLOAD_CHARS) return refused("payload too large");
  let parsed: unknown;
  try {
    parsed = Stripe.webhooks.constructEvent(
      rawBody,
      signatureHeader,
      opts.webhookSecret ?? stripeConfig().webhookSecret,
    );
  } catch (error) {
    const signatureProblem = error instanceof Stripe.errors.StripeSignatureVerificationError;
    return refused(signatureProblem ? "invalid signature" : "malformed payload");
  }
  const event = eventSchema.safeParse(parsed);
  if (!event.success) return refused("malformed event");
  const { id, type } = event.data;
  const now = opts.now ?? new Date();

  const outcome = await db.transaction().execute(async (trx) => {
    // The primary key is the dedupe: a concurrent delivery of the same event waits here, then finds it taken.
    const fresh = await trx
      .insertInto("stripe_events")
      .values({ id, type, payload: storableJson(parsed), received_at: now })
      .onConflict((oc) => oc.column("id").doNothing())
      .returning("id")
      .executeTakeFirst();
    if (!fresh) return { status: 200, result: "duplicate" } as const;
    const result = await applyEvent(trx, type, event.data.data.object, now);
    await trx.updateTable("stripe_events").set({ processed_at: now }).where("id", "=", id).execute();
    if (result !== "applied" && result !== "already_applied" && result !== "ignored")
      logger.info({ eventId: id, type, result }, "stripe event recorded");
    return { status: 200, result } as const;
  });
  countOutcome(type, outcome.result);
  return outcome;
}

/** A delivery refused before its event could be read (signature, size, shape): counted, answered 400. */
function refused(result: string): StripeWebhookOutcome {
  countStripeEvent("unverified", result);
  return { status: 400, result };
}

// The payment statuses an event's result stands for (refunds and disputes are counted by event type).
const PAYMENT_STATUS_OF_RESULT: Record<string, string> = {
  applied: "succeeded",
  failed: "failed",
  processing: "processing",
};

/** Counted once the event's transaction committed. */
function countOutcome(type: string, result: string) {
  countStripeEvent(type, result);
  const status = PAYMENT_STATUS_OF_RESULT[result];
  if (status) countPayment("portal", status);
}

type Handler = (trx: Trx, object: Record<string, unknown>, now: Date) => Promise<string>;

/** Checkout finished: paid now, or (async methods) paid later by *_async_payment_succeeded or _failed. */
const checkoutCompleted: Handler = async (trx, object, now) => {
  // A saved card for autopay (docs/product-rules.md §7.11), not a payment.
  if (object.mode === "setup") return setupSessionCompleted(trx, object, now);
  const s = checkoutSessionSchema.safeParse(object);
  if (!s.success) return "unreadable_object";
  const payment = await findPayment(trx, {
    paymentId: s.data.metadata?.paymentId ?? s.data.client_reference_id,
    checkoutSessionId: s.data.id,
  });
  if (s.data.payment_status !== "paid")
    return markProcessing(trx, payment, s.data.payment_intent ?? null, now);
  return succeed(
    trx,
    payment,
    { amountMinor: s.data.amount_total, currency: s.data.currency },
    { checkoutSessionId: s.data.id, paymentIntentId: s.data.payment_intent ?? null },
    now,
  );
};

const intentSucceeded: Handler = async (trx, object, now) => {
  const pi = paymentIntentSchema.safeParse(object);
  if (!pi.success) return "unreadable_object";
  const payment = await findPayment(trx, {
    paymentId: pi.data.metadata?.paymentId,
    paymentIntentId: pi.data.id,
  });
  return succeed(
    trx,
    payment,
    { amountMinor: pi.data.amount_received ?? pi.data.amount, currency: pi.data.currency },
    { paymentIntentId: pi.data.id },
    now,
  );
};

const intentFailed: Handler = async (trx, object, now) => {
  const pi = paymentIntentSchema.safeParse(object);
  if (!pi.success) return "unreadable_object";
  const payment = await findPayment(trx, {
    paymentId: pi.data.metadata?.paymentId,
    paymentIntentId: pi.data.id,
  });
  return fail(trx, payment, "payment_intent.payment_failed", { paymentIntentId: pi.data.id }, now);
};

const checkoutFailed =
  (type: string): Handler =>
  async (trx, object, now) => {
    const s = checkoutSessionSchema.safeParse(object);
    if (!s.success) return "unreadable_object";
    const payment = await findPayment(trx, {
      paymentId: s.data.metadata?.paymentId ?? s.data.client_reference_id,
      checkoutSessionId: s.data.id,
    });
    return fail(trx, payment, type, { paymentIntentId: s.data.payment_intent ?? null }, now);
  };

/** A refund (the charge's cumulative amount_refunded) or a dispute opened or closed on a payment's charge. */
const chargeReversal =
  (schema: typeof chargeSchema | typeof disputeSchema): Handler =>
  async (trx, object, now) => {
    const parsed = schema.safeParse(object);
    if (!parsed.success) return "unreadable_object";
    // A charge made without a PaymentIntent is not one Settle's Checkout created.
    if (!parsed.data.payment_intent) return "payment_not_found";
    const paymentIntentId = parsed.data.payment_intent;
    const metadata = "metadata" in parsed.data ? parsed.data.metadata : null;
    const payment = await findPayment(trx, { paymentId: metadata?.paymentId, paymentIntentId });
    // Kept in stripe_events: applied when a payment with this PaymentIntent is credited.
    if (!payment) return "payment_not_found";
    return (await settleReversals(trx, payment.id, now, paymentIntentId)).result;
  };

const HANDLERS: Record<string, Handler> = {
  "checkout.session.completed": checkoutCompleted,
  "checkout.session.async_payment_succeeded": checkoutCompleted,
  "payment_intent.succeeded": intentSucceeded,
  "payment_intent.payment_failed": intentFailed,
  "checkout.session.async_payment_failed": checkoutFailed("checkout.session.async_payment_failed"),
  "checkout.session.expired": checkoutFailed("checkout.session.expired"),
  "charge.refunded": chargeReversal(chargeSchema),
  "charge.dispute.created": chargeReversal(disputeSchema),
  "charge.dispute.closed": chargeReversal(disputeSchema),
  "setup_intent.succeeded": setupIntentSucceeded,
};

function applyEvent(trx: Trx, type: string, object: Record<string, unknown>, now: Date): Promise<string> {
  const handler = Object.hasOwn(HANDLERS, type) ? HANDLERS[type] : undefined;
  return handler ? handler(trx, object, now) : Promise.resolve("ignored");
}

type PaymentRow = {
  id: string;
  account_id: string;
  borrower_id: string;
  amount_minor: number;
  currency: string;
  idempotency_key: string;
  status: string;
};

async function findPayment(
  trx: Trx,
  ref: { paymentId?: string | null; checkoutSessionId?: string; paymentIntentId?: string },
): Promise<PaymentRow | undefined> {
  const base = trx
    .selectFrom("payments")
    .select(["id", "account_id", "borrower_id", "amount_minor", "currency", "idempotency_key", "status"])
    .where("source", "=", "portal");
  if (ref.paymentId && uuid.safeParse(ref.paymentId).success) {
    const row = await base.where("id", "=", ref.paymentId).executeTakeFirst();
    if (row) return row;
  }
  if (ref.checkoutSessionId) {
    const row = await base.where("stripe_checkout_session_id", "=", ref.checkoutSessionId).executeTakeFirst();
    if (row) return row;
  }
  if (ref.paymentIntentId)
    return base.where("stripe_payment_intent_id", "=", ref.paymentIntentId).executeTakeFirst();
  return undefined;
}

async function succeed(
  trx: Trx,
  payment: PaymentRow | undefined,
  paid: { amountMinor: number | null | undefined; currency: string | null | undefined },
  stripeIds: { checkoutSessionId?: string; paymentIntentId?: string | null },
  now: Date,
): Promise<string> {
  if (!payment) return "payment_not_found";
  if (paid.amountMinor !== payment.amount_minor || paid.currency?.toUpperCase() !== payment.currency) {
    // Checkout charges the amount Settle asked for; anything else needs a person, not an automatic credit.
    await appendAudit(
      trx,
      {
        actorType: "system",
        action: "payment.amount_mismatch",
        subjectType: "payment",
        subjectId: payment.id,
        borrowerId: payment.borrower_id,
        detail: {
          expectedMinor: payment.amount_minor,
          expectedCurrency: payment.currency,
          paidMinor: paid.amountMinor ?? null,
          paidCurrency: paid.currency ?? null,
        },
      },
      now,
    );
    logger.error({ paymentId: payment.id }, "stripe reported a different amount than the payment row");
    return "amount_mismatch";
  }
  const outcome = await applySucceededPayment(trx, {
    accountId: payment.account_id,
    borrowerId: payment.borrower_id,
    amountMinor: payment.amount_minor,
    currency: payment.currency,
    source: "portal",
    idempotencyKey: payment.idempotency_key,
    paymentId: payment.id,
    stripe: {
      checkoutSessionId: stripeIds.checkoutSessionId ?? null,
      paymentIntentId: stripeIds.paymentIntentId ?? null,
    },
    now,
  });
  return outcome.applied ? "applied" : "already_applied";
}

async function fail(
  trx: Trx,
  payment: PaymentRow | undefined,
  type: string,
  stripeIds: { paymentIntentId: string | null },
  now: Date,
): Promise<string> {
  if (!payment) return "payment_not_found";
  // A declined card leaves the session open for another try, so a later success still applies (failed -> succeeded).
  const updated = await trx
    .updateTable("payments")
    .set((eb) => ({
      status: "failed",
      stripe_payment_intent_id: eb.fn.coalesce("stripe_payment_intent_id", eb.val(stripeIds.paymentIntentId)),
    }))
    .where("id", "=", payment.id)
    .where("status", "in", ["pending", "processing"])
    .returning("id")
    .executeTakeFirst();
  if (!updated) return "not_pending";
  await appendAudit(
    trx,
    {
      actorType: "system",
      action: "payment.failed",
      subjectType: "payment",
      subjectId: payment.id,
      borrowerId: payment.borrower_id,
      detail: { accountId: payment.account_id, stripeEvent: type },
    },
    now,
  );
  return "failed";
}

/**
 * Checkout completed with a method that settles later (a bank debit, some wallets): the money is on its
 * way, so the planner counts it against the arrears (docs/product-rules.md §4.3 step 9) until it succeeds
 * or fails. Only a pending payment moves; a success or failure that arrived first stays.
 */
async function markProcessing(
  trx: Trx,
  payment: PaymentRow | undefined,
  paymentIntentId: string | null,
  now: Date,
): Promise<string> {
  if (!payment) return "payment_not_found";
  const updated = await trx
    .updateTable("payments")
    .set((eb) => ({
      status: "processing",
      stripe_payment_intent_id: eb.fn.coalesce("stripe_payment_intent_id", eb.val(paymentIntentId)),
    }))
    .where("id", "=", payment.id)
    .where("status", "=", "pending")
    .returning("id")
    .executeTakeFirst();
  if (!updated) return "awaiting_payment";
  await appendAudit(
    trx,
    {
      actorType: "system",
      action: "payment.processing",
      subjectType: "payment",
      subjectId: payment.id,
      borrowerId: payment.borrower_id,
      detail: { accountId: payment.account_id },
    },
    now,
  );
  return "processing";
}
