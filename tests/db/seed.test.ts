import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_BORROWERS, type DemoStage } from "../../app/demo/demo-borrowers";
import { isDatabaseEmpty, seedDemoData, utcDateFromNow } from "../../app/demo/seed.server";
import { hashVerificationAnswer } from "../../app/borrower/verification-answers.server";
import { createTestDatabase, type TestDatabase } from "../support/database";

const KEY = "seed-test-verification-key-0123456789";
const NOW = new Date("2030-03-15T04:00:00Z");

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.destroy();
});

describe("seedDemoData", () => {
  it("seeds an empty database once, even when asked twice at the same time", async () => {
    expect(await isDatabaseEmpty(t.db)).toBe(true);
    const results = await Promise.all([
      seedDemoData(t.db, { verificationHashKey: KEY, now: NOW }),
      seedDemoData(t.db, { verificationHashKey: KEY, now: NOW }),
    ]);
    expect(results.map((r) => r.borrowers).sort()).toEqual([0, DEMO_BORROWERS.length]);
    expect(await seedDemoData(t.db, { verificationHashKey: KEY, now: NOW })).toEqual({ borrowers: 0 });
    expect(await isDatabaseEmpty(t.db)).toBe(false);

    const counts = await t.db
      .selectFrom("borrowers")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("external_ref", "like", "DEMO-%")
      .executeTakeFirstOrThrow();
    expect(Number(counts.n)).toBe(DEMO_BORROWERS.length);
    const prefs = await t.db.selectFrom("contact_preferences").select("borrower_id").execute();
    expect(prefs).toHaveLength(DEMO_BORROWERS.length);
  });

  it("covers every stage, with locales spread over zh-HK, zh-CN and en", () => {
    const stages = new Set(DEMO_BORROWERS.map((b) => b.stage));
    const expected: DemoStage[] = [
      "pre_due",
      "early",
      "mid",
      "late",
      "serious",
      "paid",
      "in_plan",
      "in_hardship",
    ];
    expect([...stages].sort()).toEqual([...expected].sort());
    expect(new Set(DEMO_BORROWERS.map((b) => b.locale))).toEqual(new Set(["zh-HK", "zh-CN", "en"]));
    expect(new Set(DEMO_BORROWERS.map((b) => b.externalRef)).size).toBe(DEMO_BORROWERS.length);
  });

  it("stores accounts whose days past due, status and due date match their stage", async () => {
    const rows = await t.db
      .selectFrom("accounts")
      .innerJoin("borrowers", "borrowers.id", "accounts.borrower_id")
      .select([
        "borrowers.external_ref",
        "accounts.dpd",
        "accounts.status",
        "accounts.due_date",
        "accounts.balance_minor",
      ])
      .execute();
    const byRef = new Map(rows.map((r) => [r.external_ref, r]));
    const stage = (s: DemoStage) => byRef.get(DEMO_BORROWERS.find((b) => b.stage === s)!.externalRef)!;

    expect(stage("pre_due")).toMatchObject({ dpd: 0, status: "current", due_date: utcDateFromNow(NOW, 3) });
    expect(stage("early")).toMatchObject({ dpd: 4, status: "delinquent" });
    expect(stage("late").dpd).toBe(35);
    expect(stage("serious").dpd).toBe(75);
    expect(stage("paid")).toMatchObject({ status: "paid", balance_minor: 0 });
    for (const row of rows) expect(Number.isSafeInteger(row.balance_minor)).toBe(true);
  });

  it("gives the plan borrower an active plan whose instalments sum exactly to its total", async () => {
    const plans = await t.db.selectFrom("instalment_plans").selectAll().execute();
    expect(plans.some((p) => p.status === "active")).toBe(true);
    for (const plan of plans) {
      const instalments = await t.db
        .selectFrom("instalments")
        .selectAll()
        .where("plan_id", "=", plan.id)
        .orderBy("seq")
        .execute();
      expect(instalments).toHaveLength(plan.instalment_count);
      expect(instalments.reduce((sum, i) => sum + i.amount_minor, 0)).toBe(plan.total_minor);
      expect(instalments[0]!.due_date).toBe(plan.first_due_date);
    }
  });

  it("gives the hardship borrower an open report pausing contact for 30 days, and a review task", async () => {
    const report = await t.db.selectFrom("hardship_reports").selectAll().executeTakeFirstOrThrow();
    expect(report.status).toBe("open");
    expect(report.pause_until?.getTime()).toBe(NOW.getTime() + 30 * 86_400_000);
    const task = await t.db
      .selectFrom("tasks")
      .selectAll()
      .where("source_id", "=", report.id)
      .executeTakeFirstOrThrow();
    expect(task).toMatchObject({ kind: "hardship_review", status: "open" });
  });

  it("stores keyed hashes of the listed verification answers, never the answers", async () => {
    const rows = await t.db
      .selectFrom("borrowers")
      .select(["external_ref", "dob_hash", "id_last4_hash"])
      .execute();
    for (const demo of DEMO_BORROWERS) {
      const row = rows.find((r) => r.external_ref === demo.externalRef)!;
      expect(row.dob_hash).toBe(hashVerificationAnswer("dob", demo.dob, KEY));
      expect(row.id_last4_hash).toBe(hashVerificationAnswer("id_last4", demo.idLast4, KEY));
      expect(row.dob_hash).not.toContain(demo.dob);
    }
  });
});
