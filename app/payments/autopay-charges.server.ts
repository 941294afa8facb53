import { randomUUID } from "node:crypto";
import { sql, type Kysely, type Transaction } from "kysely";
import Stripe from "stripe";
import type { AutopayChargeStatus, Database, Locale } from "../../db/schema";
import { queueSms, smsAmount, smsDate } from "../messaging/outbound-sms.server";
import { appendAudit } from "../platform/audit.server";
import { emitBankEvent } from "../platform/bank-events.server";
import { logger } from "../platform/logger.server";
import { applySucceededPayment } from "./apply-payment.server";
import { stripeClient } from "./stripe-client.server";

/**
 * The daily autopay job (docs/product-rules.md §7.11): a reminder text 3 days before each instalment a
 * saved card will pay, then an off-session charge of each instalment on its date, once per try (the try's
 * row is unique per instalment, and its idempotency key goes to Stripe), credited through
 * applySucceededPayment like any card payment. A soft decline is tried again the next day, up to
 * MAX_TRIES within the plan's grace; a hard decline, authentication required, or the last soft decline
 * texts the borrower a link to pay by hand, and autopay stops for that instalment. An instalment still
 * unpaid breaks the plan by the usual rule (§7.7).
 */
type Db = Kysely<Database>;
type Trx = Transaction<Database>;

const REMINDER_DAYS_BEFORE = 3;
const MAX_TRIES = 3;
/** The plan breaks after this many days (§7.7): no try after it. */
const GRACE_DAYS = 7;
/** Declines that may pass with time (funds arrive, the issuer recovers); anything else will not. */
const SOFT_DECLINES = new Set([
  "insufficient_funds",
  "try_again_later",
  "processing_error",
  "issuer_not_available",
]);
const TERMINAL: readonly AutopayChargeStatus[] = ["succeeded", "hard_declined", "authentication_required"];

export interface AutopayRun {
  reminded: number;
  charged: number;
  declined: number;
  payByHandTexts: number;
}

/** One run of the job at `now` (the cron passes the clock; tests pass their own). */
export async function runAutopay(db: Db, opts: { now?: Date; stripe?: Stripe } = {}): Promise<AutopayRun> {
  const now = opts.now ?? new Date();
  const reminded = await sendAutopayReminders(db, now);
  const run: AutopayRun = { reminded, charged: 0, declined: 0, payByHandTexts: 0 };
  for (const candidate of await dueInstalments(db, now)) {
    const claim = await claimTry(db, candidate, now);
    if (!claim) continue;
    const outcome = await chargeTry(db, opts.stripe ?? stripeClient(), claim, now);
    if (outcome === "succeeded") run.charged++;
    else run.declined++;
    if (outcome !== "succeeded" && outcome !== "soft_declined_retry") run.payByHandTexts++;
  }
  return run;
}

const instalmentsOnAutopay = (db: Db | Trx) =>
  db
    .selectFrom("instalments as i")
    .innerJoin("instalment_plans as p", "p.id", "i.plan_id")
    .innerJoin("plan_autopay as a", "a.plan_id", "p.id")
    .innerJoin("borrowers as b", "b.id", "p.borrower_id")
    .where("a.status", "=", "on")
    .where("p.status", "in", ["approved", "active"])
    .where("i.status", "=", "due")
    .whereRef("i.paid_minor", "<", "i.amount_minor");

const localToday = (now: Date) => sql<string>`(${now}::timestamptz at time zone b.time_zone)::date`;

/** "We will charge … on …", 3 days ahead on the borrower's calendar; once per instalment and date. */
async function sendAutopayReminders(db: Db, now: Date): Promise<number> {
  const due = await instalmentsOnAutopay(db)
    .leftJoin("contact_preferences as cp", "cp.borrower_id", "b.id")
    .select([
      "i.id",
      "i.due_date",
      "i.amount_minor",
      "i.paid_minor",
      "p.currency",
      "p.account_id",
      "p.borrower_id",
    ])
    .select(sql<Locale>`coalesce(cp.preferred_locale, b.locale)`.as("locale"))
    .where(sql<boolean>`i.due_date = ${localToday(now)} + ${REMINDER_DAYS_BEFORE}::int`)
    .execute();
  let queued = 0;
  for (const i of due) {
    const result = await db.transaction().execute((trx) =>
      queueSms(trx, {
        borrowerId: i.borrower_id,
        accountId: i.account_id,
        templateKey: "confirmation.autopay_reminder",
        purpose: "confirmation",
        vars: {
          amount: smsAmount(i.amount_minor - i.paid_minor, i.currency, i.locale),
          dueDate: smsDate(i.due_date, i.locale),
        },
        // A moved instalment (§7.9) is reminded again for its new date.
        dedupeKey: `autopay_reminder:${i.id}:${i.due_date}`,
        now,
      }),
    );
    if (result.status === "queued") queued++;
  }
  return queued;
}

