import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Account } from "../../db/schema";
import {
  loadBorrowerEvidence,
  loadSegmentEvidence,
  segmentKey,
} from "../../app/engine/send-time-evidence.server";
import { insertAccount, insertBorrower, insertMessage } from "../support/builders";
import { createTestDatabase, type TestDatabase } from "../support/database";

/**
 * The sampler's evidence (docs/product-rules.md §4.13): texts by local send hour, and whether the link was
 * opened and the borrower verified on it within 24 h.
 */

const NOW = new Date("2026-03-10T12:00:00Z");
const HOUR = 3_600_000;

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.destroy();
});

/** A reminder sent at `sentAt`; opened and verified on after the given hours (null: never). */
async function reminder(
  account: Account,
  sentAt: string,
  openedAfter: number | null,
  verifiedAfter: number | null,
) {
  const sent = new Date(sentAt);
  const message = await insertMessage(t.db, account, {
    stage: "mid",
    locale: "zh-HK",
    status: "sent",
    sent_at: sent,
  });
  const link = await t.db
    .insertInto("short_links")
    .values({
      code_hash: randomBytes(16).toString("hex"),
      key_id: "k1",
      borrower_id: account.borrower_id,
      account_id: account.id,
      message_id: message.id,
      expires_at: new Date(sent.getTime() + 30 * 24 * HOUR),
      open_count: openedAfter === null ? 0 : 1,
      first_opened_at: openedAfter === null ? null : new Date(sent.getTime() + openedAfter * HOUR),
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  if (verifiedAfter !== null) {
    const at = new Date(sent.getTime() + verifiedAfter * HOUR);
    await t.db
      .insertInto("borrower_sessions")
      .values({
        id: randomBytes(16).toString("hex"),
        borrower_id: account.borrower_id,
        account_id: account.id,
        link_id: link.id,
        created_at: at,
        last_seen_at: at,
        expires_at: new Date(at.getTime() + 2 * HOUR),
      })
      .execute();
  }
}

describe("send-time evidence", () => {
  it("counts texts by the borrower's local send hour, and opens-and-acts within 24 h", async () => {
    const hk = await insertBorrower(t.db, {
      locale: "zh-HK",
      time_zone: "Asia/Hong_Kong",
      jurisdiction: "HK",
    });
    const account = await insertAccount(t.db, { borrower_id: hk.id });
    // 10:10 in Hong Kong: opened and verified within the hour.
    await reminder(account, "2026-03-01T02:10:00Z", 0.5, 1);
    // 10:40: opened, never verified.
    await reminder(account, "2026-03-04T02:40:00Z", 2, null);
    // 19:30: opened and verified, but 30 hours later.
    await reminder(account, "2026-03-06T11:30:00Z", 30, 30);
    // Sent 6 hours ago: its outcome is not known yet.
    await reminder(account, "2026-03-10T06:00:00Z", 1, 1);
    const other = await insertBorrower(t.db, {
      locale: "zh-HK",
      time_zone: "Asia/Hong_Kong",
      jurisdiction: "HK",
    });
    await reminder(await insertAccount(t.db, { borrower_id: other.id }), "2026-03-02T02:05:00Z", 1, 2);
    // Another segment: 10:00 in New York.
    const us = await insertBorrower(t.db, {
      locale: "en",
      time_zone: "America/New_York",
      jurisdiction: "US",
    });
    await reminder(await insertAccount(t.db, { borrower_id: us.id }), "2026-03-02T15:00:00Z", 1, 1);

    const evidence = {
      borrowers: await loadBorrowerEvidence(t.db, { now: NOW, borrowerIds: [hk.id] }),
      segments: await loadSegmentEvidence(t.db, NOW),
    };
    expect(evidence.borrowers.get(hk.id)).toEqual({ 10: { sent: 2, acted: 1 }, 19: { sent: 1, acted: 0 } });
    expect(evidence.borrowers.has(other.id)).toBe(false);
    expect(evidence.segments.get(segmentKey("HK", "mid", "zh-HK"))).toEqual({
      10: { sent: 3, acted: 2 },
      19: { sent: 1, acted: 0 },
    });
    expect(evidence.segments.get(segmentKey("US", "mid", "zh-HK"))).toEqual({ 10: { sent: 1, acted: 1 } });
  });
});
