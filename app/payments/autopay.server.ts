import { randomUUID } from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import type Stripe from "stripe";
import type { AutopayStatus, Database } from "../../db/schema";
import type { SupportedLocale } from "../i18n/config";
import type { PlanSession } from "../plans/plans.server";
import { auditActor, type SessionScope } from "../borrower/action-scope.server";
import { appendAudit } from "../platform/audit.server";
import { emitBankEvent } from "../platform/bank-events.server";
import { logger } from "../platform/logger.server";
import { stripeClient } from "./stripe-client.server";

/**
 * Autopay for instalment plans (docs/product-rules.md §7.11): the borrower saves a card with Stripe Checkout
 * in setup mode, on a Customer made once per borrower; the webhook stores the saved method for the plan
 * (autopay-webhook.server.ts), the daily job charges each instalment off-session (autopay-charges.server.ts),
 * and turning autopay off stops the charges and detaches the method at Stripe.
 */
type Db = Kysely<Database>;
type Trx = Transaction<Database>;

const PLAN_IN_FORCE = ["approved", "active"] as const;

const STRIPE_LOCALE: Record<SupportedLocale, Stripe.Checkout.SessionCreateParams.Locale> = {
  "zh-HK": "zh-HK",
  "zh-CN": "zh",
  en: "en",
};

export interface AutopayState {
  planId: string;
  /** null: never turned on for this plan. */
  status: AutopayStatus | null;
}

/** The plan in force on the session's account and its autopay; null without a plan in force. */
export async function getAutopayState(db: Db | Trx, session: PlanSession): Promise<AutopayState | null> {
  const row = await db
    .selectFrom("instalment_plans as p")
    .leftJoin("plan_autopay as a", "a.plan_id", "p.id")
    .select(["p.id", "a.status"])
    .where("p.account_id", "=", session.accountId)
    .where("p.borrower_id", "=", session.borrowerId)
    .where("p.status", "in", PLAN_IN_FORCE)
    .executeTakeFirst();
  return row ? { planId: row.id, status: row.status } : null;
}

export type StartAutopayResult =
  | { status: "redirect"; url: string }
  | { status: "already_on" }
  | { status: "no_plan" }
  | { status: "unavailable" };

interface StartAutopayInput {
  session: PlanSession;
  /** Origin the borrower's browser uses for this site (return pages). */
  baseUrl: string;
  locale?: SupportedLocale;
  stripe?: Stripe;
  now?: Date;
}

/** Turning autopay on: the borrower's Customer, a pending autopay row, and a Checkout Session in setup mode. */
export async function startAutopaySetup(db: Db, input: StartAutopayInput): Promise<StartAutopayResult> {
  const now = input.now ?? new Date();
  const stripe = input.stripe ?? stripeClient();
  const state = await getAutopayState(db, input.session);
  if (!state) return { status: "no_plan" };
  if (state.status === "on") return { status: "already_on" };
  try {
    const customer = await borrowerCustomer(db, stripe, input.session.borrowerId);
    const key = `autopay-setup:${randomUUID()}`;
    await recordSetupStart(db, input.session, { planId: state.planId, customer, key }, now);
    const base = input.baseUrl.replace(/\/$/, "");
    const metadata = { planId: state.planId, accountId: input.session.accountId, purpose: "autopay" };
    const checkout = await stripe.checkout.sessions.create(
      {
        mode: "setup",
        customer,
        // Off-session charges need a reusable method: cards (wallets like Alipay are paid by hand).
        allowed_payment_method_types: ["card"],
        metadata,
        setup_intent_data: { metadata },
        client_reference_id: state.planId,
        ...(input.locale ? { locale: STRIPE_LOCALE[input.locale] } : {}),
        success_url: `${base}/account/plan/status?autopay=saved`,
        cancel_url: `${base}/account/plan/status`,
      },
      { idempotencyKey: key },
    );
    if (!checkout.url) throw new Error("setup session has no url");
    await db
      .updateTable("plan_autopay")
      .set({ stripe_setup_session_id: checkout.id })
      .where("plan_id", "=", state.planId)
      .where("setup_idempotency_key", "=", key)
      .execute();
    return { status: "redirect", url: checkout.url };
  } catch (error) {
    logger.warn(
      { planId: state.planId, err: error instanceof Error ? error.message : String(error) },
      "autopay setup session not created",
    );
    return { status: "unavailable" };
  }
}

