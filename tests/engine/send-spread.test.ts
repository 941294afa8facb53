import fc from "fast-check";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isWithinWindow, localEpochDay, type LocalWindow } from "../../app/domain/local-time";
import { hourOf, placeInSpread } from "../../app/domain/send-spread";
import { runSchedule } from "../../app/engine/planner.server";
import { insertAccount } from "../support/builders";
import { createTestDatabase, type TestDatabase } from "../support/database";

/**
 * The daily spread (docs/product-rules.md §4.22): the planner places each due text in the borrower's window
 * so that no clock hour gets more texts than the call centre's inbound capacity allows, and a text with no
 * room today waits for tomorrow's window. The rule as a property (pure, a fake clock), then the planner.
 */

// One call-back for every four texts, one call an hour: four texts an hour, one every 15 minutes.
process.env.INBOUND_CALLS_PER_HOUR = "1";
process.env.CALLBACKS_PER_TEXT = "0.25";

const HOUR = 3_600_000;
const ZONES = ["Asia/Hong_Kong", "Asia/Kolkata", "America/New_York", "Europe/London", "Australia/Adelaide"];

describe("placeInSpread (property)", () => {
  it("never exceeds the hour's capacity, never leaves the window or goes before now, and defers only when today is full", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.integer({ min: 0, max: 23 * 60 }),
        fc.integer({ min: 30, max: 16 * 60 }),
        fc.integer({ min: Date.parse("2026-01-01T00:00:00Z"), max: Date.parse("2027-01-01T00:00:00Z") }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 80 }),
        fc.array(fc.tuple(fc.integer({ min: -1, max: 20 }), fc.integer({ min: 0, max: 12 })), {
          maxLength: 6,
        }),
        (zone, start, length, now, perHour, texts, preloaded) => {
          const window: LocalWindow = { startMinute: start, endMinute: Math.min(24 * 60, start + length) };
          fc.pre(isWithinWindow(now, zone, window));
          const loads = new Map<number, number>();
          for (const [offset, used] of preloaded)
            loads.set(hourOf(now) + offset * HOUR, Math.min(used, perHour));
          const before = new Map(loads);
          const placed: number[] = [];
          let waited = false;
          for (let i = 0; i < texts; i++) {
            const place = placeInSpread({ now, zone, window, perHour, loads });
            if (place.at === null) {
              waited = true;
              expect(place.retryAt).toBeGreaterThan(now);
              continue;
            }
            expect(waited).toBe(false); // once today is full it stays full
            placed.push(place.at);
          }
          const perHourCount = new Map<number, number>();
          for (const at of placed) {
            expect(at).toBeGreaterThanOrEqual(now);
            expect(isWithinWindow(at, zone, window)).toBe(true);
            expect(localEpochDay(at, zone)).toBe(localEpochDay(now, zone)); // today's window, not tomorrow's
            perHourCount.set(hourOf(at), (perHourCount.get(hourOf(at)) ?? 0) + 1);
          }
          for (const [hour, count] of perHourCount) {
            // The texts of an hour, with the slots it had already used, fit its capacity.
            expect(count + (before.get(hour) ?? 0)).toBeLessThanOrEqual(perHour);
            // ... and no faster than the capacity within the hour: evenly spaced, one slot each.
            const times = placed.filter((at) => hourOf(at) === hour).sort((a, b) => a - b);
            for (let i = 1; i < times.length; i++)
              expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(Math.floor(HOUR / perHour));
          }
        },
      ),
      { numRuns: 300, seed: 23 },
    );
  });
});

// 13:30 in Hong Kong: the window (09:00-20:00) has 6.5 hours left today.
const NOW = new Date("2026-11-23T05:30:00Z");
const TOMORROW_0900 = new Date("2026-11-24T01:00:00Z");

describe("the planner's daily spread", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t.destroy();
    delete process.env.INBOUND_CALLS_PER_HOUR;
    delete process.env.CALLBACKS_PER_TEXT;
  });

  const queued = () =>
    t.db
      .selectFrom("messages")
      .select(["id", "account_id", "scheduled_for", "dedupe_key"])
      .where("template_key", "like", "reminder.%")
      .execute();
  const waits = () =>
    t.db
      .selectFrom("contact_decisions")
      .select(["account_id", "act_at"])
      .where("reason", "=", "inbound_capacity")
      .execute();

  it("places 30 due reminders four an hour until 20:00; the 4 with no room wait for tomorrow's window; a later run adds none twice", async () => {
    const accounts = [];
    for (let i = 0; i < 30; i++) accounts.push(await insertAccount(t.db));
    await runSchedule(t.db, { now: NOW });

    const texts = await queued();
    // 13:30 and 13:45 (the hour's first two slots are past), then four in each hour 14:00-19:45.
    expect(texts).toHaveLength(2 + 6 * 4);
    const byHour = new Map<number, number>();
    for (const text of texts) {
      const at = text.scheduled_for.getTime();
      expect(at).toBeGreaterThanOrEqual(NOW.getTime());
      expect(isWithinWindow(at, "Asia/Hong_Kong", { startMinute: 9 * 60, endMinute: 20 * 60 })).toBe(true);
      byHour.set(hourOf(at), (byHour.get(hourOf(at)) ?? 0) + 1);
    }
    expect(Math.max(...byHour.values())).toBeLessThanOrEqual(4);
    // Each text's job runs when the text is due, not now.
    const jobs = await sql<{ run_at: Date; payload: Array<{ messageId: string }> }>`
      select run_at, payload from graphile_worker._private_jobs j join graphile_worker._private_tasks k on k.id = j.task_id
      where k.identifier = 'sms:send'`.execute(t.db);
    const runAt = new Map(jobs.rows.flatMap((j) => j.payload.map((p) => [p.messageId, j.run_at.getTime()])));
    for (const text of texts) expect(runAt.get(text.id)).toBe(text.scheduled_for.getTime());
    const waiting = await waits();
    expect(waiting).toHaveLength(4);
    for (const w of waiting) expect(w.act_at).toEqual(TOMORROW_0900);

    // Five minutes later, two more accounts fall due: today is full. The 26 already queued take no room
    // and are not queued again.
    await insertAccount(t.db);
    await insertAccount(t.db);
    await runSchedule(t.db, { now: new Date(NOW.getTime() + 5 * 60_000) });
    const again = await queued();
    expect(again).toHaveLength(26);
    expect(new Set(again.map((m) => m.dedupe_key)).size).toBe(26);
    expect(new Set((await waits()).map((w) => w.account_id)).size).toBe(6);
  });
});
