import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemoHistory } from "../../app/demo/history.server";
import { loadExperiments } from "../../app/staff/experiments.server";
import { createTestDatabase, type TestDatabase } from "../support/database";

/** The demo history's strategy experiment (issue #23 items 2 and 5): present on first start, deterministic, demo. */
const NOW = new Date("2026-11-23T05:30:00Z");
let t: TestDatabase;
let other: TestDatabase;
beforeAll(async () => {
  [t, other] = await Promise.all([createTestDatabase(), createTestDatabase()]);
  await Promise.all([seedDemoHistory(t.db, { now: NOW }), seedDemoHistory(other.db, { now: NOW })]);
});
afterAll(async () => {
  await Promise.all([t?.destroy(), other?.destroy()]);
});

const arms = (db: TestDatabase["db"]) =>
  db
    .selectFrom("policy_experiment_assignments as x")
    .innerJoin("accounts as a", "a.id", "x.account_id")
    .select(["a.external_ref", "x.arm"])
    .orderBy("a.external_ref")
    .execute();

describe("the demo strategy experiment", () => {
  it("compares two populated arms on the experiments page, marked demo, closed without touching the policy", async () => {
    const view = await loadExperiments(t.db, { locale: "en", timeZone: "Asia/Hong_Kong" }, NOW);
    expect(view.running).toBeNull();
    expect(view.closed).toHaveLength(1);
    const demo = view.closed[0]!;
    expect(demo).toMatchObject({ demo: true, status: "stopped", promotedVersion: null, sharePercent: 50 });
    const { champion, challenger } = demo.comparison.arms;
    const rate = (m: { successes: number; n: number }) => `${m.successes}/${m.n}`;
    console.info(
      `demo experiment: cure ${rate(champion.cure)} vs ${rate(challenger.cure)} (${demo.comparison.differences.cure.verdict}),` +
        ` paid ${rate(champion.paid)} vs ${rate(challenger.paid)} (${demo.comparison.differences.paid.verdict})`,
    );
    expect(champion.accounts + challenger.accounts).toBe(300);
    for (const arm of [champion, challenger]) {
      expect(arm.accounts).toBeGreaterThan(100);
      expect(arm.cure.n).toBeGreaterThan(0);
      expect(arm.paid.successes).toBeGreaterThan(0);
      expect(arm.promiseKept.n).toBeGreaterThan(0);
    }
    expect(demo.comparison.collected.length).toBeGreaterThan(0);
    expect(await t.db.selectFrom("contact_policies").select("id").execute()).toEqual([]);
  });

  it("draws the same arms for the same accounts in every database", async () => {
    const [a, b] = await Promise.all([arms(t.db), arms(other.db)]);
    expect(a).toHaveLength(300);
    expect(b).toEqual(a);
  });
});
