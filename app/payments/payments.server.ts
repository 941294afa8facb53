import { randomUUID } from "node:crypto";
import { sql, type Kysely, type Transaction } from "kysely";
import type Stripe from "stripe";
import type { Database, Locale, PaymentStatus } from "../../db/schema";
import { allocateToInstalments } from "../domain/payment-allocation";
import {
  paymentBounds,
  resolvePaymentAmount,
  type AmountErrorCode,
  type PaymentBounds,
  type PaymentChoice,
} from "../domain/payment-amount";
import type { SupportedLocale } from "../i18n/config";
import { stripeConfig } from "./stripe-config.server";
import { stripeClient } from "./stripe-client.server";
import { getAccountOverview } from "../borrower/overview.server";
import { appendAudit } from "../platform/audit.server";
import { emitBankEvent } from "../platform/bank-events.server";
import type { BorrowerSession } from "../borrower/session.server";
import { logger } from "../platform/logger.server";
import { queueSms, smsAmount } from "../messaging/outbound-sms.server";

/**
 * Borrower payments (docs/product-rules.md §6): a Checkout Session per attempt,
 * confirmed only by Stripe's webhook (stripe-webhook.server.ts), applied exactly once.
 */
type Trx = Transaction<Database>;

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

/** What the pay page may offer: the account's amounts net of payments the bank has not confirmed yet. */
export async function getPaymentOptions(
  db: Kysely<Database>,
  session: BorrowerSession,
): Promise<PaymentBounds & { last4: string }> {
  const overview = await getAccountOverview(db, session);
  return { ...paymentBounds(overview), last4: overview.last4 };
}

const STRIPE_LOCALE: Record<SupportedLocale, Stripe.Checkout.SessionCreateParams.Locale> = {
  "zh-HK": "zh-HK",
  "zh-CN": "zh",
  en: "en",
};

export async function startCheckout(
  db: Kysely<Database>,
  input: {
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
  },
): Promise<{ paymentId: string; url: string }> {
  const now = input.now ?? new Date();
  const { session } = input;
  const options = await getPaymentOptions(db, session);
  const amount = resolvePaymentAmount(input.amountChoice, input.customAmountMinor, options);
  if (!amount.ok) throw new PaymentAmountError(amount.error);

  const paymentId = randomUUID();
  const idempotencyKey = `checkout:${randomUUID()}`;
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto("payments")
      .values({
        id: paymentId,
        account_id: session.accountId,
        borrower_id: session.borrowerId,
        amount_minor: amount.minor,
        currency: options.currency,
        source: "portal",
        status: "pending",
        idempotency_key: idempotencyKey,
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
        subjectId: paymentId,
        borrowerId: session.borrowerId,
        detail: {
          accountId: session.accountId,
          choice: input.amountChoice,
          amountMinor: amount.minor,
          currency: options.currency,
        },
      },
      now,
    );
  });

  const base = input.baseUrl.replace(/\/$/, "");
  const metadata = { paymentId, accountId: session.accountId };
  const methods = stripeConfig().paymentMethods;
  let checkout: Stripe.Checkout.Session & { url: string };
  try {
    const created = await (input.stripe ?? stripeClient()).checkout.sessions.create(
      {
        mode: "payment",
        line_items: [
          {
            quantity: 1,
            price_data: {
              currency: options.currency.toLowerCase(),
              unit_amount: amount.minor,
              product_data: { name: input.itemName ?? `Payment to account ending ${options.last4}` },
            },
          },
        ],
        metadata,
        // Checkout does not copy session metadata to the PaymentIntent; payment_intent.* events need it too.
        payment_intent_data: { metadata },
        client_reference_id: paymentId,
        allowed_payment_method_types: methods,
        ...(methods.includes("wechat_pay")
          ? { payment_method_options: { wechat_pay: { client: "web" as const } } }
          : {}),
        ...(input.locale ? { locale: STRIPE_LOCALE[input.locale] } : {}),
        success_url: `${base}/account/pay/return?payment=${paymentId}`,
        cancel_url: `${base}/account/pay?cancelled=1`,
      },
      { idempotencyKey },
    );
    if (!created.url) throw new Error("checkout session has no url");
    checkout = { ...created, url: created.url };
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
    throw new CheckoutUnavailableError("checkout session not created", { cause: error });
  }
  await db
    .updateTable("payments")
    .set({ stripe_checkout_session_id: checkout.id })
    .where("id", "=", paymentId)
    .execute();
  return { paymentId, url: checkout.url };
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

/** The caller's input contradicts what is recorded (a bug or a forged reference), so nothing is applied. */
export class PaymentApplicationError extends Error {
  override readonly name = "PaymentApplicationError";
}

