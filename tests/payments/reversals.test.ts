import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Account } from "../../db/schema";
import { verifyAuditChain } from "../../app/platform/audit.server";
import { handleStripeWebhook } from "../../app/payments/stripe-webhook.server";
import { applySucceededPayment } from "../../app/payments/apply-payment.server";
import { pendingPaymentsMinor } from "../../app/borrower/overview.server";
import { markBrokenPlans } from "../../app/plans/plans.server";
import { connectDatabase, type DatabaseHandle } from "../../db/connection";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { insertAccount, insertPayment, insertPlan } from "../support/builders";
import { disputeEvent, id, intentEvent, refundedEvent, signed } from "../support/stripe-events";

/**
 * Issue #21 item 2 (docs/product-rules.md §6.7): refunds and disputes through the real webhook code
 * (events signed by the Stripe SDK) on real Postgres. A reversal takes back the payment's credit and
 * what it paid into the plan, newest allocation first, tells the bank, and the arrears count again.
 */
const NOW = new Date("2030-03-01T04:00:00Z");
const later = (minutes: number) => new Date(NOW.getTime() + minutes * 60_000);

let t: TestDatabase;
let second: DatabaseHandle;
beforeAll(async () => {
  t = await createTestDatabase();
  // Concurrent deliveries on another pool: real parallel transactions on separate connections.
  second = connectDatabase(t.url);
});
afterAll(async () => {
  await second?.close();
  await t?.destroy();
});

async function deliver(event: Record<string, unknown>, now = later(1)) {
  const { payload, header } = signed(event);
  return handleStripeWebhook(t.db, payload, header, { now });
}

/** An account in arrears with a plan of three 10,000 instalments, and a pending portal payment of 25,000. */
async function paymentIntoPlan(opts: { dueDates?: string[]; amountMinor?: number } = {}) {
  const account = await insertAccount(t.db, {
    overdue_minor: 30_000,
    balance_minor: 90_000,
    balance_as_of: new Date("2030-02-01T00:00:00Z"),
  });
  const dueDates = opts.dueDates ?? ["2030-03-10", "2030-04-10", "2030-05-10"];
  const plan = await insertPlan(t.db, account, {
    status: "active",
    total_minor: 30_000,
    first_due_date: dueDates[0]!,
  });
  const instalments = await t.db
    .insertInto("instalments")
    .values(dueDates.map((d, i) => ({ plan_id: plan.id, seq: i + 1, due_date: d, amount_minor: 10_000 })))
    .returning("id")
    .execute();
  const payment = await insertPayment(t.db, account, {
    amount_minor: opts.amountMinor ?? 25_000,
    status: "pending",
    idempotency_key: `checkout:${randomUUID()}`,
    stripe_checkout_session_id: id("cs"),
  });
  return { account, plan, instalmentIds: instalments.map((i) => i.id), payment, pi: id("pi") };
}

type Fixture = Awaited<ReturnType<typeof paymentIntoPlan>>;

async function state(f: Fixture) {
  const [payment, instalments, plan, allocations, pending] = await Promise.all([
    t.db
      .selectFrom("payments")
      .select(["status", "reversed_minor", "refunded_minor", "dispute_status"])
      .where("id", "=", f.payment.id)
      .executeTakeFirstOrThrow(),
    t.db
      .selectFrom("instalments")
      .select(["paid_minor", "status"])
      .where("plan_id", "=", f.plan.id)
      .orderBy("seq")
      .execute(),
    t.db
      .selectFrom("instalment_plans")
      .select("status")
      .where("id", "=", f.plan.id)
      .executeTakeFirstOrThrow(),
    t.db
      .selectFrom("payment_allocations")
      .select(["instalment_id", "amount_minor"])
      .where("payment_id", "=", f.payment.id)
      .execute(),
    pendingPaymentsMinor(t.db, {
      accountId: f.account.id,
      borrowerId: f.account.borrower_id,
      since: f.account.balance_as_of,
    }),
  ]);
  const allocated = allocations.reduce((s, a) => s + a.amount_minor, 0);
  return {
    payment,
    instalments: instalments.map((i) => [i.paid_minor, i.status]),
    plan: plan.status,
    allocated,
    pending,
  };
}

