import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "kysely";
import { runSchedule, type DecisionLine } from "../../app/engine/planner.server";
import { seedDemoHistory } from "../../app/demo/history.server";
import { HISTORY_BORROWERS } from "../../app/demo/history-draw";
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

  it("is never texted by the live schedule: every history account is suppressed, nothing queued", async () => {
    const lines: DecisionLine[] = [];
    const before = await count("messages");
    await runSchedule(t.db, { now: NOW, onDecision: (l) => lines.push(l) });
    expect(lines).toHaveLength(HISTORY_BORROWERS);
    expect(new Set(lines.map((l) => l.action))).toEqual(new Set(["suppress"]));
    expect(await count("messages")).toBe(before);
    expect(await count("tasks")).toBe(0);
  });
});