/**
 * Records a succeeded payment and everything that follows from it, in the
 * caller's transaction, exactly once per idempotency key: the payment row,
 * the plan's instalments (due-date order), queued reminders cancelled once the
 * overdue amount is covered, the bank event and the receipt SMS, and an audit
 * entry. Concurrent calls for one account queue on the account row lock, so a
 * retry (same key) finds the payment already succeeded and applies nothing.
 */
export async function applySucceededPayment(
  trx: Transaction<Database>,
  input: {
    accountId: string;
    borrowerId: string;
    amountMinor: number;
    currency: string;
    source: "portal" | "offline_branch" | "offline_transfer";
    idempotencyKey: string;
    paymentId?: string;
    externalRef?: string | null;
    stripe?: { checkoutSessionId?: string | null; paymentIntentId?: string | null };
    now?: Date;
  },
): Promise<{ paymentId: string; applied: boolean }> {
  const now = input.now ?? new Date();
  const currency = input.currency.toUpperCase();
  if (!Number.isSafeInteger(input.amountMinor) || input.amountMinor <= 0) {
    throw new PaymentApplicationError(
      `amount must be a positive integer of minor units, got ${input.amountMinor}`,
    );
  }
  const account = await trx
    .selectFrom("accounts")
    .select([
      "id",
      "borrower_id",
      "external_ref",
      "currency",
      "overdue_minor",
      "minimum_due_minor",
      "balance_as_of",
    ])
    .where("id", "=", input.accountId)
    .where("borrower_id", "=", input.borrowerId)
    .forUpdate()
    .executeTakeFirst();
  if (!account) throw new PaymentApplicationError("no such account for this borrower");
  if (account.currency !== currency)
    throw new PaymentApplicationError(`payment in ${currency} for an account in ${account.currency}`);

  const existing = await findPaymentForUpdate(trx, input);
  if (existing && (existing.account_id !== account.id || existing.borrower_id !== account.borrower_id)) {
    throw new PaymentApplicationError("payment reference belongs to another account");
  }
  if (existing && (existing.amount_minor !== input.amountMinor || existing.currency !== currency)) {
    throw new PaymentApplicationError("a payment with this reference was recorded with a different amount");
  }
  if (existing && (existing.status === "succeeded" || existing.status === "refunded")) {
    return { paymentId: existing.id, applied: false };
  }

  const paymentId = existing?.id ?? randomUUID();
  const stripeIds = input.stripe ?? {};
  if (existing) {
    await trx
      .updateTable("payments")
      .set((eb) => ({
        status: "succeeded",
        succeeded_at: now,
        stripe_checkout_session_id: eb.fn.coalesce(
          "stripe_checkout_session_id",
          eb.val(stripeIds.checkoutSessionId ?? null),
        ),
        stripe_payment_intent_id: eb.fn.coalesce(
          "stripe_payment_intent_id",
          eb.val(stripeIds.paymentIntentId ?? null),
        ),
        external_ref: eb.fn.coalesce("external_ref", eb.val(input.externalRef ?? null)),
      }))
      .where("id", "=", paymentId)
      .execute();
  } else {
    await trx
      .insertInto("payments")
      .values({
        id: paymentId,
        account_id: account.id,
        borrower_id: account.borrower_id,
        amount_minor: input.amountMinor,
        currency,
        source: input.source,
        status: "succeeded",
        idempotency_key: input.idempotencyKey,
        external_ref: input.externalRef ?? null,
        stripe_checkout_session_id: stripeIds.checkoutSessionId ?? null,
        stripe_payment_intent_id: stripeIds.paymentIntentId ?? null,
        created_at: now,
        succeeded_at: now,
      })
      .execute();
  }

  const plan = await payDownPlan(trx, account.id, input.amountMinor, now);
  const cancelledReminders = await cancelRemindersIfCovered(trx, account, paymentId, now);

  await emitBankEvent(trx, {
    type: "payment.succeeded",
    accountId: account.id,
    borrowerId: account.borrower_id,
    payload: {
      paymentId,
      accountRef: account.external_ref,
      amountMinor: input.amountMinor,
      currency,
      source: input.source,
      externalRef: input.externalRef ?? null,
      succeededAt: now.toISOString(),
      stripeCheckoutSessionId: stripeIds.checkoutSessionId ?? null,
      stripePaymentIntentId: stripeIds.paymentIntentId ?? null,
      plan: plan
        ? { planId: plan.planId, allocatedMinor: plan.allocatedMinor, completed: plan.completed }
        : null,
    },
    now,
  });

  const locale = await borrowerSmsLocale(trx, account.borrower_id);
  const receipt = await queueSms(trx, {
    borrowerId: account.borrower_id,
    accountId: account.id,
    templateKey: "confirmation.payment_receipt",
    purpose: "confirmation",
    vars: { amount: smsAmount(input.amountMinor, currency, locale) },
    dedupeKey: `payment_receipt:${paymentId}`,
    now,
  });

  await appendAudit(
    trx,
    {
      actorType: input.source === "portal" ? "system" : "api",
      action: "payment.succeeded",
      subjectType: "payment",
      subjectId: paymentId,
      borrowerId: account.borrower_id,
      detail: {
        accountId: account.id,
        amountMinor: input.amountMinor,
        currency,
        source: input.source,
        planAllocatedMinor: plan?.allocatedMinor ?? 0,
        planCompleted: plan?.completed ?? false,
        cancelledReminders,
        receipt: receipt.status === "queued" ? "queued" : receipt.reason,
      },
    },
    now,
  );
  return { paymentId, applied: true };
}

