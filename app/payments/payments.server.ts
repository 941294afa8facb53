import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type Stripe from "stripe";
import type { Database, PaymentStatus } from "../../db/schema";
import {
  paymentBounds,
  resolvePaymentAmount,
  type AmountErrorCode,
  type PaymentBounds,
  type PaymentChoice,
} from "../domain/payment-amount";
import type { SupportedLocale } from "../i18n/config";
import { checkoutMethodsFor } from "../domain/payment-methods";
import { stripeConfig } from "./stripe-config.server";
import { stripeClient } from "./stripe-client.server";
import { getAccountOverview } from "../borrower/overview.server";
import { appendAudit } from "../platform/audit.server";
import type { BorrowerSession } from "../borrower/session.server";
import { logger } from "../platform/logger.server";
import { countPayment } from "../platform/metrics.server";

/**
 * Borrower payments (docs/product-rules.md §6): a Checkout Session per attempt,
 * confirmed only by Stripe's webhook (stripe-webhook.server.ts), applied exactly once (apply-payment.server.ts).
 */

/** A borrower asked for an amount the account does not allow (or no longer allows). */
export class PaymentAmountError extends Error {
  override readonly name = "PaymentAmountError";
  constructor(readonly code: AmountErrorCode) {
    super(`payment amount refused: ${code}`);
  }
}

/** Stripe could not be reached or refused the session; nothing was charged. */
export class CheckoutUnavailableError extends Error {
  override readonly name = "CheckoutUnavailableError";
}

/**
 * What the pay page may offer: the account's amounts net of payments the bank has not confirmed yet,
 * and the amount agreed with staff when the session was opened on a payment link that carries one
 * (kept on the link, never in its URL), while that amount can still be paid.
 */
export async function getPaymentOptions(
  db: Kysely<Database>,
  session: Pick<BorrowerSession, "borrowerId" | "accountId"> & { linkId?: string },
): Promise<PaymentBounds & { last4: string; agreedMinor: number | null }> {
  const overview = await getAccountOverview(db, session);
  const bounds = paymentBounds(overview);
  const agreed = session.linkId
    ? await db
        .selectFrom("short_links")
        .select("agreed_amount_minor")
        .where("id", "=", session.linkId)
        .where("account_id", "=", session.accountId)
        .executeTakeFirst()
    : undefined;
  const agreedMinor = agreed?.agreed_amount_minor ?? null;
  const payable = agreedMinor !== null && agreedMinor >= bounds.minMinor && agreedMinor <= bounds.maxMinor;
  return { ...bounds, last4: overview.last4, agreedMinor: payable ? agreedMinor : null };
}

const STRIPE_LOCALE: Record<SupportedLocale, Stripe.Checkout.SessionCreateParams.Locale> = {
  "zh-HK": "zh-HK",
  "zh-CN": "zh",
  en: "en",
};

type CheckoutInput = {
  session: BorrowerSession;
  amountChoice: PaymentChoice;
  customAmountMinor?: number;
  /** Origin the borrower's browser uses for this site (return pages). */
  baseUrl: string;
  locale?: SupportedLocale;
  /** Line item shown on the checkout page, in the borrower's language. */
  itemName?: string;
  stripe?: Stripe;
  now?: Date;
};

export async function startCheckout(
  db: Kysely<Database>,
  input: CheckoutInput,
): Promise<{ paymentId: string; url: string }> {
  const now = input.now ?? new Date();
  const options = await getPaymentOptions(db, input.session);
  const amount = resolvePaymentAmount(input.amountChoice, input.customAmountMinor, options);
  if (!amount.ok) throw new PaymentAmountError(amount.error);

  const paymentId = randomUUID();
  const idempotencyKey = `checkout:${randomUUID()}`;
  const attempt = { paymentId, idempotencyKey, amountMinor: amount.minor, ...options };
  await recordCheckoutStart(db, input, attempt, now);
  countPayment("portal", "pending");
  let checkout: Stripe.Checkout.Session & { url: string };
  try {
    checkout = await createCheckoutSession(input, attempt);
  } catch (error) {
    logger.warn(
      { paymentId, err: error instanceof Error ? error.message : String(error) },
      "checkout session not created",
    );
    await db
      .updateTable("payments")
      .set({ status: "failed" })
      .where("id", "=", paymentId)
      .where("status", "=", "pending")
      .execute();
    countPayment("portal", "failed");
    throw new CheckoutUnavailableError("checkout session not created", { cause: error });
  }
  await db
    .updateTable("payments")
    .set({ stripe_checkout_session_id: checkout.id })
    .where("id", "=", paymentId)
    .execute();
  return { paymentId, url: checkout.url };
}

