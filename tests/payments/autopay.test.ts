import { sql } from "kysely";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { decideForAccount } from "../../app/engine/planner.server";
import { runAutopay } from "../../app/payments/autopay-charges.server";
import { startAutopaySetup, turnOffAutopay } from "../../app/payments/autopay.server";
import { proposePlan } from "../../app/plans/plans.server";
import { borrowerToday } from "../../app/plans/plan-effects.server";
import { action as statusAction, loader as statusLoader } from "../../app/routes/account.plan_.status";
import { loader as staffBorrowerLoader } from "../../app/routes/staff.borrowers.$borrowerId";
import type { BorrowerPageView } from "../../app/staff/borrower-page.server";
import type { TestCard } from "../mocks/stripe-double-setup";
import { formRequest, getRequest, run as runRoute } from "../portal/action-helpers";
import { enrolledStaff, get, outcome, signedInCookie, staffContext } from "../staff/support";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { PORTAL_BASE, startStripeHarness } from "../support/stripe-harness";

/**
 * Autopay (docs/product-rules.md §7.11) with the real Stripe SDK against the test double: a card saved
 * through Checkout in setup mode and its signed webhooks, then the daily job charging off-session.
 */
let t: TestDatabase;
let harness: Awaited<ReturnType<typeof startStripeHarness>>;

beforeAll(async () => {
  t = await createTestDatabase();
  harness = await startStripeHarness(t);
});
// The job charges every plan on autopay: each test's plan stops being one when the test ends.
afterEach(async () => {
  await t.db.updateTable("plan_autopay").set({ status: "off" }).where("status", "<>", "off").execute();
});
afterAll(async () => {
  await harness?.close();
  await t?.destroy();
});

const DAY = 86_400_000;
const SUCCEEDS: TestCard = "4242424242424242";