async function findPaymentForUpdate(
  trx: Trx,
  input: { paymentId?: string; idempotencyKey: string; externalRef?: string | null },
) {
  const columns = [
    "id",
    "account_id",
    "borrower_id",
    "amount_minor",
    "currency",
    "status",
    "idempotency_key",
  ] as const;
  if (input.paymentId) {
    const row = await trx
      .selectFrom("payments")
      .select(columns)
      .where("id", "=", input.paymentId)
      .forUpdate()
      .executeTakeFirst();
    if (!row) throw new PaymentApplicationError("no such payment");
    if (row.idempotency_key !== input.idempotencyKey)
      throw new PaymentApplicationError("payment id and idempotency key disagree");
    return row;
  }
  const byKey = await trx
    .selectFrom("payments")
    .select(columns)
    .where("idempotency_key", "=", input.idempotencyKey)
    .forUpdate()
    .executeTakeFirst();
  if (byKey || !input.externalRef) return byKey;
  // The bank's own reference identifies an offline payment too: the same transfer sent twice is one payment.
  return trx
    .selectFrom("payments")
    .select(columns)
    .where("external_ref", "=", input.externalRef)
    .forUpdate()
    .executeTakeFirst();
}

const PLAN_STATUSES_PAYABLE = ["approved", "active"] as const;

async function payDownPlan(trx: Trx, accountId: string, amountMinor: number, now: Date) {
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
  return { planId: plan.id, allocatedMinor: allocation.allocatedMinor, completed: allocation.planPaidOff };
}

/**
 * Once payments not yet confirmed by the bank cover what is overdue (or, before
 * the due date, the minimum due), the queued reminders about it are obsolete.
 */
async function cancelRemindersIfCovered(
  trx: Trx,
  account: { id: string; overdue_minor: number; minimum_due_minor: number; balance_as_of: Date },
  paymentId: string,
  now: Date,
): Promise<number> {
  const { paid } = await trx
    .selectFrom("payments")
    .select(sql<number>`coalesce(sum(amount_minor), 0)::bigint`.as("paid"))
    .where("account_id", "=", account.id)
    .where("status", "=", "succeeded")
    .where("bank_confirmed_at", "is", null)
    .where("succeeded_at", ">", account.balance_as_of)
    .executeTakeFirstOrThrow();
  const target = account.overdue_minor > 0 ? account.overdue_minor : account.minimum_due_minor;
  if (Number(paid) < target) return 0;
  const cancelled = await trx
    .updateTable("messages")
    .set({ status: "cancelled" })
    .where("account_id", "=", account.id)
    .where("direction", "=", "outbound")
    .where("status", "=", "queued")
    .where("template_key", "like", "reminder.%")
    .returning("id")
    .execute();
  if (cancelled.length) {
    await trx
      .insertInto("message_status_events")
      .values(
        cancelled.map((m) => ({
          message_id: m.id,
          status: "cancelled" as const,
          occurred_at: now,
          detail: JSON.stringify({ reason: "payment", paymentId }),
        })),
      )
      .execute();
  }
  return cancelled.length;
}

async function borrowerSmsLocale(trx: Trx, borrowerId: string): Promise<Locale> {
  const who = await trx
    .selectFrom("borrowers")
    .leftJoin("contact_preferences", "contact_preferences.borrower_id", "borrowers.id")
    .select(["borrowers.locale", "contact_preferences.preferred_locale"])
    .where("borrowers.id", "=", borrowerId)
    .executeTakeFirstOrThrow();
  return who.preferred_locale ?? who.locale;
}
