import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemoData } from "../../app/demo/seed.server";
import { config } from "../../app/platform/config.server";
import { runSchedule, type DecisionLine } from "../../app/engine/planner.server";
import { handleStripeWebhook } from "../../app/payments/stripe-webhook.server";
import { smsAmount } from "../../app/messaging/outbound-sms.server";
import { createTestDatabase, type TestDatabase } from "../support/database";
import {
  checkoutStarted as startCheckout,
  completedEvent,
  id,
  signed,
  stripeEvent,
} from "../support/stripe-events";

/**
 * Issue #21 item 1 (docs/product-rules.md §4.3 step 9): a borrower who has just paid their arrears is not
 * chased for them while the bank's balance lags, and a partial payment lowers the figure in the next text.
 * Payments go through the real Stripe webhook code (signed by the Stripe SDK); decisions through the planner.
 */

// 11:00 in Hong Kong; the demo data is seeded with its balances taken now.
const NOW = new Date("2026-11-23T03:00:00Z");
const AN_HOUR_LATER = new Date(NOW.getTime() + 3_600_000);
const A_WEEK_LATER = new Date(NOW.getTime() + 7 * 86_400_000);

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await seedDemoData(t.db, { verificationHashKey: config().verificationHashKey, now: NOW });
});
afterAll(async () => {
  await t?.destroy();
});

async function decisions(now: Date, dryRun = true) {
  const lines: DecisionLine[] = [];
  await runSchedule(t.db, { now, dryRun, onDecision: (l) => lines.push(l) });
  return new Map(lines.map((l) => [l.account, l]));
}

/** The account as Checkout leaves it, an hour after the demo data was seeded. */
const checkoutStarted = (ref: string, amountMinor: number) =>
  startCheckout(t.db, ref, amountMinor, AN_HOUR_LATER);

async function deliver(event: Record<string, unknown>, now = AN_HOUR_LATER) {
  const { payload, header } = signed(event);
  return handleStripeWebhook(t.db, payload, header, { now });
}

describe("cured arrears stop arrears reminders", () => {
  it("DEMO-HK-EARLY-CC paid in full through the portal: a week later the planner does not send (overdue_paid)", async () => {
    expect((await decisions(A_WEEK_LATER)).get("DEMO-HK-EARLY-CC")).toMatchObject({
      action: "send",
      template: "early",
    });
    const { account, payment } = await checkoutStarted("DEMO-HK-EARLY-CC", 123_400);
    expect(account.overdue_minor).toBe(123_400);
    expect(await deliver(completedEvent(payment, id("pi")))).toEqual({ status: 200, result: "applied" });

    expect((await decisions(A_WEEK_LATER)).get("DEMO-HK-EARLY-CC")).toMatchObject({
      action: "defer",
      reason: "overdue_paid",
      channel: null,
    });
    // Stored, so the console's "why no contact" shows it, and nothing is queued.
    await decisions(A_WEEK_LATER, false);
    const stored = await t.db
      .selectFrom("contact_decisions")
      .select(["action", "reason"])
      .where("account_id", "=", account.id)
      .orderBy("decided_at", "desc")
      .executeTakeFirstOrThrow();
    expect(stored).toEqual({ action: "defer", reason: "overdue_paid" });
    const reminders = await t.db
      .selectFrom("messages")
      .select("id")
      .where("account_id", "=", account.id)
      .where("template_key", "like", "reminder.%")
      .execute();
    expect(reminders).toHaveLength(0);
  });

  it("a payment under way (async method) covering the arrears defers as payment_processing; its failure resumes", async () => {
    const { account, payment } = await checkoutStarted("DEMO-CN-LATE-CC", 512_300);
    const session = { ...completedEvent(payment, id("pi")) };
    const unpaid = stripeEvent("checkout.session.completed", {
      ...(session.data.object as Record<string, unknown>),
      payment_status: "unpaid",
    });
    expect(await deliver(unpaid)).toEqual({ status: 200, result: "processing" });
    const row = await t.db
      .selectFrom("payments")
      .select("status")
      .where("id", "=", payment.id)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe("processing");
    expect((await decisions(A_WEEK_LATER)).get("DEMO-CN-LATE-CC")).toMatchObject({
      action: "defer",
      reason: "payment_processing",
    });

    const failed = stripeEvent("checkout.session.async_payment_failed", {
      ...(session.data.object as Record<string, unknown>),
      payment_status: "unpaid",
    });
    expect(await deliver(failed)).toEqual({ status: 200, result: "failed" });
    expect((await decisions(A_WEEK_LATER)).get("DEMO-CN-LATE-CC")).toMatchObject({ action: "send" });
    expect(account.overdue_minor).toBe(512_300);
  });

  it("a partial payment lowers the amount in the next text", async () => {
    const { account, payment } = await checkoutStarted("DEMO-CN-MID-PL", 100_000);
    expect(await deliver(completedEvent(payment, id("pi")))).toEqual({ status: 200, result: "applied" });
    // 13:30 in Shanghai, inside this borrower's preferred 12:00-14:00.
    const at = new Date("2026-11-30T05:30:00Z");
    expect((await decisions(at)).get("DEMO-CN-MID-PL")).toMatchObject({ action: "send", template: "mid" });
    await decisions(at, false);
    const text = await t.db
      .selectFrom("messages")
      .select("body")
      .where("account_id", "=", account.id)
      .where("template_key", "like", "reminder.%")
      .executeTakeFirstOrThrow();
    expect(text.body).toContain(smsAmount(380_000 - 100_000, "CNY", "zh-CN"));
    expect(text.body).not.toContain(smsAmount(380_000, "CNY", "zh-CN"));
  });
});
