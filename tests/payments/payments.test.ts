import { randomUUID } from "node:crypto";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Account } from "../../db/schema";
import { connectDatabase, type DatabaseHandle } from "../../db/connection";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { insertAccount, insertMessage, insertPayment, insertPlan } from "../support/builders";
import { DEV_WEBHOOK_SECRET } from "../../app/payments/stripe-config.server";
import { verifyAuditChain } from "../../app/platform/audit.server";
import { applySucceededPayment, PaymentApplicationError } from "../../app/payments/apply-payment.server";
import { handleStripeWebhook } from "../../app/payments/stripe-webhook.server";
import { completedEvent, id, intentEvent, signed, stripeEvent } from "../support/stripe-events";
import { getAccountOverview } from "../../app/borrower/overview.server";

let t: TestDatabase;
let second: DatabaseHandle;
beforeAll(async () => {
  t = await createTestDatabase();
  // Half the concurrent calls go through another pool: real parallel transactions on separate connections.
  second = connectDatabase(t.url);
});
afterAll(async () => {
  await second?.close();
  await t?.destroy();
});

async function effects(accountId: string) {
  const [payments, bankEvents, receipts, audits] = await Promise.all([
    t.db.selectFrom("payments").selectAll().where("account_id", "=", accountId).execute(),
    t.db
      .selectFrom("bank_events")
      .selectAll()
      .where("account_id", "=", accountId)
      .where("type", "=", "payment.succeeded")
      .execute(),
    t.db
      .selectFrom("messages")
      .selectAll()
      .where("account_id", "=", accountId)
      .where("template_key", "=", "confirmation.payment_receipt")
      .execute(),
    t.db
      .selectFrom("audit_events")
      .select(["action", "subject_id"])
      .where("action", "=", "payment.succeeded")
      .execute(),
  ]);
  const paymentIds = new Set(payments.map((p) => p.id));
  return {
    payments,
    bankEvents,
    receipts,
    audits: audits.filter((a) => a.subject_id && paymentIds.has(a.subject_id)),
  };
}

/** A pending portal payment as startCheckout leaves it once Stripe has made the session. */
async function pendingPortalPayment(account: Account, amountMinor = 25_000) {
  return insertPayment(t.db, account, {
    amount_minor: amountMinor,
    status: "pending",
    idempotency_key: `checkout:${randomUUID()}`,
    stripe_checkout_session_id: id("cs"),
  });
}

function shuffle<T>(items: T[]): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

