import { runSettle } from "../support/cli";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemoData } from "../../app/demo/seed.server";
import { config } from "../../app/platform/config.server";
import { runSchedule, type DecisionLine } from "../../app/engine/planner.server";
import { dispatchSms } from "../../app/engine/dispatcher.server";
import { outboxProvider } from "../../app/messaging/providers/outbox.server";
import { countSegments } from "../../app/domain/sms-segments";
import { applyFeedbackForTest } from "./feedback-helpers";
import { createTestDatabase, type TestDatabase } from "../support/database";

// 13:30 in Hong Kong and Shanghai (inside the CN-MID borrower's preferred 12:00-14:00), 05:30 in London (quiet hours).
const NOW = new Date("2026-11-23T05:30:00Z");

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await seedDemoData(t.db, { verificationHashKey: config().verificationHashKey, now: NOW });
});
afterAll(async () => {
  await t.destroy();
});

async function run(now = NOW, dryRun = false) {
  const lines: DecisionLine[] = [];
  const result = await runSchedule(t.db, { now, dryRun, onDecision: (l) => lines.push(l) });
  return { result, byRef: new Map(lines.map((l) => [l.account, l])) };
}

describe("planner over the demo data", () => {
  it("decides correctly for every demo borrower", async () => {
    const { byRef } = await run(NOW, true);
    expect(byRef.get("DEMO-HK-PREDUE-CC")).toMatchObject({
      action: "send",
      reason: "send_due",
      channel: "sms",
      template: "pre_due",
    });
    expect(byRef.get("DEMO-HK-EARLY-CC")).toMatchObject({ action: "send", template: "early" });
    expect(byRef.get("DEMO-CN-MID-PL")).toMatchObject({ action: "send", template: "mid" });
    expect(byRef.get("DEMO-CN-LATE-CC")).toMatchObject({ action: "send", template: "late" });
    // 05:30 in London; this borrower asked for 10:00-18:00 only.
    expect(byRef.get("DEMO-UK-SERIOUS-AL")).toMatchObject({
      action: "defer",
      reason: "quiet_hours",
      at: "2026-11-23T10:00:00.000Z",
    });
    expect(byRef.get("DEMO-UK-PAID-CC")).toMatchObject({
      action: "suppress",
      reason: "account_paid",
      at: null,
    });
    expect(byRef.get("DEMO-HK-PLAN-PL")).toMatchObject({ action: "defer", reason: "plan_active" });
    expect(byRef.get("DEMO-CN-HARDSHIP-CC")).toMatchObject({ action: "defer", reason: "hardship_pause" });
    // A dry run writes nothing.
    expect(await t.db.selectFrom("messages").select("id").execute()).toHaveLength(0);
    expect(await t.db.selectFrom("contact_decisions").select("id").execute()).toHaveLength(0);
  });

  it("queues each due reminder once, in the borrower's language, within 2 segments, and stores every decision", async () => {
    const first = await run();
    expect(first.result.queued).toBe(4);
    const messages = await t.db
      .selectFrom("messages")
      .innerJoin("accounts", "accounts.id", "messages.account_id")
      .select([
        "accounts.external_ref",
        "messages.body",
        "messages.locale",
        "messages.segments",
        "messages.status",
        "messages.template_key",
      ])
      .execute();
    expect(messages).toHaveLength(4);
    const early = messages.find((m) => m.external_ref === "DEMO-HK-EARLY-CC")!;
    expect(early.locale).toBe("zh-HK");
    expect(early.body).toContain("【Settle Bank】");
    expect(early.body).toContain("2468");
    expect(early.body).toContain("HK$1,234.00");
    // The link's code is stored masked; it is put back only when the text is sent (issue #17 item 4).
    expect(early.body).toContain("/r/••••••");
    expect(early.body).not.toMatch(/\/r\/[0-9A-Za-z]{16}/);
    expect(early.body).toContain("回T退訂");
    for (const m of messages) {
      expect(m.status).toBe("queued");
      // Counted on the text as sent: the mask stands in for a 16-character code.
      expect(m.segments).toBe(countSegments(m.body.replace("/r/••••••", `/r/${"A".repeat(16)}`)).segments);
      expect(m.segments).toBeLessThanOrEqual(2);
    }
    const decisions = await t.db.selectFrom("contact_decisions").select(["action", "reason"]).execute();
    expect(decisions).toHaveLength(8);
    // The late stage opens a call task.
    const tasks = await t.db
      .selectFrom("tasks")
      .select(["kind", "source_type"])
      .where("source_type", "=", "schedule_escalation")
      .execute();
    expect(tasks).toEqual([{ kind: "call", source_type: "schedule_escalation" }]);

    // Run again at once (a retry or a second worker): nothing new is queued.
    const again = await run(new Date(NOW.getTime() + 60_000));
    expect(again.result.queued).toBe(0);
    expect(await t.db.selectFrom("messages").select("id").execute()).toHaveLength(4);
    expect(
      await t.db.selectFrom("tasks").select("id").where("source_type", "=", "schedule_escalation").execute(),
    ).toHaveLength(1);
  });

  it("the dispatcher sends each message exactly once, even when two workers race", async () => {
    const queued = await t.db.selectFrom("messages").select("id").where("status", "=", "queued").execute();
    const outcomes = await Promise.all(
      queued.flatMap((m) => [
        dispatchSms(t.db, outboxProvider, m.id, NOW),
        dispatchSms(t.db, outboxProvider, m.id, NOW),
      ]),
    );
    expect(outcomes.filter((o) => o.status === "delivered")).toHaveLength(queued.length);
    expect(outcomes.filter((o) => o.status === "skipped")).toHaveLength(queued.length);
    const sentEvents = await t.db
      .selectFrom("message_status_events")
      .select("message_id")
      .where("status", "=", "sent")
      .execute();
    expect(sentEvents).toHaveLength(queued.length);
  });

  it("after sending, the cadence and caps hold the next reminder back", async () => {
    const { byRef } = await run(new Date(NOW.getTime() + 3_600_000), true);
    expect(byRef.get("DEMO-HK-EARLY-CC")).toMatchObject({ action: "defer" });
    expect(["cap_account_daily", "cap_min_gap", "cadence_not_due"]).toContain(
      byRef.get("DEMO-HK-EARLY-CC")!.reason,
    );
  });

  it("borrower feedback changes the next decision at once", async () => {
    // The mid stage repeats every 5 days.
    const later = new Date(NOW.getTime() + 5 * 86_400_000);
    const before = (await run(later, true)).byRef;
    expect(before.get("DEMO-CN-MID-PL")?.action).toBe("send");
    await applyFeedbackForTest(t.db, "DEMO-CN-MID-PL", "wrong_number");
    await applyFeedbackForTest(t.db, "DEMO-HK-EARLY-CC", "opt_out");
    const after = (await run(later, true)).byRef;
    expect(after.get("DEMO-CN-MID-PL")).toMatchObject({ action: "suppress", reason: "wrong_number" });
    expect(after.get("DEMO-HK-EARLY-CC")).toMatchObject({ action: "suppress", reason: "sms_opted_out" });
  });

  it("a payment made after queueing cancels the text at send time", async () => {
    const queuedAt = new Date(NOW.getTime() + 8 * 86_400_000);
    await run(queuedAt);
    const msg = await t.db
      .selectFrom("messages")
      .innerJoin("accounts", "accounts.id", "messages.account_id")
      .select([
        "messages.id",
        "accounts.id as account_id",
        "accounts.borrower_id",
        "accounts.balance_minor",
        "accounts.currency",
      ])
      .where("accounts.external_ref", "=", "DEMO-CN-LATE-CC")
      .where("messages.status", "=", "queued")
      .executeTakeFirstOrThrow();
    await t.db
      .insertInto("payments")
      .values({
        account_id: msg.account_id,
        borrower_id: msg.borrower_id,
        amount_minor: msg.balance_minor,
        currency: msg.currency,
        source: "portal",
        status: "succeeded",
        idempotency_key: "test-full-payment",
        succeeded_at: new Date(queuedAt.getTime() + 1000),
      })
      .execute();
    const outcome = await dispatchSms(t.db, outboxProvider, msg.id, new Date(queuedAt.getTime() + 60_000));
    expect(outcome).toEqual({ status: "cancelled", reason: "account_paid" });
  });
});

describe("schedule:run command", () => {
  it("prints one JSON line per decision and rejects a bad --now", () => {
    const env = { ...process.env, DATABASE_URL: t.url, LOG_LEVEL: "silent" };
    const ok = runSettle(["schedule:run", "--now", NOW.toISOString(), "--dry-run", "--json"], { env });
    expect(ok.status).toBe(0);
    const lines = ok.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as DecisionLine);
    expect(lines).toHaveLength(8);
    for (const line of lines) {
      expect(Object.keys(line).sort()).toEqual(["account", "action", "at", "channel", "reason", "template"]);
      expect(["send", "defer", "suppress"]).toContain(line.action);
    }
    const bad = runSettle(["schedule:run", "--now", "yesterday"], { env });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("--now: must be an ISO 8601 date-time");
  });
});
