import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_CONTACT_POLICY } from "../../app/domain/contact-policy";
import { runSchedule, type DecisionLine } from "../../app/engine/planner.server";
import { viewBorrowerPage } from "../../app/staff/borrower-page.server";
import { insertAccount, insertBorrower, insertStaffUser } from "../support/builders";
import { createTestDatabase, type TestDatabase } from "../support/database";

/**
 * The planner with send-time optimisation on (docs/product-rules.md §4.13): a borrower who has opened
 * and acted on every text sent at 18:00 and on none at any other hour gets today's reminder at 18:00,
 * with the choice explained on the stored decision; with the policy flag off it goes at once.
 */

// 09:05 in Hong Kong: the window is open and an early-stage reminder is due.
const NOW = new Date("2026-03-10T01:05:00Z");
const SIX_PM = new Date("2026-03-10T10:00:00Z");
const HOUR = 3_600_000;

let t: TestDatabase;
let accountRef: string;
let borrowerId: string;
beforeAll(async () => {
  t = await createTestDatabase();
  const borrower = await insertBorrower(t.db, { locale: "zh-HK" });
  const account = await insertAccount(t.db, { borrower_id: borrower.id, dpd: 5 });
  accountRef = account.external_ref;
  borrowerId = borrower.id;
  // Ten texts at each hour 09:00-19:00 Hong Kong time, more than a week before NOW; only 18:00's were acted on.
  for (let hour = 9; hour < 20; hour++) {
    for (let n = 0; n < 10; n++) {
      const sentAt = new Date(Date.parse("2026-01-01T00:30:00Z") + (hour - 8) * HOUR + n * 3 * 24 * HOUR);
      const message = await t.db
        .insertInto("messages")
        .values({
          borrower_id: borrower.id,
          account_id: account.id,
          direction: "outbound",
          channel: "sms",
          stage: "early",
          locale: "zh-HK",
          body: "Reminder",
          to_address: borrower.phone_e164,
          provider: "stub",
          status: "sent",
          sent_at: sentAt,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      if (hour !== 18) continue;
      const link = await t.db
        .insertInto("short_links")
        .values({
          code_hash: randomBytes(16).toString("hex"),
          key_id: "k1",
          borrower_id: borrower.id,
          account_id: account.id,
          message_id: message.id,
          expires_at: new Date(sentAt.getTime() + 30 * 24 * HOUR),
          open_count: 1,
          first_opened_at: new Date(sentAt.getTime() + HOUR / 2),
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      await t.db
        .insertInto("borrower_sessions")
        .values({
          id: randomBytes(16).toString("hex"),
          borrower_id: borrower.id,
          account_id: account.id,
          link_id: link.id,
          created_at: new Date(sentAt.getTime() + HOUR),
          last_seen_at: new Date(sentAt.getTime() + HOUR),
          expires_at: new Date(sentAt.getTime() + 3 * HOUR),
        })
        .execute();
    }
  }
});
afterAll(async () => {
  await t?.destroy();
});

async function decide(now: Date, dryRun = true): Promise<DecisionLine> {
  const lines: DecisionLine[] = [];
  await runSchedule(t.db, { now, dryRun, onDecision: (l) => lines.push(l) });
  return lines.find((l) => l.account === accountRef)!;
}

describe("the planner with send-time optimisation", () => {
  it("sends at the first permitted minute while the policy leaves it off", async () => {
    expect(await decide(NOW)).toMatchObject({ action: "send", reason: "send_due" });
  });

  it("defers a due reminder to the learned hour, explains it, and sends then", async () => {
    const policy = {
      ...structuredClone(DEFAULT_CONTACT_POLICY),
      sendTimeOptimisation: { explorationShare: 0 },
    };
    await t.db
      .insertInto("contact_policies")
      .values({ version: 1, policy: JSON.stringify(policy), active: true })
      .execute();
    expect(await decide(NOW)).toMatchObject({
      action: "defer",
      reason: "send_time_learned",
      at: SIX_PM.toISOString(),
    });
    await decide(NOW, false);
    const stored = await t.db
      .selectFrom("contact_decisions")
      .select(["reason", "act_at", "detail"])
      .orderBy("decided_at", "desc")
      .executeTakeFirstOrThrow();
    expect(stored).toMatchObject({ reason: "send_time_learned", act_at: SIX_PM });
    expect(stored.detail).toEqual({
      sendTime: {
        hour: 18,
        why: "learned",
        evidence: { sent: 10, acted: 10, segmentSent: 10, segmentActed: 10 },
      },
    });
    // The agent's "why" line carries the learned hour and its evidence.
    const staff = await insertStaffUser(t.db);
    const page = await viewBorrowerPage(t.db, {
      borrowerId,
      staff: { id: staff.id, email: staff.email, displayName: staff.display_name, role: staff.role },
      locale: "en",
      timeZone: "Asia/Hong_Kong",
      now: NOW,
    });
    expect(page!.decisions[0]).toMatchObject({
      reason: "send_time_learned",
      sendTime: { hour: "18:00", why: "learned", sent: 10, acted: 10 },
    });
    expect(await t.db.selectFrom("messages").where("status", "=", "queued").select("id").execute()).toEqual(
      [],
    );
    expect(await decide(SIX_PM)).toMatchObject({ action: "send", reason: "send_due" });
  });
});