async function bankEvents(accountId: string) {
  return t.db
    .selectFrom("bank_events")
    .select(["type", "payload"])
    .where("account_id", "=", accountId)
    .orderBy("created_at")
    .execute();
}

async function audits(paymentId: string) {
  const rows = await t.db
    .selectFrom("audit_events")
    .select("action")
    .where("subject_id", "=", paymentId)
    .orderBy("id")
    .execute();
  return rows.map((r) => r.action);
}

const succeeded = (f: Fixture) => intentEvent("payment_intent.succeeded", f.payment, f.pi);

describe("refunds", () => {
  it("a full refund takes back the credit and every instalment it paid, tells the bank and reopens the arrears", async () => {
    const f = await paymentIntoPlan();
    expect(await deliver(succeeded(f))).toEqual({ status: 200, result: "applied" });
    expect(await state(f)).toMatchObject({
      instalments: [
        [10_000, "paid"],
        [10_000, "paid"],
        [5_000, "due"],
      ],
      allocated: 25_000,
      pending: 25_000,
    });

    expect(await deliver(refundedEvent(f.payment, f.pi, 25_000), later(60))).toEqual({
      status: 200,
      result: "reversed",
    });
    expect(await state(f)).toEqual({
      payment: { status: "refunded", reversed_minor: 25_000, refunded_minor: 25_000, dispute_status: null },
      instalments: [
        [0, "due"],
        [0, "due"],
        [0, "due"],
      ],
      plan: "active",
      allocated: 0,
      pending: 0,
    });
    const events = await bankEvents(f.account.id);
    expect(events.map((e) => e.type)).toEqual(["payment.succeeded", "payment.refunded"]);
    expect(events[1]!.payload).toMatchObject({
      paymentId: f.payment.id,
      status: "refunded",
      changeMinor: 25_000,
      planChangeMinor: 25_000,
      currency: "HKD",
    });
    expect(await audits(f.payment.id)).toEqual(["payment.succeeded", "payment.refunded"]);
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true });
  });

  it("a partial refund takes back only the refunded amount, newest allocation first; redelivery changes nothing", async () => {
    const f = await paymentIntoPlan();
    await deliver(succeeded(f));
    const refund = refundedEvent(f.payment, f.pi, 8_000);
    expect(await deliver(refund)).toMatchObject({ result: "reversed" });
    expect(await deliver(refund)).toMatchObject({ result: "duplicate" });
    // The same cumulative figure in another event (Stripe resends the charge's state, not a delta).
    expect(await deliver(refundedEvent(f.payment, f.pi, 8_000))).toMatchObject({ result: "unchanged" });
    expect(await state(f)).toMatchObject({
      payment: { status: "partially_refunded", reversed_minor: 8_000, refunded_minor: 8_000 },
      instalments: [
        [10_000, "paid"],
        [7_000, "due"],
        [0, "due"],
      ],
      allocated: 17_000,
      pending: 17_000,
    });
    // A second refund arrives; the first one's late redelivery cannot lower it back.
    expect(await deliver(refundedEvent(f.payment, f.pi, 12_000))).toMatchObject({ result: "reversed" });
    expect(await deliver(refundedEvent(f.payment, f.pi, 8_000))).toMatchObject({ result: "unchanged" });
    expect(await state(f)).toMatchObject({
      payment: { status: "partially_refunded", reversed_minor: 12_000 },
      instalments: [
        [10_000, "paid"],
        [3_000, "due"],
        [0, "due"],
      ],
      allocated: 13_000,
    });
    expect((await bankEvents(f.account.id)).map((e) => e.type)).toEqual([
      "payment.succeeded",
      "payment.refunded",
      "payment.refunded",
    ]);
  });

  it("a refund that arrives before the payment succeeded is kept and applied when the payment is credited", async () => {
    const f = await paymentIntoPlan();
    expect(await deliver(refundedEvent(f.payment, f.pi, 25_000))).toMatchObject({ result: "stored" });
    expect((await state(f)).payment).toMatchObject({ status: "pending", refunded_minor: 25_000 });
    expect(await deliver(succeeded(f))).toMatchObject({ result: "applied" });
    expect(await state(f)).toMatchObject({
      payment: { status: "refunded", reversed_minor: 25_000 },
      instalments: [
        [0, "due"],
        [0, "due"],
        [0, "due"],
      ],
      allocated: 0,
      pending: 0,
    });
  });

  it("a refund that unpays a completed plan puts it back in force, and an instalment now late breaks it", async () => {
    const f = await paymentIntoPlan({
      dueDates: ["2030-01-10", "2030-02-10", "2030-03-10"],
      amountMinor: 30_000,
    });
    await deliver(succeeded(f));
    expect((await state(f)).plan).toBe("completed");
    await deliver(refundedEvent(f.payment, f.pi, 30_000));
    expect((await state(f)).plan).toBe("active");
    expect(await markBrokenPlans(t.db, later(90))).toMatchObject({ broken: [f.plan.id] });
    expect((await state(f)).instalments).toEqual([
      [0, "missed"],
      [0, "missed"],
      [0, "due"],
    ]);
  });

  it("a payment the bank's balance already counts raises the arrears by what is refunded", async () => {
    const f = await paymentIntoPlan();
    await deliver(succeeded(f));
    // The bank's next balance includes the payment: it is confirmed and no longer netted.
    await t.db
      .updateTable("payments")
      .set({ bank_confirmed_at: later(2) })
      .where("id", "=", f.payment.id)
      .execute();
    const asOf = later(2);
    const netted = () =>
      pendingPaymentsMinor(t.db, { accountId: f.account.id, borrowerId: f.account.borrower_id, since: asOf });
    expect(await netted()).toBe(0);
    await deliver(refundedEvent(f.payment, f.pi, 5_000), later(10));
    expect(await netted()).toBe(-5_000);
  });
});

