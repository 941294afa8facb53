import { sql } from "kysely";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Account } from "../../db/schema";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { freePort } from "../support/free-port";
import { type insertAccount } from "../support/builders";
import { requestWithCookies } from "../support/links";
import {
  CheckoutUnavailableError,
  PaymentAmountError,
  startCheckout,
} from "../../app/payments/payments.server";
import { createStripeClient } from "../../app/payments/stripe-client.server";
import { DEV_WEBHOOK_SECRET, loadStripeConfig } from "../../app/payments/stripe-config.server";
import { parseStripeForm, type StripeTestDouble } from "../mocks/stripe-double";
import { PORTAL_BASE, startStripeHarness } from "../support/stripe-harness";
import { securityHeaders } from "../../app/server/security.server";
import { action as payAction, loader as payLoader } from "../../app/routes/account.pay";
import { loader as returnLoader } from "../../app/routes/account.pay_.return";
import { action as webhookAction, loader as webhookLoader } from "../../app/routes/webhooks.stripe";

/** The pay journey below the browser (tests/support/stripe-harness.ts). */
let t: TestDatabase;
let harness: Awaited<ReturnType<typeof startStripeHarness>>;
let double: StripeTestDouble;
let stripe: Stripe;
const BASE = PORTAL_BASE;

beforeAll(async () => {
  t = await createTestDatabase();
  // The pay page's ways to pay read these on first use.
  process.env.STRIPE_PAYMENT_METHODS = "card,alipay,wechat_pay";
  process.env.FPS_ID = "1234567";
  harness = await startStripeHarness(t);
  ({ double, stripe } = harness);
});
afterAll(async () => {
  await harness?.close();
  await t?.destroy();
});

const ctx = () => harness.ctx();
const verifiedBorrower = (overrides: Parameters<typeof insertAccount>[1] = {}) =>
  harness.verifiedBorrower(overrides);
const payments = (account: Account) => harness.payments(account);

