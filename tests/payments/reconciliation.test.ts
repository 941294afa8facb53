import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DateTime } from "luxon";
import { BalanceUnavailableError, runReconciliation } from "../../app/payments/reconciliation.server";
import { createStripeClient } from "../../app/payments/stripe-client.server";
import { loader as pageLoader, action as pageAction } from "../../app/routes/staff.reconciliation";
import { loader as csvLoader } from "../../app/routes/staff.reconciliation[.]csv";
import { cardFee } from "../mocks/stripe-double-ledger";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { freePort } from "../support/free-port";
import { startStripeHarness } from "../support/stripe-harness";
import { enrolledStaff, get, outcome, post, signedInCookie, staffContext } from "../staff/support";

/**
 * Reconciliation (docs/product-rules.md §6.8) through the real Stripe SDK: payments, a refund and a won
 * dispute made on the test double, whose balance transactions the day's run lists page by page.
 */
let t: TestDatabase;
let harness: Awaited<ReturnType<typeof startStripeHarness>>;
// A zone where it is now about noon, so that the day's payments never straddle midnight.
const offset = 12 - new Date().getUTCHours();
const timeZone = offset === 0 ? "UTC" : `Etc/GMT${offset > 0 ? "-" : "+"}${Math.abs(offset)}`;
const today = () => DateTime.now().setZone(timeZone).toISODate()!;

beforeAll(async () => {
  t = await createTestDatabase();
  process.env.RECONCILIATION_TIME_ZONE = timeZone;
  harness = await startStripeHarness(t);
});
afterAll(async () => {
  await harness?.close();
  await t?.destroy();
});

const reconcileToday = () => runReconciliation(t.db, { day: today(), timeZone, stripe: harness.stripe });

