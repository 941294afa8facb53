import { randomUUID } from "node:crypto";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { createInstance } from "i18next";
import { I18nextProvider, initReactI18next } from "react-i18next";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loader } from "../../app/routes/staff.borrowers.$borrowerId";
import type { BorrowerPageView } from "../../app/staff/borrower-page.server";
import { Timeline } from "../../app/staff/ui/Timeline";
import { i18nConfig } from "../../app/i18n/config";
import { handleStripeWebhook } from "../../app/payments/stripe-webhook.server";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { insertPayment } from "../support/builders";
import { borrowerWithLink } from "../support/links";
import { disputeEvent, id, intentEvent, refundedEvent, signed } from "../support/stripe-events";
import { enrolledStaff, get, outcome, signedInCookie, staffContext } from "./support";

/** Issue #21 item 2: the agent's timeline shows a payment's refunds and disputes, in every language. */
let t: TestDatabase;
let cookie: string;
beforeAll(async () => {
  t = await createTestDatabase();
  const { user } = await enrolledStaff(t.db, "agent");
  cookie = await signedInCookie(t.db, user);
});
afterAll(async () => {
  await t?.destroy();
});

async function deliver(event: Record<string, unknown>, at: string) {
  const { payload, header } = signed(event);
  return handleStripeWebhook(t.db, payload, header, { now: new Date(at) });
}

async function timelineOf(borrowerId: string) {
  const o = await outcome(() =>
    loader({
      request: get(`/staff/borrowers/${borrowerId}`, cookie),
      params: { borrowerId },
      context: staffContext(t.db),
    }),
  );
  expect(o.status).toBe(200);
  return (o.data as BorrowerPageView).timeline;
}

async function render(entries: BorrowerPageView["timeline"], lng: string) {
  const staff = (await import(`../../locales/${lng}/staff.json`)).default;
  const i18n = createInstance();
  await i18n.use(initReactI18next).init({
    ...i18nConfig,
    lng,
    ns: ["staff"],
    defaultNS: "staff",
    resources: { [lng]: { staff } },
  });
  return renderToStaticMarkup(createElement(I18nextProvider, { i18n }, createElement(Timeline, { entries })));
}

describe("refunds and disputes on the agent's timeline", () => {
  it("a partial refund, a dispute and its loss each appear with the amount and the account", async () => {
    const { borrower, account } = await borrowerWithLink(t.db);
    const payment = await insertPayment(t.db, account, {
      amount_minor: 20_000,
      status: "pending",
      idempotency_key: `checkout:${randomUUID()}`,
    });
    const pi = id("pi");
    await deliver(intentEvent("payment_intent.succeeded", payment, pi), "2030-01-06T05:00:00Z");
    await deliver(refundedEvent(payment, pi, 5_000), "2030-01-07T05:00:00Z");
    await deliver(
      disputeEvent("charge.dispute.created", payment, pi, { amountMinor: 15_000 }),
      "2030-01-08T05:00:00Z",
    );
    await deliver(
      disputeEvent("charge.dispute.closed", payment, pi, { amountMinor: 15_000, status: "lost" }),
      "2030-01-09T05:00:00Z",
    );

    const entries = await timelineOf(borrower.id);
    const reversals = entries.filter((e) => e.kind === "payment_reversal");
    expect(
      reversals.map((e) => e.kind === "payment_reversal" && [e.action, e.amount, e.accountLast4]),
    ).toEqual([
      ["charged_back", "HK$0.00", account.last4],
      ["disputed", "HK$150.00", account.last4],
      ["refunded", "HK$50.00", account.last4],
    ]);
    expect(entries.find((e) => e.kind === "payment")).toMatchObject({ status: "charged_back" });

    const en = await render(entries, "en");
    expect(en).toContain("Refunded: HK$50.00 taken back from the account");
    expect(en).toContain("Disputed by the card holder: HK$150.00 taken back from the account");
    expect(en).toContain("Dispute lost: the payment stays taken back");
    expect(en).toContain("Charged back");
    expect(await render(entries, "zh-HK")).toContain("已退款：已從賬戶扣回 HK$50.00");
    expect(await render(entries, "zh-CN")).toContain("持卡人提出争议：已从账户扣回 HK$150.00");
  });
});