describe("disputes", () => {
  it("opened then lost: the whole payment is taken back and stays so", async () => {
    const f = await paymentIntoPlan();
    await deliver(succeeded(f));
    expect(await deliver(disputeEvent("charge.dispute.created", f.payment, f.pi))).toMatchObject({
      result: "reversed",
    });
    expect(await state(f)).toMatchObject({
      payment: { status: "disputed", reversed_minor: 25_000, dispute_status: "open" },
      instalments: [
        [0, "due"],
        [0, "due"],
        [0, "due"],
      ],
      allocated: 0,
    });
    expect(
      await deliver(disputeEvent("charge.dispute.closed", f.payment, f.pi, { status: "lost" })),
    ).toMatchObject({ result: "status_changed" });
    expect(await state(f)).toMatchObject({
      payment: { status: "charged_back", reversed_minor: 25_000, dispute_status: "lost" },
      allocated: 0,
      pending: 0,
    });
    expect((await bankEvents(f.account.id)).map((e) => e.type)).toEqual([
      "payment.succeeded",
      "payment.disputed",
      "payment.charged_back",
    ]);
  });

  it("opened then won: the payment is credited again, to the plan first", async () => {
    const f = await paymentIntoPlan();
    await deliver(succeeded(f));
    await deliver(disputeEvent("charge.dispute.created", f.payment, f.pi));
    expect(
      await deliver(disputeEvent("charge.dispute.closed", f.payment, f.pi, { status: "won" })),
    ).toMatchObject({ result: "recredited" });
    expect(await state(f)).toMatchObject({
      payment: { status: "succeeded", reversed_minor: 0, dispute_status: "won" },
      instalments: [
        [10_000, "paid"],
        [10_000, "paid"],
        [5_000, "due"],
      ],
      allocated: 25_000,
      pending: 25_000,
    });
    expect((await bankEvents(f.account.id)).map((e) => e.type)).toEqual([
      "payment.succeeded",
      "payment.disputed",
      "payment.dispute_won",
    ]);
  });

  it("closed before it was opened: the late `created` does not reopen it", async () => {
    const f = await paymentIntoPlan();
    await deliver(succeeded(f));
    await deliver(disputeEvent("charge.dispute.closed", f.payment, f.pi, { status: "won" }));
    expect(await deliver(disputeEvent("charge.dispute.created", f.payment, f.pi))).toMatchObject({
      result: "unchanged",
    });
    expect(await state(f)).toMatchObject({
      payment: { status: "succeeded", reversed_minor: 0 },
      allocated: 25_000,
    });
  });
});

