import { sql } from "kysely";
import { sendDecidedEmail } from "../../app/engine/email-send.server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_CONTACT_POLICY } from "../../app/domain/contact-policy";
import { handleInboundSms } from "../../app/engine/inbound.server";
import { decideForAccount, runSchedule, type DecisionLine } from "../../app/engine/planner.server";
import { applyBorrowerAction } from "../../app/staff/borrower-actions.server";
import { insertAccount, insertBorrower, insertMessage, insertStaffUser } from "../support/builders";
import { createTestDatabase, type TestDatabase } from "../support/database";

/**
 * One schedule across channels (docs/product-rules.md §4.15), driven through the planner against a real
 * database: each escalation path ends in the task or job the channel needs.
 */
// 13:30 in Hong Kong: inside the contact window.
const NOW = new Date("2026-11-23T05:30:00Z");

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.destroy();
});

async function borrowerAt(dpd: number, prefs: { smsOptedOut?: boolean; phoneAllowed?: boolean } = {}) {
  // An address to visit (§4.19): a visit is proposed only where there is one.
  const borrower = await insertBorrower(t.db, {
    email: "borrower@example.test",
    address_line1: "1 Queen's Road Central",
    address_country: "HK",
  });
  const account = await insertAccount(t.db, { borrower_id: borrower.id, dpd });
  await t.db
    .insertInto("contact_preferences")
    .values({
      borrower_id: borrower.id,
      sms_opted_out_at: prefs.smsOptedOut ? NOW : null,
      phone_allowed: prefs.phoneAllowed ?? true,
    })
    .execute();
  return { borrower, account };
}

async function run(now = NOW) {
  const lines: DecisionLine[] = [];
  await runSchedule(t.db, { now, onDecision: (l) => lines.push(l) });
  return new Map(lines.map((l) => [l.account, l]));
}

const tasksOf = (accountId: string) =>
  t.db
    .selectFrom("tasks")
    .select(["kind", "status", "reason"])
    .where("account_id", "=", accountId)
    .where("kind", "in", ["call", "visit"])
    .execute();

describe("escalation paths", () => {
  it("SMS opted out at D35 gives a call task (once), with the reason, and no text", async () => {
    const { account } = await borrowerAt(35, { smsOptedOut: true });
    const lines = await run();
    expect(lines.get(account.external_ref)).toMatchObject({
      action: "send",
      channel: "call",
      reason: "escalated_refused",
    });
    await run(new Date(NOW.getTime() + 5 * 60_000));
    const tasks = await tasksOf(account.id);
    expect(tasks).toEqual([
      { kind: "call", status: "open", reason: expect.stringContaining("sms_opted_out") },
    ]);
    const texts = await t.db
      .selectFrom("messages")
      .select("id")
      .where("account_id", "=", account.id)
      .execute();
    expect(texts).toEqual([]);
  });

  it("three undelivered texts give a call", async () => {
    const { account } = await borrowerAt(35);
    for (let i = 1; i <= 3; i++)
      await insertMessage(t.db, account, {
        status: "undelivered",
        created_at: new Date(NOW.getTime() - i * 86_400_000),
      });
    const lines = await run();
    expect(lines.get(account.external_ref)).toMatchObject({
      action: "send",
      channel: "call",
      reason: "escalated_undelivered",
    });
    expect(await tasksOf(account.id)).toMatchObject([{ kind: "call" }]);
  });

  it("two undelivered texts are not enough: the text goes, with its call task", async () => {
    const { account } = await borrowerAt(35);
    for (let i = 1; i <= 2; i++)
      await insertMessage(t.db, account, {
        status: "failed",
        created_at: new Date(NOW.getTime() - i * 86_400_000),
      });
    const lines = await run();
    expect(lines.get(account.external_ref)).toMatchObject({ action: "send", channel: "sms" });
  });

  it("at D65 with texts and calls refused a visit is proposed", async () => {
    const { account } = await borrowerAt(65, { smsOptedOut: true, phoneAllowed: false });
    const lines = await run();
    expect(lines.get(account.external_ref)).toMatchObject({ action: "send", channel: "visit" });
    expect(await tasksOf(account.id)).toMatchObject([
      { kind: "visit", reason: expect.stringContaining("call phone_not_allowed") },
    ]);
  });

  it("at D12, with SMS the stage's only channel, an opted-out borrower is suppressed as before", async () => {
    const { account } = await borrowerAt(12, { smsOptedOut: true });
    const lines = await run();
    expect(lines.get(account.external_ref)).toMatchObject({
      action: "suppress",
      reason: "sms_opted_out",
      channel: "sms",
    });
    expect(await tasksOf(account.id)).toEqual([]);
  });
});