interface Candidate {
  instalmentId: string;
}

/** Instalments a saved card should pay now: due today or late within the grace, with a try left today. */
async function dueInstalments(db: Db, now: Date): Promise<Candidate[]> {
  const rows = await instalmentsOnAutopay(db)
    .select("i.id")
    .where(sql<boolean>`i.due_date <= ${localToday(now)}`)
    .where(sql<boolean>`i.due_date >= ${localToday(now)} - ${GRACE_DAYS}::int`)
    .orderBy("i.due_date")
    .execute();
  return rows.map((r) => ({ instalmentId: r.id }));
}

interface Claim {
  instalmentId: string;
  planId: string;
  try: number;
  paymentId: string;
  idempotencyKey: string;
  accountId: string;
  borrowerId: string;
  amountMinor: number;
  currency: string;
  customer: string;
  paymentMethod: string;
  locale: Locale;
}

/**
 * Under the instalment's row lock (a concurrent run waits here, then sees this try), checks again that
 * the card should pay it today, and records the try with its pending payment before Stripe is called.
 */
async function claimTry(db: Db, c: Candidate, now: Date): Promise<Claim | null> {
  return db.transaction().execute(async (trx) => {
    const i = await instalmentsOnAutopay(trx)
      .leftJoin("contact_preferences as cp", "cp.borrower_id", "b.id")
      .select([
        "i.id",
        "i.plan_id",
        "i.amount_minor",
        "i.paid_minor",
        "p.account_id",
        "p.borrower_id",
        "p.currency",
      ])
      .select(["a.stripe_customer_id", "a.stripe_payment_method_id"])
      .select(localToday(now).as("today"))
      .select(sql<Locale>`coalesce(cp.preferred_locale, b.locale)`.as("locale"))
      .where("i.id", "=", c.instalmentId)
      .forUpdate("i")
      .executeTakeFirst();
    if (!i?.stripe_payment_method_id) return null;
    const tries = await trx
      .selectFrom("autopay_charges")
      .select(["try", "status", "local_day"])
      .where("instalment_id", "=", i.id)
      .orderBy("try", "desc")
      .execute();
    const done = tries.some((t) => TERMINAL.includes(t.status) || t.status === "pending");
    if (done || tries.length >= MAX_TRIES || tries[0]?.local_day === i.today) return null;
    const claim: Claim = {
      instalmentId: i.id,
      planId: i.plan_id,
      try: tries.length + 1,
      paymentId: randomUUID(),
      idempotencyKey: `autopay:${i.id}:${tries.length + 1}`,
      accountId: i.account_id,
      borrowerId: i.borrower_id,
      amountMinor: i.amount_minor - i.paid_minor,
      currency: i.currency,
      customer: i.stripe_customer_id,
      paymentMethod: i.stripe_payment_method_id,
      locale: i.locale,
    };
    await recordTry(trx, claim, i.today, now);
    return claim;
  });
}

async function recordTry(trx: Trx, claim: Claim, today: string, now: Date) {
  await trx
    .insertInto("payments")
    .values({
      id: claim.paymentId,
      account_id: claim.accountId,
      borrower_id: claim.borrowerId,
      amount_minor: claim.amountMinor,
      currency: claim.currency,
      source: "portal",
      status: "pending",
      idempotency_key: claim.idempotencyKey,
      created_at: now,
    })
    .execute();
  await trx
    .insertInto("autopay_charges")
    .values({
      plan_id: claim.planId,
      instalment_id: claim.instalmentId,
      try: claim.try,
      payment_id: claim.paymentId,
      local_day: today,
      status: "pending",
      attempted_at: now,
    })
    .execute();
  await appendAudit(
    trx,
    {
      actorType: "system",
      action: "autopay.charge_started",
      subjectType: "payment",
      subjectId: claim.paymentId,
      borrowerId: claim.borrowerId,
      detail: {
        planId: claim.planId,
        try: claim.try,
        amountMinor: claim.amountMinor,
        currency: claim.currency,
      },
    },
    now,
  );
}

type TryOutcome =
  | "succeeded"
  | "soft_declined_retry"
  | "soft_declined_last"
  | "hard_declined"
  | "authentication_required"
  | "error";

