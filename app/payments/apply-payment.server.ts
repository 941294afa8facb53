import { randomUUID } from "node:crypto";
import type { Transaction } from "kysely";
import { CREDITED_PAYMENT_STATUSES, type Database, type Locale } from "../../db/schema";
import { pendingPaymentsMinor } from "../borrower/overview.server";
import { appendAudit } from "../platform/audit.server";
import { emitBankEvent } from "../platform/bank-events.server";
import { queueSms, smsAmount } from "../messaging/outbound-sms.server";
import { creditPayment } from "./allocations.server";
import { settleReversals } from "./reversals.server";
import { payDownSettlement } from "../plans/settlement-lifecycle.server";

/**
 * Applying a succeeded payment (docs/product-rules.md §6.4): the one path for portal payments (from
 * the Stripe webhook) and offline ones (from the bank API).
 */
type Trx = Transaction<Database>;

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
type SucceededPaymentInput = {
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
};

export async function applySucceededPayment(
  trx: Transaction<Database>,
  input: SucceededPaymentInput,
): Promise<{ paymentId: string; applied: boolean }> {
  const now = input.now ?? new Date();
  const currency = input.currency.toUpperCase();
  if (!Number.isSafeInteger(input.amountMinor) || input.amountMinor <= 0) {
    throw new PaymentApplicationError(
      `amount must be a positive integer of minor units, got ${input.amountMinor}`,
    );
  }
  const account = await lockAccount(trx, input, currency);
  const existing = await findPaymentForUpdate(trx, input);
  if (existing && (existing.account_id !== account.id || existing.borrower_id !== account.borrower_id)) {
    throw new PaymentApplicationError("payment reference belongs to another account");
  }
  if (existing && (existing.amount_minor !== input.amountMinor || existing.currency !== currency)) {
    throw new PaymentApplicationError("a payment with this reference was recorded with a different amount");
  }
  if (existing && (CREDITED_PAYMENT_STATUSES as readonly string[]).includes(existing.status)) {
    return { paymentId: existing.id, applied: false };
  }

  const paymentId = await recordSucceeded(trx, input, account, currency, existing?.id ?? null, now);
  const plan = await creditPayment(
    trx,
    { id: paymentId, accountId: account.id, currency },
    input.amountMinor,
    "payment",
    now,
  );
  // What the plan did not take pays the account's accepted settlement, if any (§7.10).
  const toSettlement = input.amountMinor - (plan?.allocatedMinor ?? 0);
  await payDownSettlement(trx, { id: paymentId, accountId: account.id, amountMinor: toSettlement }, now);
  // A refund or dispute Stripe reported before this credit is applied now (docs/product-rules.md §6.7).
  if (input.source === "portal") await settleReversals(trx, paymentId, now);
  const cancelledReminders = await cancelRemindersIfCovered(trx, account, paymentId, now);
  await announcePayment(trx, { ...input, currency, paymentId, now }, account, { plan, cancelledReminders });
  return { paymentId, applied: true };
}

type LockedAccount = Awaited<ReturnType<typeof lockAccount>>;

/** The account under its row lock (concurrent payments for it queue here), checked against the input. */
async function lockAccount(trx: Trx, input: SucceededPaymentInput, currency: string) {
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
  return account;
}

/** Marks the existing row succeeded (keeping Stripe ids already known), or inserts an offline payment. */
async function recordSucceeded(
  trx: Trx,
  input: SucceededPaymentInput,
  account: LockedAccount,
  currency: string,
  existingId: string | null,
  now: Date,
): Promise<string> {
  const stripeIds = input.stripe ?? {};
  if (existingId) {
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
      .where("id", "=", existingId)
      .execute();
    return existingId;
  }
  const paymentId = randomUUID();
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
  return paymentId;
}

/** What follows a payment outside Settle: the bank event, the receipt SMS and the audit row. */
async function announcePayment(
  trx: Trx,
  payment: SucceededPaymentInput & { currency: string; paymentId: string; now: Date },
  account: LockedAccount,
  effects: { plan: Awaited<ReturnType<typeof creditPayment>>; cancelledReminders: number },
) {
  const { paymentId, currency, now, plan } = { ...payment, plan: effects.plan };
  const stripeIds = payment.stripe ?? {};
  await emitBankEvent(trx, {
    type: "payment.succeeded",
    accountId: account.id,
    borrowerId: account.borrower_id,
    payload: {
      paymentId,
      accountRef: account.external_ref,
      amountMinor: payment.amountMinor,
      currency,
      source: payment.source,
      externalRef: payment.externalRef ?? null,
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
    vars: { amount: smsAmount(payment.amountMinor, currency, locale) },
    dedupeKey: `payment_receipt:${paymentId}`,
    now,
  });
  await appendAudit(
    trx,
    {
      actorType: payment.source === "portal" ? "system" : "api",
      action: "payment.succeeded",
      subjectType: "payment",
      subjectId: paymentId,
      borrowerId: account.borrower_id,
      detail: {
        accountId: account.id,
        amountMinor: payment.amountMinor,
        currency,
        source: payment.source,
        planAllocatedMinor: plan?.allocatedMinor ?? 0,
        planCompleted: plan?.completed ?? false,
        cancelledReminders: effects.cancelledReminders,
        receipt: receipt.status === "queued" ? "queued" : receipt.reason,
      },
    },
    now,
  );
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

/**
 * Once payments not yet confirmed by the bank cover what is overdue (or, before
 * the due date, the minimum due), the queued reminders about it are obsolete.
 */
async function cancelRemindersIfCovered(
  trx: Trx,
  account: {
    id: string;
    borrower_id: string;
    overdue_minor: number;
    minimum_due_minor: number;
    balance_as_of: Date;
  },
  paymentId: string,
  now: Date,
): Promise<number> {
  const paid = await pendingPaymentsMinor(trx, {
    accountId: account.id,
    borrowerId: account.borrower_id,
    since: account.balance_as_of,
  });
  const target = account.overdue_minor > 0 ? account.overdue_minor : account.minimum_due_minor;
  if (paid < target) return 0;
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
