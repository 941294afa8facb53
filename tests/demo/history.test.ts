import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "kysely";
import { runSchedule, type DecisionLine } from "../../app/engine/planner.server";
import { seedDemoHistory } from "../../app/demo/history.server";
import { HISTORY_BORROWERS } from "../../app/demo/history-draw";
import { loadOutcomes } from "../../app/staff/outcomes.server";
import { parseOutcomeFilters } from "../../app/staff/outcome-filters";
import { createTestDatabase, type TestDatabase } from "../support/database";

const NOW = new Date("2026-11-23T05:30:00Z");

let t: TestDatabase;
let seededMs = 0;
beforeAll(async () => {
  t = await createTestDatabase();
  const started = performance.now();
  await seedDemoHistory(t.db, { now: NOW });
  seededMs = performance.now() - started;
});
afterAll(async () => {
  await t.destroy();
});

const count = async (table: string) =>
  Number((await sql<{ n: string }>`select count(*) as n from ${sql.table(table)}`.execute(t.db)).rows[0]!.n);

describe("the demo history (issue #23 item 5)", () => {
  it("inserts a few hundred synthetic borrowers with texts, opens, verifications, payments, plans, promises and calls, once", async () => {
    console.info(`demo history seeded in ${Math.round(seededMs)} ms`);
    expect(await count("borrowers")).toBe(HISTORY_BORROWERS);
    for (const table of [
      "messages",
      "short_links",
      "verification_attempts",
      "payments",
      "promises_to_pay",
      "instalment_plans",
      "instalments",
      "call_attempts",
    ])
      expect(await count(table), table).toBeGreaterThan(0);
    expect(await seedDemoHistory(t.db, { now: NOW })).toEqual({ borrowers: 0 });
    expect(await count("borrowers")).toBe(HISTORY_BORROWERS);
  });

  it("is never texted by the live schedule: no history account is sent anything, nothing queued", async () => {
    const lines: DecisionLine[] = [];
    const before = await count("messages");
    await runSchedule(t.db, { now: NOW, onDecision: (l) => lines.push(l) });
    expect(lines).toHaveLength(HISTORY_BORROWERS);
    // Plans, promises and hardship defer some (no contact either); every channel is closed to the rest.
    expect(lines.filter((l) => l.action === "send")).toEqual([]);
    expect(await count("messages")).toBe(before);
    expect(await count("tasks")).toBe(0);
  });

  it("is deterministic: a second database seeded at the same time holds the same rows and the same outcomes", async () => {
    const other = await createTestDatabase();
    try {
      await seedDemoHistory(other.db, { now: NOW });
      const filters = parseOutcomeFilters(new URLSearchParams(), "2026-11-23");
      if (!filters.ok) throw new Error("default filters refused");
      const figures = (db: TestDatabase["db"]) =>
        loadOutcomes(db, filters.filters, { timeZone: "Asia/Hong_Kong", now: NOW });
      const digest = (db: TestDatabase["db"]) =>
        sql<{
          d: string;
        }>`select md5(string_agg(concat_ws('|', a.external_ref, m.stage, m.status, m.sent_at, l.first_opened_at), ',' order by a.external_ref, m.sent_at)) as d
          from messages m join accounts a on a.id = m.account_id left join short_links l on l.message_id = m.id`.execute(
          db,
        );
      const [mine, theirs] = await Promise.all([figures(t.db), figures(other.db)]);
      expect(theirs).toEqual(mine);
      expect((await digest(other.db)).rows).toEqual((await digest(t.db)).rows);

      // Every figure has something to show on a fresh start.
      for (const c of mine.byCurrency)
        for (const key of ["portalMinor", "offlineMinor", "texts", "segments", "calls"] as const)
          expect(c[key], `${c.currency} ${key}`).toBeGreaterThan(0);
      for (const key of ["cure", "roll", "promiseKept", "planCompleted", "planBroken"] as const) {
        expect(mine[key].numerator, key).toBeGreaterThan(0);
        expect(mine[key].numerator, key).toBeLessThan(mine[key].denominator);
      }
      expect(mine.firstAction.medianHours).toBeGreaterThan(0);
      expect(mine.cohorts.length).toBeGreaterThanOrEqual(3);
      expect(mine.cohorts.every((c) => c.curve.at(-1)!.collectedMinor > 0)).toBe(true);
    } finally {
      await other.destroy();
    }
  });
});