describe("any order, any duplicates", () => {
  type Step = "succeeded" | "refunded" | "created" | "closed";
  const STEPS: Step[] = ["succeeded", "refunded", "created", "closed"];

  function eventsFor(f: Fixture, refundMinor: number, verdict: "won" | "lost") {
    return {
      succeeded: succeeded(f),
      refunded: refundedEvent(f.payment, f.pi, refundMinor),
      // Stripe disputes what is left of the charge after refunds.
      created: disputeEvent("charge.dispute.created", f.payment, f.pi, { amountMinor: 25_000 - refundMinor }),
      closed: disputeEvent("charge.dispute.closed", f.payment, f.pi, {
        status: verdict,
        amountMinor: 25_000 - refundMinor,
      }),
    } satisfies Record<Step, Record<string, unknown>>;
  }

  async function run(order: Step[], refundMinor: number, verdict: "won" | "lost") {
    const f = await paymentIntoPlan();
    const events = eventsFor(f, refundMinor, verdict);
    for (const [i, step] of order.entries()) await deliver(events[step], later(i + 1));
    const s = await state(f);
    return { ...s, payment: { ...s.payment } };
  }

  it("every delivery order of succeeded, refunded, dispute created and closed, with redeliveries, ends in one state (property)", async () => {
    const expected = new Map<string, Awaited<ReturnType<typeof run>>>();
    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray(STEPS, { minLength: 4, maxLength: 4 }),
        fc.array(fc.constantFrom(...STEPS), { maxLength: 3 }),
        fc.integer({ min: 1, max: 24_999 }),
        fc.constantFrom("won" as const, "lost" as const),
        async (order, again, refundMinor, verdict) => {
          const key = `${refundMinor}:${verdict}`;
          if (!expected.has(key)) expected.set(key, await run(STEPS, refundMinor, verdict));
          const got = await run([...order, ...again], refundMinor, verdict);
          expect(got).toEqual(expected.get(key));
          expect(got.allocated).toBe(25_000 - got.payment.reversed_minor);
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe("concurrent deliveries", () => {
  it("success, refund and dispute delivered at once, each several times, on two connections: one outcome", async () => {
    const f = await paymentIntoPlan();
    const events = [
      succeeded(f),
      refundedEvent(f.payment, f.pi, 4_000),
      disputeEvent("charge.dispute.created", f.payment, f.pi, { amountMinor: 21_000 }),
    ];
    await Promise.all(
      Array.from({ length: 12 }, (_, i) => {
        const { payload, header } = signed(events[i % events.length]!);
        return handleStripeWebhook(i % 2 ? second.db : t.db, payload, header, { now: later(1) });
      }),
    );
    expect(await state(f)).toMatchObject({
      payment: { status: "disputed", reversed_minor: 25_000, refunded_minor: 4_000, dispute_status: "open" },
      instalments: [
        [0, "due"],
        [0, "due"],
        [0, "due"],
      ],
      allocated: 0,
    });
    const types = (await bankEvents(f.account.id)).map((e) => e.type);
    expect(types.filter((type) => type === "payment.succeeded")).toHaveLength(1);
  });
});

describe("allocations", () => {
  /** One account, a plan, offline payments and portal payments with their refunds and disputes, in any order. */
  type Op =
    | { kind: "offline"; amountMinor: number }
    | { kind: "portal"; amountMinor: number }
    | { kind: "refund"; payment: number; cumulativeMinor: number }
    | { kind: "dispute"; payment: number; verdict: "open" | "won" | "lost" };
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ kind: fc.constant("offline" as const), amountMinor: fc.integer({ min: 1, max: 20_000 }) }),
    fc.record({ kind: fc.constant("portal" as const), amountMinor: fc.integer({ min: 1, max: 20_000 }) }),
    fc.record({
      kind: fc.constant("refund" as const),
      payment: fc.nat(5),
      cumulativeMinor: fc.integer({ min: 1, max: 20_000 }),
    }),
    fc.record({
      kind: fc.constant("dispute" as const),
      payment: fc.nat(5),
      verdict: fc.constantFrom("open" as const, "won" as const, "lost" as const),
    }),
  );

  async function apply(
    account: Account,
    portal: Array<{ payment: Awaited<ReturnType<typeof insertPayment>>; pi: string }>,
    o: Op,
    at: Date,
  ) {
    if (o.kind === "offline") {
      await t.db.transaction().execute((trx) =>
        applySucceededPayment(trx, {
          accountId: account.id,
          borrowerId: account.borrower_id,
          amountMinor: o.amountMinor,
          currency: "HKD",
          source: "offline_branch",
          idempotencyKey: `offline:${randomUUID()}`,
          now: at,
        }),
      );
    } else if (o.kind === "portal") {
      const payment = await insertPayment(t.db, account, {
        amount_minor: o.amountMinor,
        status: "pending",
        idempotency_key: `checkout:${randomUUID()}`,
      });
      const pi = id("pi");
      portal.push({ payment, pi });
      await deliver(intentEvent("payment_intent.succeeded", payment, pi), at);
    } else if (portal.length) {
      const { payment, pi } = portal[o.payment % portal.length]!;
      if (o.kind === "refund")
        await deliver(refundedEvent(payment, pi, Math.min(o.cumulativeMinor, payment.amount_minor)), at);
      else {
        await deliver(disputeEvent("charge.dispute.created", payment, pi), at);
        if (o.verdict !== "open")
          await deliver(disputeEvent("charge.dispute.closed", payment, pi, { status: o.verdict }), at);
      }
    }
  }

  it("the sum of allocations always equals the settled payments less what was reversed, account and instalments alike (property)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 8 }), async (ops) => {
        const f = await paymentIntoPlan();
        const portal: Array<{ payment: Awaited<ReturnType<typeof insertPayment>>; pi: string }> = [];
        for (const [i, o] of ops.entries()) await apply(f.account, portal, o, later(i + 1));

        const payments = await t.db
          .selectFrom("payments")
          .select(["id", "amount_minor", "reversed_minor", "succeeded_at"])
          .where("account_id", "=", f.account.id)
          .where("succeeded_at", "is not", null)
          .execute();
        const allocations = await t.db
          .selectFrom("payment_allocations")
          .select(["instalment_id", "amount_minor"])
          .where("payment_id", "in", payments.length ? payments.map((p) => p.id) : [randomUUID()])
          .execute();
        const settled = payments.reduce((s, p) => s + p.amount_minor, 0);
        const reversed = payments.reduce((s, p) => s + p.reversed_minor, 0);
        expect(allocations.reduce((s, a) => s + a.amount_minor, 0)).toBe(settled - reversed);
        // What the instalments show as paid is exactly what allocations put there.
        const instalments = await t.db
          .selectFrom("instalments")
          .select(["id", "paid_minor", "amount_minor"])
          .where("plan_id", "=", f.plan.id)
          .execute();
        for (const i of instalments) {
          const toIt = allocations
            .filter((a) => a.instalment_id === i.id)
            .reduce((s, a) => s + a.amount_minor, 0);
          expect(i.paid_minor).toBe(toIt);
          expect(i.paid_minor).toBeLessThanOrEqual(i.amount_minor);
        }
        // Every payment's own allocations are never negative in total, nor more than it paid.
        for (const p of payments) {
          const own = await t.db
            .selectFrom("payment_allocations")
            .select((eb) => eb.fn.sum<string>("amount_minor").as("sum"))
            .where("payment_id", "=", p.id)
            .executeTakeFirstOrThrow();
          expect(Number(own.sum ?? 0)).toBe(p.amount_minor - p.reversed_minor);
        }
      }),
      { numRuns: 20 },
    );
  });

  it("a payment credited before allocations were recorded is reversed from the account credit and the latest-paid instalments", async () => {
    const f = await paymentIntoPlan();
    // As migration 0030 found it: succeeded, the plan paid by running totals, no allocation rows.
    await t.db
      .updateTable("payments")
      .set({ status: "succeeded", succeeded_at: later(1), stripe_payment_intent_id: f.pi })
      .where("id", "=", f.payment.id)
      .execute();
    await t.db
      .updateTable("instalments")
      .set({ paid_minor: 10_000, status: "paid" })
      .where("plan_id", "=", f.plan.id)
      .where("seq", "<=", 2)
      .execute();
    await t.db
      .updateTable("instalments")
      .set({ paid_minor: 5_000 })
      .where("plan_id", "=", f.plan.id)
      .where("seq", "=", 3)
      .execute();

    await deliver(refundedEvent(f.payment, f.pi, 20_000), later(5));
    expect(await state(f)).toMatchObject({
      payment: { status: "partially_refunded", reversed_minor: 20_000 },
      instalments: [
        [5_000, "due"],
        [0, "due"],
        [0, "due"],
      ],
      allocated: 5_000,
    });
  });
});