describe("email decisions", () => {
  it("queue email:send with the account and the stored decision; a borrower refusing email is not emailed", async () => {
    const policy = structuredClone(DEFAULT_CONTACT_POLICY);
    policy.stages.find((s) => s.id === "mid")!.channels = ["sms", "email"];
    const active = await t.db
      .insertInto("contact_policies")
      .values({ version: 50, policy: JSON.stringify(policy), active: true })
      .returning("id")
      .executeTakeFirstOrThrow();
    try {
      const emailed = await borrowerAt(10, { smsOptedOut: true });
      const refusing = await borrowerAt(10, { smsOptedOut: true });
      await t.db
        .updateTable("contact_preferences")
        .set({ email_allowed: false })
        .where("borrower_id", "=", refusing.borrower.id)
        .execute();
      const lines = await run();
      expect(lines.get(emailed.account.external_ref)).toMatchObject({ action: "send", channel: "email" });
      expect(lines.get(refusing.account.external_ref)).toMatchObject({
        action: "suppress",
        reason: "sms_opted_out",
      });
      const decision = await t.db
        .selectFrom("contact_decisions")
        .select("id")
        .where("account_id", "=", emailed.account.id)
        .where("channel", "=", "email")
        .executeTakeFirstOrThrow();
      const jobs = await sql<{ payload: unknown }>`select j.payload from graphile_worker._private_jobs j
        join graphile_worker._private_tasks k on k.id = j.task_id where k.identifier = 'email:send'
          and j.payload->>'accountId' in (${emailed.account.id}, ${refusing.account.id})`.execute(t.db);
      const payload = { accountId: emailed.account.id, decisionId: String(decision.id) };
      expect(jobs.rows).toEqual([{ payload }]);
      // The job's payload is what the email task takes: the email goes out (the development mailbox here).
      expect(await sendDecidedEmail(t.db, payload, { now: NOW })).toMatchObject({ status: "sent" });
      // The stage cadence binds email too: the next run the same day sends none.
      const again = await run(new Date(NOW.getTime() + 5 * 60_000));
      expect(again.get(emailed.account.external_ref)).toMatchObject({
        action: "defer",
        reason: "cadence_not_due",
        channel: "email",
      });
    } finally {
      await t.db.deleteFrom("contact_policies").where("id", "=", active.id).execute();
    }
  });
});

describe("a reply a person must read holds texts (#19 item 3)", () => {
  it("'please stop texting me' holds SMS until the review task is resolved", async () => {
    const { borrower, account } = await borrowerAt(12);
    await handleInboundSms(t.db, {
      from: borrower.phone_e164,
      body: "Please stop texting me",
      provider: "twilio",
      providerMessageId: `SM${"c".repeat(32)}`,
    });
    const held = await decideForAccount(t.db, account.id, NOW);
    expect(held?.decision).toMatchObject({ action: "defer", reason: "sms_held_for_review", channel: "sms" });
    const task = await t.db
      .selectFrom("tasks")
      .select("id")
      .where("borrower_id", "=", borrower.id)
      .where("kind", "=", "inbound_review")
      .executeTakeFirstOrThrow();
    const staff = await insertStaffUser(t.db);
    const resolved = await applyBorrowerAction(t.db, {
      staff: { id: staff.id, email: staff.email, displayName: staff.display_name, role: "agent" },
      borrowerId: borrower.id,
      action: { intent: "resolve_task", taskId: task.id, outcome: "Asked about the amount; keep texting" },
      now: NOW,
    });
    expect(resolved).toEqual({ status: "ok" });
    const resumed = await decideForAccount(t.db, account.id, NOW);
    expect(resumed?.decision).toMatchObject({ action: "send", channel: "sms" });
  });
});