describe("daily reconciliation against the test double's balance", () => {
  it("a day of payments, a partial refund and a won dispute matches, with Stripe's fees beside it", async () => {
    const hk = await harness.paidThroughDouble();
    const us = await harness.paidThroughDouble({ currency: "USD" });
    await harness.stripe.refunds.create({ payment_intent: hk.pi, amount: 23_400 });
    const dispute = harness.double.dispute(us.pi);
    await harness.double.idle();
    await harness.stripe.disputes.update(dispute, { evidence: { uncategorized_text: "winning_evidence" } });
    await harness.double.idle();

    const report = await reconcileToday();
    expect(report.mismatches).toEqual([]);
    expect(report.totals).toEqual([
      {
        currency: "HKD",
        settle: { charge: 123_400, refund: -23_400, dispute: 0, dispute_reversal: 0 },
        stripe: {
          charge: 123_400,
          refund: -23_400,
          dispute: 0,
          dispute_reversal: 0,
          fees: cardFee(123_400, "hkd"),
          net: 100_000 - cardFee(123_400, "hkd"),
        },
        mismatches: 0,
      },
      {
        currency: "USD",
        settle: { charge: 123_400, refund: 0, dispute: -123_400, dispute_reversal: 123_400 },
        stripe: {
          charge: 123_400,
          refund: 0,
          dispute: -123_400,
          dispute_reversal: 123_400,
          // The dispute fee is charged and, the dispute won, given back.
          fees: cardFee(123_400, "usd"),
          net: 123_400 - cardFee(123_400, "usd"),
        },
        mismatches: 0,
      },
    ]);
    const run = await t.db
      .selectFrom("reconciliation_runs")
      .selectAll()
      .where("day", "=", today())
      .executeTakeFirstOrThrow();
    expect(run).toMatchObject({ status: "matched", mismatches: 0, time_zone: timeZone });
    const audit = await t.db
      .selectFrom("audit_events")
      .select(["actor_type", "detail"])
      .where("action", "=", "reconciliation.run")
      .execute();
    expect(audit).toEqual([{ actor_type: "system", detail: { day: today(), timeZone, mismatches: 0 } }]);
  });

  it("flags a payment Stripe took that Settle credited on another day, and a credit Stripe never saw", async () => {
    const late = await harness.paidThroughDouble();
    await t.db
      .updateTable("payments")
      .set({ succeeded_at: DateTime.now().minus({ days: 2 }).toJSDate() })
      .where("id", "=", late.payment.id)
      .execute();
    const { account } = await harness.verifiedBorrower();
    await t.db
      .insertInto("payments")
      .values({
        account_id: account.id,
        borrower_id: account.borrower_id,
        amount_minor: 50_000,
        currency: "HKD",
        source: "portal",
        status: "succeeded",
        idempotency_key: `forged-${account.id}`,
        stripe_payment_intent_id: "pi_test_stripe_never_saw_this",
        succeeded_at: new Date(),
      })
      .execute();

    const report = await reconcileToday();
    expect(report.mismatches).toHaveLength(2);
    expect(report.mismatches).toEqual(
      expect.arrayContaining([
        {
          currency: "HKD",
          category: "charge",
          paymentIntentId: late.pi,
          settleMinor: 0,
          stripeMinor: 123_400,
        },
        {
          currency: "HKD",
          category: "charge",
          paymentIntentId: "pi_test_stripe_never_saw_this",
          settleMinor: 50_000,
          stripeMinor: 0,
        },
      ]),
    );
    expect(report.totals.find((c) => c.currency === "HKD")?.mismatches).toBe(2);
  });

  it("the console shows the stored day with each mismatch's borrower, reruns it, and downloads it as CSV, audited", async () => {
    const { user } = await enrolledStaff(t.db, "supervisor");
    const cookie = await signedInCookie(t.db, user);
    const context = staffContext(t.db);
    const page = await outcome(() =>
      pageLoader({ request: get(`/staff/reconciliation?day=${today()}`, cookie), params: {}, context }),
    );
    const view = page.data as { report: { mismatches: unknown[] }; borrowers: Record<string, string> };
    expect(view.report.mismatches).toHaveLength(2);
    expect(Object.keys(view.borrowers)).toHaveLength(2);

    const rerun = await outcome(() =>
      pageAction({
        request: post("/staff/reconciliation", { intent: "run", day: today() }, cookie),
        params: {},
        context,
      }),
    );
    expect(rerun).toMatchObject({ status: 303, location: `/staff/reconciliation?day=${today()}` });

    const csv = (await csvLoader({
      request: get(`/staff/reconciliation.csv?day=${today()}`, cookie),
      params: {},
      context,
    })) as Response;
    expect(csv.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    const lines = (await csv.text()).trim().split("\n");
    expect(lines[0]).toBe(
      "day,time_zone,row,currency,category,payment_intent,settle_minor,stripe_minor,fee_minor",
    );
    expect(lines.filter((l) => l.includes(",mismatch,"))).toHaveLength(2);
    expect(lines).toContain(
      `${today()},${timeZone},mismatch,HKD,charge,pi_test_stripe_never_saw_this,50000,0,`,
    );

    const views = await t.db
      .selectFrom("audit_events")
      .select("detail")
      .where("action", "=", "staff.viewed_reconciliation")
      .where("actor_id", "=", user.id)
      .execute();
    expect(views.map((v) => (v.detail as { format: string }).format)).toEqual(["page", "csv"]);
  });

  it("a day that is not a date is refused (400); Stripe out of reach stores nothing and says so", async () => {
    const { user } = await enrolledStaff(t.db, "admin");
    const cookie = await signedInCookie(t.db, user);
    const context = staffContext(t.db);
    const bad = await outcome(() =>
      pageAction({
        request: post("/staff/reconciliation", { intent: "run", day: "2026-02-30" }, cookie),
        params: {},
        context,
      }),
    );
    expect(bad.status).toBe(400);
    const unreachable = createStripeClient({ secretKey: null, testDoublePort: await freePort() });
    await expect(
      runReconciliation(t.db, { day: "2026-01-05", timeZone, stripe: unreachable }),
    ).rejects.toThrow(BalanceUnavailableError);
    expect(
      await t.db.selectFrom("reconciliation_runs").select("id").where("day", "=", "2026-01-05").execute(),
    ).toEqual([]);
  });
});
