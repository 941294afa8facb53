import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemoData } from "../../app/demo/seed.server";
import { config } from "../../app/platform/config.server";
import { runSchedule, type DecisionLine } from "../../app/engine/planner.server";
import { handleStripeWebhook } from "../../app/payments/stripe-webhook.server";
import { smsAmount } from "../../app/messaging/outbound-sms.server";
import { createTestDatabase, type TestDatabase } from "../support/database";
import {
  checkoutStarted,
  completedEvent,
  disputeEvent,
  id,
  refundedEvent,
  signed,
} from "../support/stripe-events";

/**
 * Issue #21 item 2 (docs/product-rules.md §6.7): a refund or dispute puts the account back into the
 * schedule. The borrower of DEMO-HK-EARLY-CC pays their arrears (the planner stops chasing them,
 * item 1); the payment is then refunded or disputed, and the planner texts them again for what is
 * overdue once more. Payments and reversals go through the real webhook code; decisions through the planner.
 */
const NOW = new Date("2026-11-23T03:00:00Z"); // 11:00 in Hong Kong
const AN_HOUR_LATER = new Date(NOW.getTime() + 3_600_000);
const TWO_HOURS_LATER = new Date(NOW.getTime() + 2 * 3_600_000);
const A_WEEK_LATER = new Date(NOW.getTime() + 7 * 86_400_000);

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await seedDemoData(t.db, { verificationHashKey: config().verificationHashKey, now: NOW });
});
afterAll(async () => {
  await t?.destroy();
});

async function decision(ref: string, now: Date, dryRun = true) {
  const lines: DecisionLine[] = [];
  await runSchedule(t.db, { now, dryRun, onDecision: (l) => lines.push(l) });
  return lines.find((l) => l.account === ref);
}

async function deliver(event: Record<string, unknown>, now: Date) {
  const { payload, header } = signed(event);
  return handleStripeWebhook(t.db, payload, header, { now });
}

/** The borrower pays `amountMinor` through Checkout; the payment and its PaymentIntent. */
async function paid(ref: string, amountMinor: number) {
  const { account, payment } = await checkoutStarted(t.db, ref, amountMinor, AN_HOUR_LATER);
  const pi = id("pi");
  expect(await deliver(completedEvent(payment, pi), AN_HOUR_LATER)).toMatchObject({ result: "applied" });
  return { account, payment, pi };
}

describe("a reversal reopens the arrears", () => {
  it("DEMO-HK-EARLY-CC paid in full, then refunded: the planner texts the whole overdue amount again", async () => {
    const { account, payment, pi } = await paid("DEMO-HK-EARLY-CC", 123_400);
    expect(await decision("DEMO-HK-EARLY-CC", A_WEEK_LATER)).toMatchObject({
      action: "defer",
      reason: "overdue_paid",
    });

    expect(await deliver(refundedEvent(payment, pi, 123_400), TWO_HOURS_LATER)).toMatchObject({
      result: "reversed",
    });
    expect(await decision("DEMO-HK-EARLY-CC", A_WEEK_LATER)).toMatchObject({
      action: "send",
      template: "early",
    });
    await decision("DEMO-HK-EARLY-CC", A_WEEK_LATER, false);
    const text = await t.db
      .selectFrom("messages")
      .select("body")
      .where("account_id", "=", account.id)
      .where("template_key", "like", "reminder.%")
      .executeTakeFirstOrThrow();
    expect(text.body).toContain(smsAmount(123_400, "HKD", "zh-HK"));
  });

  it("a partial refund: the next text asks for what the refund left unpaid", async () => {
    const { account, payment, pi } = await paid("DEMO-CN-MID-PL", 380_000);
    // 13:30 in Shanghai, inside this borrower's preferred 12:00-14:00.
    const at = new Date("2026-11-30T05:30:00Z");
    expect(await decision("DEMO-CN-MID-PL", at)).toMatchObject({ action: "defer", reason: "overdue_paid" });
    await deliver(refundedEvent(payment, pi, 50_000), TWO_HOURS_LATER);
    expect(await decision("DEMO-CN-MID-PL", at)).toMatchObject({ action: "send", template: "mid" });
    await decision("DEMO-CN-MID-PL", at, false);
    const text = await t.db
      .selectFrom("messages")
      .select("body")
      .where("account_id", "=", account.id)
      .where("template_key", "like", "reminder.%")
      .executeTakeFirstOrThrow();
    expect(text.body).toContain(smsAmount(50_000, "CNY", "zh-CN"));
  });

  it("a dispute reopens the arrears until it is won", async () => {
    const { payment, pi } = await paid("DEMO-CN-LATE-CC", 512_300);
    expect(await decision("DEMO-CN-LATE-CC", A_WEEK_LATER)).toMatchObject({
      action: "defer",
      reason: "overdue_paid",
    });
    await deliver(disputeEvent("charge.dispute.created", payment, pi), TWO_HOURS_LATER);
    expect(await decision("DEMO-CN-LATE-CC", A_WEEK_LATER)).toMatchObject({ action: "send" });
    await deliver(disputeEvent("charge.dispute.closed", payment, pi, { status: "won" }), TWO_HOURS_LATER);
    expect(await decision("DEMO-CN-LATE-CC", A_WEEK_LATER)).toMatchObject({
      action: "defer",
      reason: "overdue_paid",
    });
  });
});