type CheckoutAttempt = {
  paymentId: string;
  idempotencyKey: string;
  amountMinor: number;
  currency: string;
  last4: string;
};

/** The pending payment row and its audit entry, committed before Stripe is called. */
async function recordCheckoutStart(
  db: Kysely<Database>,
  input: CheckoutInput,
  a: CheckoutAttempt,
  now: Date,
) {
  const { session } = input;
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto("payments")
      .values({
        id: a.paymentId,
        account_id: session.accountId,
        borrower_id: session.borrowerId,
        amount_minor: a.amountMinor,
        currency: a.currency,
        source: "portal",
        status: "pending",
        idempotency_key: a.idempotencyKey,
        created_at: now,
      })
      .execute();
    await appendAudit(
      trx,
      {
        actorType: "borrower",
        actorId: session.borrowerId,
        action: "payment.checkout_started",
        subjectType: "payment",
        subjectId: a.paymentId,
        borrowerId: session.borrowerId,
        detail: {
          accountId: session.accountId,
          choice: input.amountChoice,
          amountMinor: a.amountMinor,
          currency: a.currency,
        },
      },
      now,
    );
  });
}

/** The Checkout Session for one attempt, created once per idempotency key. */
async function createCheckoutSession(
  input: CheckoutInput,
  a: CheckoutAttempt,
): Promise<Stripe.Checkout.Session & { url: string }> {
  const base = input.baseUrl.replace(/\/$/, "");
  const metadata = { paymentId: a.paymentId, accountId: input.session.accountId };
  const methods = checkoutMethodsFor(a.currency, stripeConfig().paymentMethods);
  const created = await (input.stripe ?? stripeClient()).checkout.sessions.create(
    {
      mode: "payment",
      line_items: [
        {
          quantity: 1,
          price_data: {
            currency: a.currency.toLowerCase(),
            unit_amount: a.amountMinor,
            product_data: { name: input.itemName ?? `Payment to account ending ${a.last4}` },
          },
        },
      ],
      metadata,
      // Checkout does not copy session metadata to the PaymentIntent; payment_intent.* events need it too.
      payment_intent_data: { metadata },
      client_reference_id: a.paymentId,
      allowed_payment_method_types: methods,
      ...(methods.includes("wechat_pay")
        ? { payment_method_options: { wechat_pay: { client: "web" as const } } }
        : {}),
      ...(input.locale ? { locale: STRIPE_LOCALE[input.locale] } : {}),
      success_url: `${base}/account/pay/return?payment=${a.paymentId}`,
      cancel_url: `${base}/account/pay?cancelled=1`,
    },
    { idempotencyKey: a.idempotencyKey },
  );
  if (!created.url) throw new Error("checkout session has no url");
  return { ...created, url: created.url };
}

/** A payment the session's borrower made on the session's account; null for anything else. */
export async function getPaymentForBorrower(
  db: Kysely<Database>,
  session: BorrowerSession,
  paymentId: string,
): Promise<{ status: PaymentStatus; amountMinor: number; currency: string; createdAt: Date } | null> {
  const row = await db
    .selectFrom("payments")
    .select(["status", "amount_minor", "currency", "created_at"])
    .where("id", "=", paymentId)
    .where("borrower_id", "=", session.borrowerId)
    .where("account_id", "=", session.accountId)
    .executeTakeFirst();
  return row
    ? { status: row.status, amountMinor: row.amount_minor, currency: row.currency, createdAt: row.created_at }
    : null;
}