describe("applySucceededPayment", () => {
  it("applies an offline payment once under 20 concurrent calls with the same key", async () => {
    const account = await insertAccount(t.db);
    const key = `bank:${randomUUID()}`;
    const input = {
      accountId: account.id,
      borrowerId: account.borrower_id,
      amountMinor: 12_345,
      currency: "hkd",
      source: "offline_branch" as const,
      idempotencyKey: key,
      externalRef: `BR-${randomUUID()}`,
    };
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? second.db : t.db).transaction().execute((trx) => applySucceededPayment(trx, input)),
      ),
    );
    expect(outcomes.filter((o) => o.applied)).toHaveLength(1);
    expect(new Set(outcomes.map((o) => o.paymentId)).size).toBe(1);
    const e = await effects(account.id);
    expect(e.payments).toHaveLength(1);
    expect(e.payments[0]).toMatchObject({
      status: "succeeded",
      amount_minor: 12_345,
      currency: "HKD",
      source: "offline_branch",
      idempotency_key: key,
    });
    expect(e.payments[0]!.succeeded_at).not.toBeNull();
    expect(e.bankEvents).toHaveLength(1);
    expect(e.bankEvents[0]!.payload).toMatchObject({
      paymentId: e.payments[0]!.id,
      amountMinor: 12_345,
      currency: "HKD",
      source: "offline_branch",
    });
    expect(e.receipts).toHaveLength(1);
    expect(e.receipts[0]!.body).toContain("HK$123.45");
    expect(e.audits).toHaveLength(1);
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true });
  });

  it("marks an existing pending portal payment succeeded, once, under concurrency", async () => {
    const account = await insertAccount(t.db);
    const payment = await pendingPortalPayment(account);
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? second.db : t.db).transaction().execute((trx) =>
          applySucceededPayment(trx, {
            accountId: account.id,
            borrowerId: account.borrower_id,
            amountMinor: payment.amount_minor,
            currency: "HKD",
            source: "portal",
            idempotencyKey: payment.idempotency_key,
            paymentId: payment.id,
            stripe: { paymentIntentId: "pi_test_once" },
          }),
        ),
      ),
    );
    expect(outcomes.filter((o) => o.applied)).toEqual([{ paymentId: payment.id, applied: true }]);
    const e = await effects(account.id);
    expect(e.payments).toHaveLength(1);
    expect(e.payments[0]).toMatchObject({ status: "succeeded", stripe_payment_intent_id: "pi_test_once" });
    expect(e.bankEvents).toHaveLength(1);
    expect(e.receipts).toHaveLength(1);
  });

  it("treats the bank's reference as the same payment even under a new key", async () => {
    const account = await insertAccount(t.db);
    const externalRef = `TT-${randomUUID()}`;
    const base = {
      accountId: account.id,
      borrowerId: account.borrower_id,
      amountMinor: 5_000,
      currency: "HKD",
      source: "offline_transfer" as const,
      externalRef,
    };
    const first = await t.db
      .transaction()
      .execute((trx) => applySucceededPayment(trx, { ...base, idempotencyKey: "k1-" + externalRef }));
    const again = await t.db
      .transaction()
      .execute((trx) => applySucceededPayment(trx, { ...base, idempotencyKey: "k2-" + externalRef }));
    expect(first.applied).toBe(true);
    expect(again).toEqual({ paymentId: first.paymentId, applied: false });
    expect((await effects(account.id)).payments).toHaveLength(1);
  });

  it("refuses contradictions instead of guessing: another account, another amount, another currency", async () => {
    const account = await insertAccount(t.db);
    const otherAccount = await insertAccount(t.db);
    const payment = await pendingPortalPayment(account);
    const common = {
      amountMinor: payment.amount_minor,
      currency: "HKD",
      source: "portal" as const,
      idempotencyKey: payment.idempotency_key,
      paymentId: payment.id,
    };
    const run = (input: Parameters<typeof applySucceededPayment>[1]) =>
      t.db.transaction().execute((trx) => applySucceededPayment(trx, input));
    await expect(
      run({ ...common, accountId: otherAccount.id, borrowerId: otherAccount.borrower_id }),
    ).rejects.toThrow(PaymentApplicationError);
    await expect(
      run({ ...common, accountId: account.id, borrowerId: account.borrower_id, amountMinor: 1 }),
    ).rejects.toThrow(PaymentApplicationError);
    await expect(
      run({ ...common, accountId: account.id, borrowerId: account.borrower_id, currency: "GBP" }),
    ).rejects.toThrow(PaymentApplicationError);
    await expect(
      run({ ...common, accountId: account.id, borrowerId: otherAccount.borrower_id }),
    ).rejects.toThrow(PaymentApplicationError);
    await expect(
      run({ ...common, accountId: account.id, borrowerId: account.borrower_id, amountMinor: -5 }),
    ).rejects.toThrow(PaymentApplicationError);
    const row = await t.db
      .selectFrom("payments")
      .select("status")
      .where("id", "=", payment.id)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe("pending");
  });

  it("pays plan instalments in due-date order: partial, exact, then an overpayment across instalments", async () => {
    const account = await insertAccount(t.db, { balance_minor: 500_000 });
    const plan = await insertPlan(t.db, account, {
      status: "active",
      total_minor: 60_000,
      instalment_count: 3,
      first_due_date: "2030-02-01",
    });
    // Inserted out of order on purpose: allocation follows due dates, not insertion.
    await t.db
      .insertInto("instalments")
      .values([
        { plan_id: plan.id, seq: 3, due_date: "2030-04-01", amount_minor: 20_000 },
        { plan_id: plan.id, seq: 1, due_date: "2030-02-01", amount_minor: 20_000 },
        { plan_id: plan.id, seq: 2, due_date: "2030-03-01", amount_minor: 20_000 },
      ])
      .execute();
    const pay = (amountMinor: number) =>
      t.db.transaction().execute((trx) =>
        applySucceededPayment(trx, {
          accountId: account.id,
          borrowerId: account.borrower_id,
          amountMinor,
          currency: "HKD",
          source: "offline_transfer",
          idempotencyKey: randomUUID(),
        }),
      );
    const instalments = () =>
      t.db
        .selectFrom("instalments")
        .select(["seq", "paid_minor", "status"])
        .where("plan_id", "=", plan.id)
        .orderBy("seq")
        .execute();
    const planStatus = async () =>
      (
        await t.db
          .selectFrom("instalment_plans")
          .select("status")
          .where("id", "=", plan.id)
          .executeTakeFirstOrThrow()
      ).status;

    await pay(5_000);
    expect(await instalments()).toEqual([
      { seq: 1, paid_minor: 5_000, status: "due" },
      { seq: 2, paid_minor: 0, status: "due" },
      { seq: 3, paid_minor: 0, status: "due" },
    ]);
    await pay(15_000); // exactly what is left of the first
    expect(await instalments()).toEqual([
      { seq: 1, paid_minor: 20_000, status: "paid" },
      { seq: 2, paid_minor: 0, status: "due" },
      { seq: 3, paid_minor: 0, status: "due" },
    ]);
    expect(await planStatus()).toBe("active");
    await pay(50_000); // pays 2 and 3 and 10,000 beyond the plan
    const rows = await instalments();
    expect(rows.every((r) => r.status === "paid" && r.paid_minor === 20_000)).toBe(true);
    expect(rows.reduce((s, r) => s + r.paid_minor, 0)).toBe(60_000);
    expect(await planStatus()).toBe("completed");
    const paid = (await effects(account.id)).payments.reduce((s, p) => s + p.amount_minor, 0);
    expect(paid).toBe(70_000);
    const lastEvent = (await effects(account.id)).bankEvents
      .map((e) => e.payload)
      .find((p) => p.amountMinor === 50_000);
    expect(lastEvent).toMatchObject({ plan: { planId: plan.id, allocatedMinor: 40_000, completed: true } });
  });

  it("cancels queued reminders once the overdue amount is covered, and nothing else", async () => {
    const account = await insertAccount(t.db, { overdue_minor: 50_000 });
    const queuedReminder = await insertMessage(t.db, account, {
      template_key: "reminder.early.A",
      status: "queued",
    });
    const sentReminder = await insertMessage(t.db, account, {
      template_key: "reminder.early.B",
      status: "sent",
    });
    const queuedConfirmation = await insertMessage(t.db, account, {
      template_key: "confirmation.promise_confirmed",
      status: "queued",
    });
    const pay = (amountMinor: number) =>
      t.db.transaction().execute((trx) =>
        applySucceededPayment(trx, {
          accountId: account.id,
          borrowerId: account.borrower_id,
          amountMinor,
          currency: "HKD",
          source: "offline_branch",
          idempotencyKey: randomUUID(),
        }),
      );
    const status = async (messageId: string) =>
      (
        await t.db
          .selectFrom("messages")
          .select("status")
          .where("id", "=", messageId)
          .executeTakeFirstOrThrow()
      ).status;

    await pay(20_000);
    expect(await status(queuedReminder.id)).toBe("queued"); // 20,000 of 50,000 overdue: still owed
    await pay(30_000);
    expect(await status(queuedReminder.id)).toBe("cancelled");
    expect(await status(sentReminder.id)).toBe("sent");
    expect(await status(queuedConfirmation.id)).toBe("queued");
    const trail = await t.db
      .selectFrom("message_status_events")
      .select(["status", "detail"])
      .where("message_id", "=", queuedReminder.id)
      .execute();
    expect(trail).toContainEqual({
      status: "cancelled",
      detail: expect.objectContaining({ reason: "payment" }),
    });
  });
});