function post(cookie: string, fields: Record<string, string>, path = "/account/pay") {
  const request = requestWithCookies([cookie], `${BASE}${path}`);
  return new Request(request.url, {
    method: "POST",
    headers: { Cookie: request.headers.get("Cookie")!, "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields),
  });
}

type ActionData = {
  data: { result: { error?: Record<string, string[] | null> } };
  init: { status: number } | null;
};

describe("startCheckout with the real SDK against the test double", () => {
  it("creates a pending payment and a Checkout Session carrying amount, currency and metadata", async () => {
    const { account, session } = await verifiedBorrower();
    const { paymentId, url } = await startCheckout(t.db, {
      session,
      amountChoice: "overdue",
      baseUrl: BASE,
      locale: "zh-HK",
      itemName: "尾號 1234 帳戶還款",
      stripe,
    });
    expect(url).toMatch(new RegExp(`^${double.url}/checkout/cs_test_\\w+$`));
    const [row] = await payments(account);
    expect(row).toMatchObject({
      id: paymentId,
      status: "pending",
      source: "portal",
      amount_minor: 123_400,
      currency: "HKD",
    });
    expect(row!.idempotency_key).toMatch(/^checkout:/);
    const cs = await stripe.checkout.sessions.retrieve(row!.stripe_checkout_session_id!);
    expect(cs).toMatchObject({
      amount_total: 123_400,
      currency: "hkd",
      mode: "payment",
      client_reference_id: paymentId,
      metadata: { paymentId, accountId: account.id },
      locale: "zh-HK",
      payment_status: "unpaid",
      success_url: `${BASE}/account/pay/return?payment=${paymentId}`,
      cancel_url: `${BASE}/account/pay?cancelled=1`,
    });
    const audit = await t.db
      .selectFrom("audit_events")
      .select("detail")
      .where("action", "=", "payment.checkout_started")
      .where("subject_id", "=", paymentId)
      .executeTakeFirstOrThrow();
    expect(audit.detail).toMatchObject({ choice: "overdue", amountMinor: 123_400 });
  });

  it("uses a fresh idempotency key per attempt, and the double honours the key", async () => {
    const { account, session } = await verifiedBorrower();
    const a = await startCheckout(t.db, { session, amountChoice: "full", baseUrl: BASE, stripe });
    const b = await startCheckout(t.db, { session, amountChoice: "full", baseUrl: BASE, stripe });
    expect(a.url).not.toBe(b.url);
    const rows = await payments(account);
    expect(new Set(rows.map((r) => r.idempotency_key)).size).toBe(2);
    // Same key, same parameters: the same session (what an SDK network retry relies on).
    const params = {
      mode: "payment" as const,
      success_url: `${BASE}/ok`,
      line_items: [
        { quantity: 1, price_data: { currency: "hkd", unit_amount: 100, product_data: { name: "x" } } },
      ],
    };
    const one = await stripe.checkout.sessions.create(params, { idempotencyKey: "same-key" });
    const two = await stripe.checkout.sessions.create(params, { idempotencyKey: "same-key" });
    expect(two.id).toBe(one.id);
    await expect(
      stripe.checkout.sessions.create(
        { ...params, success_url: `${BASE}/other` },
        { idempotencyKey: "same-key" },
      ),
    ).rejects.toThrow(Stripe.errors.StripeIdempotencyError);
  });

  it("re-checks the amount on the server: above the balance is refused and nothing is written", async () => {
    const { account, session } = await verifiedBorrower();
    await expect(
      startCheckout(t.db, {
        session,
        amountChoice: "custom",
        customAmountMinor: 500_001,
        baseUrl: BASE,
        stripe,
      }),
    ).rejects.toThrow(PaymentAmountError);
    await expect(
      startCheckout(t.db, {
        session,
        amountChoice: "custom",
        customAmountMinor: -100,
        baseUrl: BASE,
        stripe,
      }),
    ).rejects.toThrow(PaymentAmountError);
    expect(await payments(account)).toHaveLength(0);
  });

  it("when Stripe cannot be reached, the attempt is marked failed and the caller told", async () => {
    const { account, session } = await verifiedBorrower();
    const unreachable = createStripeClient({ secretKey: null, testDoublePort: await freePort() });
    await expect(
      startCheckout(t.db, { session, amountChoice: "overdue", baseUrl: BASE, stripe: unreachable }),
    ).rejects.toThrow(CheckoutUnavailableError);
    expect((await payments(account)).map((p) => p.status)).toEqual(["failed"]);
  }, 30_000);

  it("Pay on the test checkout page sends signed webhooks that apply the payment once; the return page shows it", async () => {
    const { account, session, cookie } = await verifiedBorrower();
    const { paymentId, url } = await startCheckout(t.db, {
      session,
      amountChoice: "custom",
      customAmountMinor: 20_000,
      baseUrl: BASE,
      stripe,
    });

    const page = await fetch(url);
    const html = await page.text();
    expect(html).toContain("HK$200.00");
    expect(html).toContain("HKD");
    expect(html).toMatch(/<form method="post" action="\/checkout\/cs_test_\w+\/pay">/);
    expect(page.headers.get("content-security-policy")).toContain(`form-action 'self' ${BASE}`);

    const returnUrl = `${BASE}/account/pay/return?payment=${paymentId}`;
    const before = (await returnLoader({
      request: requestWithCookies([cookie], returnUrl),
      params: {},
      context: ctx(),
    })) as unknown as { data: { state: string; refresh: boolean } };
    expect(before.data).toMatchObject({
      state: "processing",
      refresh: true,
      refreshUrl: `/account/pay/return?payment=${paymentId}&n=1`,
    });
    // The self-refresh stops after about two minutes of waiting (40 visits) and the page says so.
    const capped = (await returnLoader({
      request: requestWithCookies([cookie], `${returnUrl}&n=40`),
      params: {},
      context: ctx(),
    })) as unknown as { data: { refresh: boolean; refreshUrl: string | null } };
    expect(capped.data).toMatchObject({ refresh: false, refreshUrl: null });

    const paid = await fetch(`${url}/pay`, { method: "POST", redirect: "manual" });
    expect(paid.status).toBe(303);
    expect(paid.headers.get("location")).toBe(returnUrl);
    await double.idle();

    const [row] = await payments(account);
    expect(row).toMatchObject({
      status: "succeeded",
      stripe_checkout_session_id: expect.stringMatching(/^cs_test_/),
      stripe_payment_intent_id: expect.stringMatching(/^pi_test_/),
    });
    const events = await t.db
      .selectFrom("stripe_events")
      .select(["type", "processed_at"])
      .where(
        sql<boolean>`payload @> ${JSON.stringify({ data: { object: { metadata: { paymentId } } } })}::jsonb`,
      )
      .execute();
    expect(events.map((e) => e.type).sort()).toEqual([
      "checkout.session.completed",
      "payment_intent.succeeded",
    ]);
    expect(events.every((e) => e.processed_at)).toBe(true);
    expect(
      await t.db.selectFrom("bank_events").select("id").where("account_id", "=", account.id).execute(),
    ).toHaveLength(1);
    expect(
      await t.db
        .selectFrom("messages")
        .select("id")
        .where("account_id", "=", account.id)
        .where("template_key", "=", "confirmation.payment_receipt")
        .execute(),
    ).toHaveLength(1);

    const after = (await returnLoader({
      request: requestWithCookies([cookie], returnUrl),
      params: {},
      context: ctx(),
    })) as unknown as { data: { state: string; refresh: boolean } };
    expect(after.data).toMatchObject({ state: "received", refresh: false });
    // Paying again on the same session moves no money and sends nothing new.
    await fetch(`${url}/pay`, { method: "POST", redirect: "manual" });
    await double.idle();
    expect(
      await t.db.selectFrom("bank_events").select("id").where("account_id", "=", account.id).execute(),
    ).toHaveLength(1);
  });

  it("Decline card sends payment_intent.payment_failed and returns to the pay page", async () => {
    const { account, session } = await verifiedBorrower();
    const { url } = await startCheckout(t.db, { session, amountChoice: "overdue", baseUrl: BASE, stripe });
    const declined = await fetch(`${url}/decline`, { method: "POST", redirect: "manual" });
    expect(declined.headers.get("location")).toBe(`${BASE}/account/pay?cancelled=1`);
    await double.idle();
    expect((await payments(account)).map((p) => p.status)).toEqual(["failed"]);
  });
});

describe("refunds and disputes with the real SDK against the test double", () => {
  const paidThroughDouble = () => harness.paidThroughDouble();

  const bankEventTypes = async (account: Account) =>
    (
      await t.db
        .selectFrom("bank_events")
        .select("type")
        .where("account_id", "=", account.id)
        .orderBy("created_at")
        .orderBy("id")
        .execute()
    ).map((e) => e.type);

  it("refunds.create sends signed charge.refunded events: a partial refund, then the rest", async () => {
    const { account, pi } = await paidThroughDouble();
    await stripe.refunds.create({ payment_intent: pi, amount: 23_400 });
    await double.idle();
    expect((await payments(account))[0]).toMatchObject({
      status: "partially_refunded",
      refunded_minor: 23_400,
      reversed_minor: 23_400,
    });
    await stripe.refunds.create({ payment_intent: pi });
    await double.idle();
    expect((await payments(account))[0]).toMatchObject({ status: "refunded", reversed_minor: 123_400 });
    await expect(stripe.refunds.create({ payment_intent: pi, amount: 1 })).rejects.toThrow(
      /greater than unrefunded/,
    );
    const types = await bankEventTypes(account);
    expect(types.filter((type) => type === "payment.refunded")).toHaveLength(2);
  });

  it("a dispute opened on the double, won with Stripe's winning test evidence, and another lost by closing it", async () => {
    const won = await paidThroughDouble();
    const dispute = double.dispute(won.pi);
    await double.idle();
    expect((await payments(won.account))[0]).toMatchObject({ status: "disputed", reversed_minor: 123_400 });
    await stripe.disputes.update(dispute, { evidence: { uncategorized_text: "winning_evidence" } });
    await double.idle();
    expect((await payments(won.account))[0]).toMatchObject({
      status: "succeeded",
      dispute_status: "won",
      reversed_minor: 0,
    });

    const lost = await paidThroughDouble();
    const lostDispute = double.dispute(lost.pi);
    await double.idle();
    await stripe.disputes.close(lostDispute);
    await double.idle();
    expect((await payments(lost.account))[0]).toMatchObject({
      status: "charged_back",
      reversed_minor: 123_400,
    });
    expect(await bankEventTypes(lost.account)).toEqual([
      "payment.succeeded",
      "payment.disputed",
      "payment.charged_back",
    ]);
  });
});

describe("ways to pay by market", () => {
  it("a Hong Kong dollar account may pay by card, Alipay or WeChat Pay, and is shown FPS", async () => {
    const { account, cookie, session } = await verifiedBorrower();
    await startCheckout(t.db, { session, amountChoice: "full", baseUrl: BASE, stripe });
    const [row] = await payments(account);
    const cs = await stripe.checkout.sessions.retrieve(row!.stripe_checkout_session_id!);
    expect(cs.payment_method_types).toEqual(["card", "alipay", "wechat_pay"]);
    const page = await loadPayPage(cookie);
    expect(page.ways).toEqual({ checkout: ["card", "alipay", "wechat_pay"], fpsId: "1234567" });
  });

  it("a US dollar account, with the same wallets enabled, may pay by card only and is not shown FPS", async () => {
    const { account, cookie, session } = await verifiedBorrower({ currency: "USD" });
    await startCheckout(t.db, { session, amountChoice: "full", baseUrl: BASE, stripe });
    const [row] = await payments(account);
    const cs = await stripe.checkout.sessions.retrieve(row!.stripe_checkout_session_id!);
    expect(cs.payment_method_types).toEqual(["card"]);
    expect((await loadPayPage(cookie)).ways).toEqual({ checkout: ["card"], fpsId: null });
  });

  async function loadPayPage(cookie: string) {
    const response = await payLoader({
      request: requestWithCookies([cookie], `${BASE}/account/pay`),
      params: {},
      context: ctx(),
    });
    return (response as unknown as { data: { ways: unknown } }).data;
  }
});

describe("pay routes", () => {
  it("a valid choice redirects (303) to the checkout page", async () => {
    const { account, cookie } = await verifiedBorrower();
    const response = (await payAction({
      request: post(cookie, { choice: "overdue" }),
      params: {},
      context: ctx(),
    })) as Response;
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toMatch(new RegExp(`^${double.url}/checkout/cs_test_`));
    expect((await payments(account)).map((p) => p.amount_minor)).toEqual([123_400]);
  });

  it.each([
    ["-50", "errors.amountNegative"],
    ["0", "errors.amountZero"],
    ["12.345", "errors.amountDecimals"],
    ["0.50", "errors.amountBelowMinimum"],
    ["5000.01", "errors.amountAboveBalance"],
    ["99999999999999999999", "errors.amountAboveBalance"],
    ["abc", "errors.amountNotNumber"],
    ["<script>alert(1)</script>", "errors.amountNotNumber"],
    ["9".repeat(10_240), "errors.amountNotNumber"],
    ["", "errors.amountRequired"],
  ])("custom amount %j is refused with %s (400) and nothing is written", async (amount, error) => {
    const { account, cookie } = await verifiedBorrower();
    const result = (await payAction({
      request: post(cookie, { choice: "custom", amount }),
      params: {},
      context: ctx(),
    })) as unknown as ActionData;
    expect(result.init?.status).toBe(400);
    expect(result.data.result.error?.amount).toEqual([error]);
    expect(await payments(account)).toHaveLength(0);
  });

  it("no choice, an unknown choice, or 'overdue' when nothing is overdue are refused", async () => {
    const { account, cookie } = await verifiedBorrower({ overdue_minor: 0 });
    for (const [fields, error] of [
      [{}, "errors.choiceRequired"],
      [{ choice: "everything" }, "errors.choiceRequired"],
      [{ choice: "overdue" }, "errors.choiceUnavailable"],
    ] as const) {
      const result = (await payAction({
        request: post(cookie, fields),
        params: {},
        context: ctx(),
      })) as unknown as ActionData;
      expect(result.init?.status).toBe(400);
      expect(result.data.result.error?.choice).toEqual([error]);
    }
    expect(await payments(account)).toHaveLength(0);
  });

  it("an amount typed without a choice is a custom payment", async () => {
    const { account, cookie } = await verifiedBorrower();
    const response = (await payAction({
      request: post(cookie, { amount: "150" }),
      params: {},
      context: ctx(),
    })) as Response;
    expect(response.status).toBe(303);
    expect((await payments(account)).map((p) => p.amount_minor)).toEqual([15_000]);
  });

  it("the pay page offers amounts net of payments pending at the bank", async () => {
    const { account, cookie } = await verifiedBorrower();
    await t.db
      .insertInto("payments")
      .values({
        account_id: account.id,
        borrower_id: account.borrower_id,
        amount_minor: 100_000,
        currency: "HKD",
        source: "portal",
        status: "succeeded",
        idempotency_key: `k-${account.id}`,
        succeeded_at: new Date(),
      })
      .execute();
    const page = (await payLoader({
      request: requestWithCookies([cookie], `${BASE}/account/pay`),
      params: {},
      context: ctx(),
    })) as unknown as { data: Record<string, number> };
    expect(page.data).toMatchObject({
      overdueMinor: 23_400,
      balanceMinor: 400_000,
      minMinor: 100,
      maxMinor: 400_000,
    });
  });

  it("without a session, the pay page and the return page send the borrower to sign in again", async () => {
    const noCookie = new Request(`${BASE}/account/pay`);
    await expect(payLoader({ request: noCookie, params: {}, context: ctx() })).rejects.toSatisfy(
      (r: Response) => r.status === 302,
    );
  });

  it("the return page shows nothing for another borrower's payment, or a malformed id", async () => {
    const mine = await verifiedBorrower();
    const theirs = await verifiedBorrower();
    const { paymentId } = await startCheckout(t.db, {
      session: theirs.session,
      amountChoice: "overdue",
      baseUrl: BASE,
      stripe,
    });
    for (const query of [
      `payment=${paymentId}`,
      "payment=not-a-uuid",
      "payment=00000000-0000-4000-8000-000000000000",
      "",
    ]) {
      const request = requestWithCookies([mine.cookie], `${BASE}/account/pay/return?${query}`);
      await expect(returnLoader({ request, params: {}, context: ctx() }), query).rejects.toMatchObject({
        init: { status: 404 },
      });
    }
  });

  it("the webhook route answers 400 to a bad signature and 405 to GET", async () => {
    const request = new Request(`${BASE}/webhooks/stripe`, {
      method: "POST",
      headers: { "Stripe-Signature": "t=1,v1=00" },
      body: "{}",
    });
    const response = await webhookAction({ request, params: {}, context: ctx() });
    expect(response.status).toBe(400);
    expect(webhookLoader().status).toBe(405);
  });
});

describe("configuration and wiring", () => {
  it("uses the test double without a key, requires the webhook secret with one, and refuses production without a key", () => {
    expect(loadStripeConfig({})).toMatchObject({
      useTestDouble: true,
      webhookSecret: DEV_WEBHOOK_SECRET,
      testDoublePort: 12111,
      paymentMethods: ["card"],
    });
    expect(() => loadStripeConfig({ STRIPE_SECRET_KEY: "sk_test_abcdefghij" })).toThrow(
      /STRIPE_WEBHOOK_SECRET: is required/,
    );
    expect(
      loadStripeConfig({
        STRIPE_SECRET_KEY: "sk_test_abcdefghij",
        STRIPE_WEBHOOK_SECRET: "whsec_abcdefghij",
        STRIPE_PAYMENT_METHODS: "card, alipay,wechat_pay",
      }),
    ).toMatchObject({
      useTestDouble: false,
      paymentMethods: ["card", "alipay", "wechat_pay"],
    });
    expect(() => loadStripeConfig({ STRIPE_PAYMENT_METHODS: "card,<script>" })).toThrow(
      /STRIPE_PAYMENT_METHODS/,
    );
    const allow = process.env.SETTLE_ALLOW_DEV_SECRETS;
    delete process.env.SETTLE_ALLOW_DEV_SECRETS;
    try {
      expect(() => loadStripeConfig({ NODE_ENV: "production" })).toThrow(
        /STRIPE_SECRET_KEY: is required in production/,
      );
    } finally {
      if (allow !== undefined) process.env.SETTLE_ALLOW_DEV_SECRETS = allow;
    }
  });

  it("decodes Stripe's form encoding", () => {
    expect(
      parseStripeForm(
        "line_items[0][price_data][unit_amount]=100&line_items[0][quantity]=1&metadata[paymentId]=p&allowed_payment_method_types[0]=card&allowed_payment_method_types[1]=alipay",
      ),
    ).toEqual({
      line_items: [{ price_data: { unit_amount: "100" }, quantity: "1" }],
      metadata: { paymentId: "p" },
      allowed_payment_method_types: ["card", "alipay"],
    });
  });

  it("the CSP lets the pay form's redirect reach the test double, and only it", () => {
    const headers: Record<string, string> = {};
    const res = { locals: {}, setHeader: (k: string, v: string) => (headers[k] = v) };
    securityHeaders({ production: true, formActionOrigins: [double.url] })(
      {} as never,
      res as never,
      () => {},
    );
    expect(headers["Content-Security-Policy"]).toContain(
      `form-action 'self' https://checkout.stripe.com ${double.url};`,
    );
  });
});