/** The borrower's Stripe Customer, created once (the idempotency key makes a race create one). */
async function borrowerCustomer(db: Db, stripe: Stripe, borrowerId: string): Promise<string> {
  const known = await db
    .selectFrom("stripe_customers")
    .select("stripe_customer_id")
    .where("borrower_id", "=", borrowerId)
    .executeTakeFirst();
  if (known) return known.stripe_customer_id;
  // No name, phone or account number goes to Stripe: the Customer only groups the saved methods.
  const created = await stripe.customers.create(
    { metadata: { borrowerId } },
    { idempotencyKey: `customer:${borrowerId}` },
  );
  await db
    .insertInto("stripe_customers")
    .values({ borrower_id: borrowerId, stripe_customer_id: created.id })
    .onConflict((oc) => oc.column("borrower_id").doNothing())
    .execute();
  return created.id;
}

async function recordSetupStart(
  db: Db,
  session: PlanSession,
  setup: { planId: string; customer: string; key: string },
  now: Date,
) {
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto("plan_autopay")
      .values({
        plan_id: setup.planId,
        borrower_id: session.borrowerId,
        account_id: session.accountId,
        status: "pending",
        stripe_customer_id: setup.customer,
        setup_idempotency_key: setup.key,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) =>
        oc.column("plan_id").doUpdateSet({
          status: "pending",
          stripe_customer_id: setup.customer,
          stripe_setup_session_id: null,
          stripe_payment_method_id: null,
          setup_idempotency_key: setup.key,
          updated_at: now,
        }),
      )
      .execute();
    await appendAudit(
      trx,
      {
        ...auditActor(session),
        action: "autopay.setup_started",
        subjectType: "instalment_plan",
        subjectId: setup.planId,
        borrowerId: session.borrowerId,
        detail: { accountId: session.accountId },
      },
      now,
    );
  });
}

export type TurnOffResult = { status: "off"; detached: boolean } | { status: "not_on" };

/**
 * Turning autopay off: at once no further charge (one transaction with the audit row and the bank event),
 * then the saved method is detached at Stripe. A failed detach is logged and kept visible
 * (`detached_at` stays empty); the job never charges a plan whose autopay is off.
 */
export async function turnOffAutopay(
  db: Db,
  input: { session: PlanSession; stripe?: Stripe; now?: Date },
): Promise<TurnOffResult> {
  const now = input.now ?? new Date();
  const { session } = input;
  const off = await db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom("plan_autopay as a")
      .innerJoin("instalment_plans as p", "p.id", "a.plan_id")
      .select(["a.plan_id", "a.stripe_payment_method_id", "a.status"])
      .where("a.account_id", "=", session.accountId)
      .where("a.borrower_id", "=", session.borrowerId)
      .where("a.status", "in", ["pending", "on"])
      .forUpdate("a")
      .executeTakeFirst();
    if (!row) return null;
    await trx
      .updateTable("plan_autopay")
      .set({ status: "off", disabled_at: now, updated_at: now })
      .where("plan_id", "=", row.plan_id)
      .execute();
    await announceAutopay(trx, { ...session, planId: row.plan_id }, "off", now);
    return row;
  });
  if (!off) return { status: "not_on" };
  if (!off.stripe_payment_method_id) return { status: "off", detached: false };
  const detached = await detachMethod(
    db,
    input.stripe ?? stripeClient(),
    off.plan_id,
    off.stripe_payment_method_id,
    now,
  );
  return { status: "off", detached };
}

async function detachMethod(db: Db, stripe: Stripe, planId: string, paymentMethodId: string, now: Date) {
  try {
    await stripe.paymentMethods.detach(paymentMethodId);
  } catch (error) {
    logger.warn(
      { planId, err: error instanceof Error ? error.message : String(error) },
      "saved payment method not detached at Stripe",
    );
    return false;
  }
  await db.updateTable("plan_autopay").set({ detached_at: now }).where("plan_id", "=", planId).execute();
  return true;
}

/** The bank event and audit row for autopay turned on (by the webhook) or off (by the borrower or staff). */
export async function announceAutopay(
  trx: Trx,
  who: SessionScope & { planId: string },
  state: "on" | "off",
  now: Date,
) {
  await emitBankEvent(trx, {
    type: state === "on" ? "plan.autopay_on" : "plan.autopay_off",
    accountId: who.accountId,
    borrowerId: who.borrowerId,
    payload: { planId: who.planId },
    now,
  });
  // On is what Stripe reported; off is the borrower's (or staff's for them) own act.
  const actor = state === "on" ? { actorType: "system" as const } : auditActor(who);
  await appendAudit(
    trx,
    {
      ...actor,
      action: state === "on" ? "autopay.enabled" : "autopay.disabled",
      subjectType: "instalment_plan",
      subjectId: who.planId,
      borrowerId: who.borrowerId,
      detail: { accountId: who.accountId },
    },
    now,
  );
}