describe("handleStripeWebhook", () => {
  it("one payment from 20 concurrent, out-of-order deliveries of checkout.session.completed and payment_intent.succeeded", async () => {
    const account = await insertAccount(t.db);
    const payment = await pendingPortalPayment(account);
    const pi = id("pi");
    const completed = signed(completedEvent(payment, pi));
    const intent = signed(intentEvent("payment_intent.succeeded", payment, pi));
    const deliveries = shuffle([...Array(10).fill(completed), ...Array(10).fill(intent)] as Array<
      typeof completed
    >);
    const outcomes = await Promise.all(
      deliveries.map((d, i) => handleStripeWebhook(i % 2 ? second.db : t.db, d.payload, d.header)),
    );

    expect(outcomes.every((o) => o.status === 200)).toBe(true);
    const results = outcomes.map((o) => o.result).sort();
    expect(results.filter((r) => r === "applied")).toHaveLength(1);
    expect(results.filter((r) => r === "already_applied")).toHaveLength(1);
    expect(results.filter((r) => r === "duplicate")).toHaveLength(18);

    const e = await effects(account.id);
    expect(e.payments).toHaveLength(1);
    expect(e.payments[0]).toMatchObject({
      status: "succeeded",
      stripe_payment_intent_id: pi,
      stripe_checkout_session_id: payment.stripe_checkout_session_id,
    });
    expect(e.bankEvents).toHaveLength(1);
    expect(e.receipts).toHaveLength(1);
    expect(e.audits).toHaveLength(1);
    const events = await t.db
      .selectFrom("stripe_events")
      .selectAll()
      .where("id", "in", [JSON.parse(completed.payload).id, JSON.parse(intent.payload).id])
      .execute();
    expect(events).toHaveLength(2);
    expect(events.every((ev) => ev.processed_at !== null)).toBe(true);
  });

  it("payment_intent.succeeded first, checkout.session.completed later: still one payment", async () => {
    const account = await insertAccount(t.db);
    const payment = await pendingPortalPayment(account);
    const pi = id("pi");
    const first = signed(intentEvent("payment_intent.succeeded", payment, pi));
    expect(await handleStripeWebhook(t.db, first.payload, first.header)).toEqual({
      status: 200,
      result: "applied",
    });
    const later = signed(completedEvent(payment, pi));
    expect(await handleStripeWebhook(t.db, later.payload, later.header)).toEqual({
      status: 200,
      result: "already_applied",
    });
    const e = await effects(account.id);
    expect([e.payments.length, e.bankEvents.length, e.receipts.length]).toEqual([1, 1, 1]);
  });

  it("rejects a bad, missing, foreign or stale signature with 400 and writes nothing", async () => {
    const account = await insertAccount(t.db);
    const payment = await pendingPortalPayment(account);
    const event = completedEvent(payment, id("pi"));
    const good = signed(event);
    const countEvents = async () => (await t.db.selectFrom("stripe_events").select("id").execute()).length;
    const before = await countEvents();

    const tampered = good.payload.replace(`"amount_total":${payment.amount_minor}`, '"amount_total":1');
    expect(await handleStripeWebhook(t.db, tampered, good.header)).toEqual({
      status: 400,
      result: "invalid signature",
    });
    expect(await handleStripeWebhook(t.db, good.payload, null)).toEqual({
      status: 400,
      result: "missing signature",
    });
    expect(await handleStripeWebhook(t.db, good.payload, "t=1,v1=deadbeef")).toEqual({
      status: 400,
      result: "invalid signature",
    });
    const foreign = signed(event, { secret: "whsec_someone_elses_secret" });
    expect((await handleStripeWebhook(t.db, foreign.payload, foreign.header)).status).toBe(400);
    const stale = signed(event, { timestamp: Math.floor(Date.now() / 1000) - 3600 });
    expect((await handleStripeWebhook(t.db, stale.payload, stale.header)).status).toBe(400);

    expect(await countEvents()).toBe(before);
    const e = await effects(account.id);
    expect(e.payments[0]!.status).toBe("pending");
    expect([e.bankEvents.length, e.receipts.length]).toEqual([0, 0]);
  });

  it("answers 400 (never 500) to malformed JSON and to JSON that is not an event, even when signed", async () => {
    for (const body of ["{not json", "[]", '{"id":"evt_x"}', '"just a string"', "null"]) {
      const header = Stripe.webhooks.generateTestHeaderString({ payload: body, secret: DEV_WEBHOOK_SECRET });
      const outcome = await handleStripeWebhook(t.db, body, header);
      expect(outcome.status, body).toBe(400);
    }
  });

  it("records unknown event types and answers 200", async () => {
    const event = stripeEvent("customer.created", { id: "cus_test_1", object: "customer" });
    const { payload, header } = signed(event);
    expect(await handleStripeWebhook(t.db, payload, header)).toEqual({ status: 200, result: "ignored" });
    const row = await t.db
      .selectFrom("stripe_events")
      .selectAll()
      .where("id", "=", event.id)
      .executeTakeFirstOrThrow();
    expect(row.type).toBe("customer.created");
    expect(row.processed_at).not.toBeNull();
    expect(await handleStripeWebhook(t.db, payload, header)).toEqual({ status: 200, result: "duplicate" });
  });

  it("a declined card marks the payment failed; a later success on the same session still applies", async () => {
    const account = await insertAccount(t.db);
    const payment = await pendingPortalPayment(account);
    const pi = id("pi");
    const declined = signed(intentEvent("payment_intent.payment_failed", payment, pi));
    expect(await handleStripeWebhook(t.db, declined.payload, declined.header)).toEqual({
      status: 200,
      result: "failed",
    });
    expect((await effects(account.id)).payments[0]!.status).toBe("failed");
    const retried = signed(completedEvent(payment, pi));
    expect(await handleStripeWebhook(t.db, retried.payload, retried.header)).toEqual({
      status: 200,
      result: "applied",
    });
    // A late failure never undoes a success.
    const late = signed(intentEvent("payment_intent.payment_failed", payment, pi));
    expect(await handleStripeWebhook(t.db, late.payload, late.header)).toEqual({
      status: 200,
      result: "not_pending",
    });
    expect((await effects(account.id)).payments[0]!.status).toBe("succeeded");
  });

  it("does not credit an amount other than the one the payment was created for", async () => {
    const account = await insertAccount(t.db);
    const payment = await pendingPortalPayment(account, 25_000);
    const event = completedEvent({ ...payment, amount_minor: 100 }, id("pi"));
    const { payload, header } = signed(event);
    expect(await handleStripeWebhook(t.db, payload, header)).toEqual({
      status: 200,
      result: "amount_mismatch",
    });
    const e = await effects(account.id);
    expect(e.payments[0]!.status).toBe("pending");
    expect(e.bankEvents).toHaveLength(0);
  });

  it("a succeeded payment shows as pending on the overview, net of the balance", async () => {
    const account = await insertAccount(t.db, {
      balance_minor: 500_000,
      overdue_minor: 50_000,
      balance_as_of: new Date(Date.now() - 60_000),
    });
    const payment = await pendingPortalPayment(account, 30_000);
    const session = { id: "s", borrowerId: account.borrower_id, accountId: account.id, linkId: "l" };
    expect((await getAccountOverview(t.db, session)).pendingMinor).toBe(0); // pending at Stripe is not money received
    const { payload, header } = signed(completedEvent(payment, id("pi")));
    await handleStripeWebhook(t.db, payload, header);
    const overview = await getAccountOverview(t.db, session);
    expect(overview).toMatchObject({ pendingMinor: 30_000, balanceMinor: 470_000, overdueMinor: 20_000 });
  });
});

describe("webhook payloads Postgres cannot store verbatim", () => {
  it("a signed event containing a NUL escape is recorded and answered 200, not 500", async () => {
    const event = stripeEvent("customer.created", { id: id("cus"), name: "bad\u0000name" });
    const { payload, header } = signed(event);
    expect(payload).toContain("\\u0000");
    const outcome = await handleStripeWebhook(t.db, payload, header);
    expect(outcome.status).toBe(200);
    const row = await t.db
      .selectFrom("stripe_events")
      .select("payload")
      .where("id", "=", event.id)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(row.payload)).toContain("badname");
  });
});
