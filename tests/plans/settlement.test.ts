import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Account } from "../../db/schema";
import { runSchedule, type DecisionLine } from "../../app/engine/planner.server";
import { lapseSettlements } from "../../app/plans/settlement-lifecycle.server";
import { action, loader } from "../../app/routes/account.settlement";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { startStripeHarness } from "../support/stripe-harness";
import { formRequest, getRequest, run } from "../portal/action-helpers";

/**
 * Settlement offers in the portal (issue #21 item 5, docs/product-rules.md §7.10): the band offer, accepting
 * it, paying each payment through Checkout (the real SDK against the test double, whose signed webhooks
 * reach the real route), the account settled out of the schedule, and a lapse on a missed payment.
 */
let t: TestDatabase;
let harness: Awaited<ReturnType<typeof startStripeHarness>>;
beforeAll(async () => {
  t = await createTestDatabase();
  harness = await startStripeHarness(t);
});
afterAll(async () => {
  await harness?.close();
  await t?.destroy();
});

const DAY = 86_400_000;

async function decision(account: Account, now: Date): Promise<DecisionLine | undefined> {
  const lines: DecisionLine[] = [];
  await runSchedule(t.db, { now, dryRun: true, onDecision: (l) => lines.push(l) });
  return lines.find((l) => l.account === account.external_ref);
}

async function offerPage(cookie: string, query = "") {
  return run(loader, getRequest(`/account/settlement${query}`, cookie), t.db);
}

async function bankEventTypes(account: Account) {
  const rows = await t.db
    .selectFrom("bank_events")
    .select("type")
    .where("account_id", "=", account.id)
    .where("type", "like", "settlement.%")
    .orderBy("created_at")
    .execute();
  return rows.map((r) => r.type);
}

/** A borrower 95 days past due on HK$10,000.00: inside the default band (90+ days, 20%, 1 or 3 payments). */
const inBand = () => harness.verifiedBorrower({ dpd: 95, balance_minor: 1_000_000, overdue_minor: 400_000 });

async function accept(cookie: string, settlementId: string, paymentCount: number, agreedMinor: number) {
  return run(
    action,
    formRequest("/account/settlement", cookie, {
      intent: "accept",
      settlementId,
      paymentCount: String(paymentCount),
      agreedMinor: String(agreedMinor),
    }),
    t.db,
  );
}

async function payNext(cookie: string) {
  const out = await run(action, formRequest("/account/settlement", cookie, { intent: "pay" }), t.db);
  expect(out.status).toBe(303);
  await fetch(`${out.location}/pay`, { method: "POST", redirect: "manual" });
  await harness.double.idle();
}

describe("band offers", () => {
  it("offers the band's discount to an account in the band, and nothing below it", async () => {
    const { cookie, account } = await inBand();
    const page = await offerPage(cookie);
    expect(page.data.settlement).toMatchObject({
      status: "offered",
      balanceMinor: 1_000_000,
      agreedMinor: 800_000,
      paymentCounts: [1, 3],
    });
    expect(page.data.chosen.count).toBe(1);
    expect(page.data.chosen.payments).toHaveLength(1);
    expect(page.data.chosen.termsText).toContain("HK$8,000.00");
    const three = await offerPage(cookie, "?payments=3");
    expect(three.data.chosen.payments.map((p: { amountMinor: number }) => p.amountMinor)).toEqual([
      266_668, 266_666, 266_666,
    ]);
    // The same offer on every visit: made once, kept for its validity.
    expect(three.data.settlement.id).toBe(page.data.settlement.id);
    expect(await bankEventTypes(account)).toEqual(["settlement.offered"]);

    const below = await harness.verifiedBorrower({ dpd: 60, balance_minor: 1_000_000 });
    expect((await offerPage(below.cookie)).data.settlement).toBeNull();
  });
});

describe("accept, pay, settled", () => {
  it("accepts with the terms stored, pays its three payments through Checkout, and the schedule stops with settlement_paid", async () => {
    const { cookie, account } = await inBand();
    const offer = (await offerPage(cookie, "?payments=3")).data;
    const shownTerms = offer.chosen.termsText;
    const before = await decision(account, new Date());
    expect(before?.reason).not.toMatch(/^settlement/);

    const accepted = await accept(cookie, offer.settlement.id, 3, 800_000);
    expect(accepted).toMatchObject({ status: 303, location: "/account/settlement?accepted=1" });
    const row = await t.db
      .selectFrom("settlements")
      .selectAll()
      .where("id", "=", offer.settlement.id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      status: "accepted",
      payment_count: 3,
      terms_text: shownTerms,
      terms_locale: "en",
    });
    expect(row.terms_version).toMatch(/^settlement-terms-/);
    expect((await decision(account, new Date()))?.reason).toBe("settlement_in_force");

    for (let i = 0; i < 3; i++) await payNext(cookie);
    const paid = (await offerPage(cookie)).data.settlement;
    expect(paid.status).toBe("paid");
    expect(paid.payments.map((p: { status: string }) => p.status)).toEqual(["paid", "paid", "paid"]);
    const succeeded = await harness.payments(account);
    expect(succeeded.map((p) => p.amount_minor).sort()).toEqual([266_666, 266_666, 266_668]);
    expect(await bankEventTypes(account)).toEqual([
      "settlement.offered",
      "settlement.accepted",
      "settlement.paid",
    ]);
    // The bank's balance still says HK$2,000.00 owed; the account is settled all the same.
    expect(await decision(account, new Date(Date.now() + 7 * DAY))).toMatchObject({
      action: "suppress",
      reason: "settlement_paid",
    });
  });

  it("refuses an amount other than the one the offer shows, or a count it does not allow, and writes nothing", async () => {
    const { cookie, account } = await inBand();
    const offer = (await offerPage(cookie)).data;
    const changed = await accept(cookie, offer.settlement.id, 1, 700_000);
    expect(changed).toMatchObject({ status: 409, data: { problem: "changed" } });
    const badCount = await accept(cookie, offer.settlement.id, 2, 800_000);
    expect(badCount).toMatchObject({ status: 400, data: { problem: "invalidCount" } });
    const garbage = await run(
      action,
      formRequest("/account/settlement", cookie, {
        intent: "accept",
        settlementId: "x",
        paymentCount: "many",
      }),
      t.db,
    );
    expect(garbage).toMatchObject({ status: 400, data: { problem: "invalidCount" } });
    const row = await t.db
      .selectFrom("settlements")
      .select(["status", "terms_text"])
      .where("id", "=", offer.settlement.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ status: "offered", terms_text: null });
    expect(await bankEventTypes(account)).toEqual(["settlement.offered"]);
  });
});

describe("lapse", () => {
  it("a payment unpaid past the grace days lapses the settlement and the account goes back to the schedule", async () => {
    const { cookie, account } = await inBand();
    const offer = (await offerPage(cookie, "?payments=3")).data;
    await accept(cookie, offer.settlement.id, 3, 800_000);
    const now = Date.now();
    expect((await lapseSettlements(t.db, new Date(now + 6 * DAY))).lapsed).not.toContain(offer.settlement.id);
    expect((await lapseSettlements(t.db, new Date(now + 9 * DAY))).lapsed).toContain(offer.settlement.id);
    const page = (await offerPage(cookie)).data.settlement;
    expect(page.status).toBe("lapsed");
    expect(page.payments[0].status).toBe("missed");
    expect(await bankEventTypes(account)).toEqual([
      "settlement.offered",
      "settlement.accepted",
      "settlement.lapsed",
    ]);
    expect((await decision(account, new Date(now + 9 * DAY)))?.reason).not.toMatch(/^settlement/);
  });
});