/** The off-session charge at Stripe, then its outcome recorded in one transaction. */
async function chargeTry(db: Db, stripe: Stripe, claim: Claim, now: Date): Promise<TryOutcome> {
  let intent: Stripe.PaymentIntent;
  try {
    intent = await stripe.paymentIntents.create(
      {
        amount: claim.amountMinor,
        currency: claim.currency.toLowerCase(),
        customer: claim.customer,
        payment_method: claim.paymentMethod,
        off_session: true,
        confirm: true,
        metadata: {
          paymentId: claim.paymentId,
          accountId: claim.accountId,
          instalmentId: claim.instalmentId,
        },
      },
      { idempotencyKey: claim.idempotencyKey },
    );
  } catch (error) {
    return recordFailure(db, claim, classify(error), now);
  }
  if (intent.status !== "succeeded")
    return recordFailure(db, claim, { status: "error", code: intent.status }, now);
  await db.transaction().execute(async (trx) => {
    // The webhook's payment_intent.succeeded for this payment lands on the same path and applies nothing twice.
    await applySucceededPayment(trx, {
      accountId: claim.accountId,
      borrowerId: claim.borrowerId,
      amountMinor: claim.amountMinor,
      currency: claim.currency,
      source: "portal",
      idempotencyKey: claim.idempotencyKey,
      paymentId: claim.paymentId,
      stripe: { paymentIntentId: intent.id },
      now,
    });
    await finishTry(trx, claim, "succeeded", null, now);
  });
  return "succeeded";
}

type Failure = { status: Exclude<AutopayChargeStatus, "pending" | "succeeded">; code: string | null };

function classify(error: unknown): Failure {
  if (error instanceof Stripe.errors.StripeCardError) {
    if (error.code === "authentication_required")
      return { status: "authentication_required", code: error.code };
    const decline = error.decline_code ?? error.code ?? null;
    return {
      status: decline && SOFT_DECLINES.has(decline) ? "soft_declined" : "hard_declined",
      code: decline,
    };
  }
  // Stripe unreachable or refusing the request: counted as a try; a charge that did go through still
  // arrives as payment_intent.succeeded and is credited by the webhook.
  logger.warn({ err: error instanceof Error ? error.message : String(error) }, "autopay charge not made");
  return {
    status: "error",
    code: error instanceof Stripe.errors.StripeError ? (error.code ?? error.type) : null,
  };
}

async function finishTry(
  trx: Trx,
  claim: Claim,
  status: AutopayChargeStatus,
  code: string | null,
  now: Date,
) {
  await trx
    .updateTable("autopay_charges")
    .set({ status, decline_code: code, finished_at: now })
    .where("payment_id", "=", claim.paymentId)
    .execute();
}

/**
 * A declined or failed try: the payment failed, the try's outcome, and (no try left, or a decline that will
 * not pass) the pay-by-hand text with a fresh signed link, the bank event and the audit row.
 */
async function recordFailure(db: Db, claim: Claim, failure: Failure, now: Date): Promise<TryOutcome> {
  const retry = (failure.status === "soft_declined" || failure.status === "error") && claim.try < MAX_TRIES;
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable("payments")
      .set({ status: "failed" })
      .where("id", "=", claim.paymentId)
      .where("status", "in", ["pending", "processing"])
      .execute();
    await finishTry(trx, claim, failure.status, failure.code, now);
    if (retry) return;
    const text = await queueSms(trx, {
      borrowerId: claim.borrowerId,
      accountId: claim.accountId,
      templateKey: "confirmation.autopay_failed",
      purpose: "confirmation",
      vars: { amount: smsAmount(claim.amountMinor, claim.currency, claim.locale) },
      dedupeKey: `autopay_failed:${claim.instalmentId}`,
      now,
    });
    const detail = { planId: claim.planId, try: claim.try, outcome: failure.status, code: failure.code };
    await emitBankEvent(trx, {
      type: "plan.autopay_charge_failed",
      accountId: claim.accountId,
      borrowerId: claim.borrowerId,
      payload: {
        ...detail,
        paymentId: claim.paymentId,
        amountMinor: claim.amountMinor,
        currency: claim.currency,
      },
      now,
    });
    await appendAudit(
      trx,
      {
        actorType: "system",
        action: "autopay.charge_failed",
        subjectType: "payment",
        subjectId: claim.paymentId,
        borrowerId: claim.borrowerId,
        detail: { ...detail, payByHandText: text.status === "queued" ? "queued" : text.reason },
      },
      now,
    );
  });
  if (retry) return "soft_declined_retry";
  return failure.status === "soft_declined" || failure.status === "error"
    ? "soft_declined_last"
    : failure.status;
}