function addDays(iso: string, days: number): string {
  return new Date(Date.parse(`${iso}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);
}

/** A borrower with an active plan whose first instalment is due `firstInDays` from today, card saved. */
async function onAutopay(card: TestCard, opts: { firstInDays?: number; locale?: "en" | "zh-HK" } = {}) {
  const { account, session } = await harness.verifiedBorrower();
  if (opts.locale)
    await t.db
      .updateTable("borrowers")
      .set({ locale: opts.locale })
      .where("id", "=", account.borrower_id)
      .execute();
  const now = new Date();
  const today = await borrowerToday(t.db, account.borrower_id, now);
  const firstDueDate = addDays(today, opts.firstInDays ?? 0);
  const plan = await proposePlan(t.db, { session, count: 3, frequency: "monthly", firstDueDate, now });
  if (plan.status !== "active") throw new Error(`plan not auto-approved: ${plan.status}`);
  const setup = await startAutopaySetup(t.db, { session, baseUrl: PORTAL_BASE, stripe: harness.stripe });
  if (setup.status !== "redirect") throw new Error(`no setup session: ${setup.status}`);
  const saved = await fetch(`${setup.url}/setup`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ card }),
    redirect: "manual",
  });
  expect(saved.status).toBe(303);
  expect(saved.headers.get("location")).toBe(`${PORTAL_BASE}/account/plan/status?autopay=saved`);
  await harness.double.idle();
  const autopay = await t.db
    .selectFrom("plan_autopay")
    .selectAll()
    .where("plan_id", "=", plan.planId)
    .executeTakeFirstOrThrow();
  const first = plan.instalments[0]!;
  return { account, session, planId: plan.planId, autopay, first, today, now };
}

const run = (now: Date) => runAutopay(t.db, { now, stripe: harness.stripe });

async function accountPayments(accountId: string) {
  return t.db
    .selectFrom("payments")
    .selectAll()
    .where("account_id", "=", accountId)
    .orderBy("created_at")
    .execute();
}

async function firstInstalment(planId: string) {
  return t.db
    .selectFrom("instalments")
    .selectAll()
    .where("plan_id", "=", planId)
    .orderBy("seq")
    .executeTakeFirstOrThrow();
}

async function texts(accountId: string, templateKey: string) {
  return t.db
    .selectFrom("messages")
    .select(["body", "status", "locale"])
    .where("account_id", "=", accountId)
    .where("template_key", "=", templateKey)
    .execute();
}

async function tries(planId: string) {
  return t.db
    .selectFrom("autopay_charges")
    .selectAll()
    .where("plan_id", "=", planId)
    .orderBy("try")
    .execute();
}

describe("turning autopay on: Checkout in setup mode", () => {
  it("stores the saved method for the plan from the signed webhook, on the borrower's own Customer", async () => {
    const { account, planId, autopay } = await onAutopay(SUCCEEDS);
    expect(autopay.status).toBe("on");
    expect(autopay.stripe_payment_method_id).toMatch(/^pm_test_/);
    const customer = await t.db
      .selectFrom("stripe_customers")
      .select("stripe_customer_id")
      .where("borrower_id", "=", account.borrower_id)
      .executeTakeFirstOrThrow();
    expect(autopay.stripe_customer_id).toBe(customer.stripe_customer_id);
    expect(harness.double.paymentMethod(autopay.stripe_payment_method_id!)?.customer).toBe(
      customer.stripe_customer_id,
    );
    const events = await t.db
      .selectFrom("bank_events")
      .select("type")
      .where("account_id", "=", account.id)
      .where("type", "=", "plan.autopay_on")
      .execute();
    expect(events).toHaveLength(1);
    // Both setup events were delivered; the second found autopay already on.
    const stripeEvents = await t.db
      .selectFrom("stripe_events")
      .select("type")
      .where(
        sql<boolean>`payload @> ${JSON.stringify({ data: { object: { metadata: { planId } } } })}::jsonb`,
      )
      .execute();
    expect(stripeEvents.map((e) => e.type).sort()).toEqual([
      "checkout.session.completed",
      "setup_intent.succeeded",
    ]);
  });
});

describe("the daily job charges each instalment due today off-session", () => {
  it("charges the instalment once, even when run twice at the same time and again later that day", async () => {
    const { account, planId, first, now } = await onAutopay(SUCCEEDS);
    const [a, b] = await Promise.all([run(now), run(now)]);
    expect(a.charged + b.charged).toBe(1);
    expect((await run(new Date(now.getTime() + 60_000))).charged).toBe(0);
    await harness.double.idle();
    const payments = await accountPayments(account.id);
    expect(payments).toHaveLength(1);
    expect(payments[0]).toMatchObject({
      status: "succeeded",
      amount_minor: first.amountMinor,
      currency: "HKD",
    });
    expect(payments[0]!.stripe_payment_intent_id).toMatch(/^pi_test_/);
    expect(await firstInstalment(planId)).toMatchObject({ status: "paid", paid_minor: first.amountMinor });
    expect(await tries(planId)).toMatchObject([{ try: 1, status: "succeeded" }]);
    // Credited through the one payment path: its allocation, and the receipt.
    const allocated = await t.db
      .selectFrom("payment_allocations")
      .select("amount_minor")
      .where("payment_id", "=", payments[0]!.id)
      .execute();
    expect(allocated.reduce((s, r) => s + r.amount_minor, 0)).toBe(first.amountMinor);
    expect(await texts(account.id, "confirmation.payment_receipt")).toHaveLength(1);
  });

  it("tries a soft decline again the next day, and then the charge succeeds", async () => {
    const { account, planId, autopay, now } = await onAutopay("4000000000009995");
    expect(await run(now)).toMatchObject({ charged: 0, declined: 1, payByHandTexts: 0 });
    expect((await run(new Date(now.getTime() + 3_600_000))).declined).toBe(0);
    expect(await tries(planId)).toMatchObject([
      { try: 1, status: "soft_declined", decline_code: "insufficient_funds" },
    ]);
    expect(await texts(account.id, "confirmation.autopay_failed")).toHaveLength(0);

    harness.double.setCard(autopay.stripe_payment_method_id!, SUCCEEDS);
    expect((await run(new Date(now.getTime() + DAY))).charged).toBe(1);
    await harness.double.idle();
    expect(await tries(planId)).toMatchObject([
      { try: 1, status: "soft_declined" },
      { try: 2, status: "succeeded" },
    ]);
    expect((await accountPayments(account.id)).map((p) => p.status)).toEqual(["failed", "succeeded"]);
    expect((await firstInstalment(planId)).status).toBe("paid");
  });

  it("after the last soft decline texts a link to pay by hand, once", async () => {
    const { account, planId, now } = await onAutopay("4000000000009995");
    for (let day = 0; day < 5; day++) await run(new Date(now.getTime() + day * DAY));
    expect((await tries(planId)).map((x) => x.status)).toEqual([
      "soft_declined",
      "soft_declined",
      "soft_declined",
    ]);
    expect(await texts(account.id, "confirmation.autopay_failed")).toHaveLength(1);
  });

  for (const [card, status, code] of [
    ["4000000000009987", "hard_declined", "lost_card"],
    ["4000002760003184", "authentication_required", "authentication_required"],
  ] as const) {
    it(`${status}: texts a signed link to pay by hand and stops trying that instalment`, async () => {
      const { account, planId, first, now } = await onAutopay(card);
      expect(await run(now)).toMatchObject({ charged: 0, declined: 1, payByHandTexts: 1 });
      expect(await run(new Date(now.getTime() + DAY))).toMatchObject({ declined: 0, charged: 0 });
      expect(await tries(planId)).toMatchObject([{ try: 1, status, decline_code: code }]);
      const [text] = await texts(account.id, "confirmation.autopay_failed");
      expect(text?.status).toBe("queued");
      expect(text?.body).toContain("HK$");
      expect(text?.body).toMatch(/\/r\/\S+/);
      const links = await t.db
        .selectFrom("short_links")
        .select("id")
        .where("account_id", "=", account.id)
        .execute();
      expect(links.length).toBeGreaterThanOrEqual(2);
      const failed = await t.db
        .selectFrom("bank_events")
        .select("payload")
        .where("account_id", "=", account.id)
        .where("type", "=", "plan.autopay_charge_failed")
        .execute();
      expect(failed).toHaveLength(1);
      expect(failed[0]!.payload).toMatchObject({ outcome: status, amountMinor: first.amountMinor });
      await harness.double.idle();
      expect((await accountPayments(account.id)).map((p) => p.status)).toEqual(["failed"]);
    });
  }
});

describe("the reminder 3 days before", () => {
  it("says what will be charged and when, in the borrower's language, once", async () => {
    const { account, now } = await onAutopay(SUCCEEDS, { firstInDays: 3, locale: "zh-HK" });
    expect((await run(now)).reminded).toBe(1);
    expect((await run(new Date(now.getTime() + 60_000))).reminded).toBe(0);
    const [text] = await texts(account.id, "confirmation.autopay_reminder");
    expect(text?.locale).toBe("zh-HK");
    expect(text?.body).toContain("自動扣款");
    expect(text?.body).toContain("HK$");
    expect(await accountPayments(account.id)).toHaveLength(0);
  });

  it("is not sent to a borrower who opted out of texts", async () => {
    const { account, now } = await onAutopay(SUCCEEDS, { firstInDays: 3 });
    await t.db
      .insertInto("contact_preferences")
      .values({ borrower_id: account.borrower_id, sms_opted_out_at: now })
      .onConflict((oc) => oc.column("borrower_id").doUpdateSet({ sms_opted_out_at: now }))
      .execute();
    expect((await run(now)).reminded).toBe(0);
    expect(await texts(account.id, "confirmation.autopay_reminder")).toHaveLength(0);
  });
});

describe("turning autopay off", () => {
  it("stops the charges and detaches the saved method at Stripe", async () => {
    const { account, session, autopay, now } = await onAutopay(SUCCEEDS);
    expect(await turnOffAutopay(t.db, { session, stripe: harness.stripe, now })).toEqual({
      status: "off",
      detached: true,
    });
    expect(harness.double.paymentMethod(autopay.stripe_payment_method_id!)?.customer).toBeNull();
    expect(await run(now)).toMatchObject({ charged: 0, declined: 0 });
    expect(await accountPayments(account.id)).toHaveLength(0);
    expect(await turnOffAutopay(t.db, { session, stripe: harness.stripe, now })).toEqual({
      status: "not_on",
    });
  });
});

describe("the schedule", () => {
  it("sends no 'pay here' instalment reminder while autopay is on, and does again once it is off", async () => {
    const { account, session, now } = await onAutopay(SUCCEEDS, { firstInDays: 2 });
    const decided = async () => (await decideForAccount(t.db, account.id, now))!.decision;
    expect(await decided()).toMatchObject({ action: "defer", reason: "autopay_scheduled" });
    await turnOffAutopay(t.db, { session, stripe: harness.stripe, now });
    const after = await decided();
    expect(after.reason).not.toBe("autopay_scheduled");
    // Due in 2 days: reminded now, or at the next permitted time (quiet hours at whatever hour the suite runs).
    if (after.action === "send") expect(after.template).toBe("instalment_due");
    else expect(after, JSON.stringify(after)).toMatchObject({ action: "defer", stage: "pre_due" });
  });
});

describe("the plan status page and the console", () => {
  it("the borrower turns autopay on from the plan page and off again; staff see its state on the borrower page", async () => {
    const { account, session, cookie: setCookie } = await harness.verifiedBorrower();
    const cookie = setCookie.split(";")[0]!;
    const today = await borrowerToday(t.db, account.borrower_id, new Date());
    const plan = await proposePlan(t.db, { session, count: 3, frequency: "monthly", firstDueDate: today });
    if (plan.status !== "active") throw new Error(`plan not auto-approved: ${plan.status}`);
    const { user } = await enrolledStaff(t.db, "agent");
    const staffCookie = await signedInCookie(t.db, user);
    const staffSees = async () => {
      const page = await outcome(() =>
        staffBorrowerLoader({
          request: get(`/staff/borrowers/${account.borrower_id}`, staffCookie),
          params: { borrowerId: account.borrower_id },
          context: staffContext(t.db),
        }),
      );
      const entry = (page.data as BorrowerPageView).timeline.find((e) => e.kind === "plan");
      return entry?.kind === "plan" ? entry.autopay : undefined;
    };
    const path = "/account/plan/status";
    const page = async () => (await runRoute(statusLoader, getRequest(path, cookie), t.db)).data;
    expect((await page()).autopay).toEqual({ planId: plan.planId, status: null });

    const on = await runRoute(statusAction, formRequest(path, cookie, { intent: "autopay_on" }), t.db);
    expect(on.status).toBe(303);
    expect(on.location).toMatch(new RegExp(`^${harness.double.url}/checkout/cs_test_`));
    await fetch(`${on.location}/setup`, {
      method: "POST",
      body: new URLSearchParams({ card: SUCCEEDS }),
      redirect: "manual",
    });
    await harness.double.idle();
    expect((await page()).autopay.status).toBe("on");
    expect(await staffSees()).toBe("on");

    const off = await runRoute(statusAction, formRequest(path, cookie, { intent: "autopay_off" }), t.db);
    expect(off).toMatchObject({ status: 303, location: "/account/plan/status?autopay=off" });
    expect((await page()).autopay.status).toBe("off");
    expect(await staffSees()).toBe("off");
    const row = await t.db
      .selectFrom("plan_autopay")
      .select(["stripe_payment_method_id", "detached_at"])
      .where("account_id", "=", account.id)
      .executeTakeFirstOrThrow();
    expect(row.detached_at).not.toBeNull();
    expect(harness.double.paymentMethod(row.stripe_payment_method_id!)?.customer).toBeNull();
  });
});
