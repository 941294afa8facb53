import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_CONTACT_POLICY } from "../../app/domain/contact-policy";
import { activeContactPolicy, runSchedule } from "../../app/engine/planner.server";
import { compareArms } from "../../app/staff/experiment-comparison.server";
import { channelField } from "../../app/staff/policy-channels-form";
import { policyFormValues, stageField } from "../../app/staff/policy-form";
import { action, loader } from "../../app/routes/staff.experiments";
import { insertAccount, insertPayment } from "../support/builders";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { enrolledStaff, get, outcome, post, signedInCookie, staffContext } from "./support";

/**
 * Strategy experiments in the console (docs/product-rules.md §4.21): started from the policy editor's
 * form, compared by set-based SQL against a hand-computed book, and promoted as a new, audited champion
 * version (supervisors and admins only).
 */
let t: TestDatabase;
let supervisor: string;
let supervisorId: string;
let agent: string;
beforeAll(async () => {
  t = await createTestDatabase();
  const s = await enrolledStaff(t.db, "supervisor");
  supervisorId = s.user.id;
  supervisor = await signedInCookie(t.db, s.user);
  agent = await signedInCookie(t.db, (await enrolledStaff(t.db, "agent")).user);
});
afterAll(async () => {
  await t?.destroy();
});

const send = (form: Record<string, string>, cookie = supervisor) =>
  outcome(() =>
    action({ request: post("/staff/experiments", form, cookie), params: {}, context: staffContext(t.db) }),
  );
const challengerForm = () => ({
  ...policyFormValues(DEFAULT_CONTACT_POLICY),
  [stageField("early", "everyDays")]: "2",
  // The challenger's channels and escalation (§4.15) are its own, like the rest of its policy.
  [channelField("late", 2)]: "email",
  "escalation.undeliveredTexts": "",
  "escalation.whenRefused": "stop",
  intent: "start",
  name: "Early every 2 days",
  sharePercent: "20",
});

describe("the comparison's SQL", () => {
  it("measures each arm from its assignment, against a hand-computed book", async () => {
    const staff = supervisorId;
    const { id } = await t.db
      .insertInto("policy_experiments")
      .values({
        name: "fixture",
        challenger_policy: JSON.stringify(DEFAULT_CONTACT_POLICY),
        share_percent: 50,
        champion_version: 0,
        status: "stopped",
        ended_at: new Date("2026-04-01T00:00:00Z"),
        started_by_staff_id: staff,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const assigned = new Date("2026-03-01T00:00:00Z");
    const before = new Date("2026-02-20T00:00:00Z");
    const during = new Date("2026-03-10T00:00:00Z");
    // Champion: A in arrears pays 300.00 during (not cured: 500.00 overdue); B in arrears, now status paid
    // (cured), paid 100.00 before its assignment (not collected); C current when assigned, nothing.
    // Challenger: D in arrears pays 500.00 during (overdue covered: cured); E in arrears pays only after the end.
    const asOf = new Date("2026-02-25T00:00:00Z");
    const a = await insertAccount(t.db, { overdue_minor: 50_000, balance_as_of: asOf });
    const b = await insertAccount(t.db, { overdue_minor: 50_000, status: "paid", balance_as_of: asOf });
    const c = await insertAccount(t.db, { overdue_minor: 0, dpd: 0, status: "current", balance_as_of: asOf });
    const d = await insertAccount(t.db, { overdue_minor: 50_000, balance_as_of: asOf });
    const e = await insertAccount(t.db, { overdue_minor: 50_000, balance_as_of: asOf });
    const arms = [
      [a, "champion", true],
      [b, "champion", true],
      [c, "champion", false],
      [d, "challenger", true],
      [e, "challenger", true],
    ] as const;
    await t.db
      .insertInto("policy_experiment_assignments")
      .values(
        arms.map(([acc, arm, inArrears]) => ({
          experiment_id: id,
          account_id: acc.id,
          arm,
          in_arrears: inArrears,
          assigned_at: assigned,
        })),
      )
      .execute();
    await insertPayment(t.db, a, { amount_minor: 30_000, status: "succeeded", succeeded_at: during });
    await insertPayment(t.db, b, { amount_minor: 10_000, status: "succeeded", succeeded_at: before });
    await insertPayment(t.db, d, { amount_minor: 50_000, status: "succeeded", succeeded_at: during });
    // A payment after the experiment ended is not the experiment's.
    await insertPayment(t.db, e, {
      amount_minor: 20_000,
      status: "succeeded",
      succeeded_at: new Date("2026-04-02T00:00:00Z"),
    });
    await t.db
      .insertInto("promises_to_pay")
      .values(
        [
          { account: a, status: "kept" as const },
          { account: a, status: "broken" as const },
          { account: d, status: "kept" as const },
        ].map((p) => ({
          account_id: p.account.id,
          borrower_id: p.account.borrower_id,
          amount_minor: 10_000,
          currency: "HKD",
          promised_date: "2026-03-12",
          status: p.status,
          created_at: during,
          resolved_at: during,
        })),
      )
      .execute();

    const c1 = await compareArms(t.db, id, new Date("2026-04-01T00:00:00Z"));
    expect(c1.arms.champion).toMatchObject({
      accounts: 3,
      cure: { successes: 1, n: 2 },
      paid: { successes: 1, n: 3 },
      promiseKept: { successes: 1, n: 2 },
    });
    expect(c1.arms.challenger).toMatchObject({
      accounts: 2,
      cure: { successes: 1, n: 2 },
      paid: { successes: 1, n: 2 },
      promiseKept: { successes: 1, n: 1 },
    });
    // Collected per account, HKD: champion (30,000 + 0 + 0) / 3 = 10,000; challenger (50,000 + 0) / 2 = 25,000.
    const hkd = c1.collected.find((x) => x.currency === "HKD")!;
    expect(hkd.champion.mean?.estimate).toBe(10_000);
    expect(hkd.challenger.mean?.estimate).toBe(25_000);
    expect(hkd.difference?.estimate).toBe(15_000);
    // Five accounts: far below the minimum sample, so no measure calls a winner.
    expect(c1.differences.cure.verdict).toBe("too_few");
    expect(hkd.verdict).toBe("too_few");
  });
});

describe("strategy experiments in the console", () => {
  it("only supervisors and admins see the page; a bad share or name is refused beside its field", async () => {
    const view = (cookie: string) =>
      outcome(() =>
        loader({ request: get("/staff/experiments", cookie), params: {}, context: staffContext(t.db) }),
      );
    expect((await view(agent)).status).toBe(403);
    expect((await send(challengerForm(), agent)).status).toBe(403);
    const bad = await send({ ...challengerForm(), sharePercent: "60", name: " " });
    expect(bad.status).toBe(400);
    expect(bad.data).toMatchObject({
      errors: {
        sharePercent: [{ key: "console:experiments.errors.share" }],
        name: [{ key: "console:experiments.errors.name" }],
      },
    });
    // A NUL (Postgres text cannot hold it) is a 400 beside the field, never a 500.
    const nul = await send({ ...challengerForm(), name: "a\u0000b" });
    expect(nul.status).toBe(400);
    expect(nul.data).toMatchObject({ errors: { name: [{ key: "console:experiments.errors.name" }] } });
    expect(
      await t.db.selectFrom("policy_experiments").select("id").where("status", "=", "running").execute(),
    ).toEqual([]);
  });

  it("promotion makes the challenger the new champion version, audited, and closes the experiment with its result", async () => {
    const started = await send(challengerForm());
    expect(started).toMatchObject({ status: 303, location: "/staff/experiments?notice=started" });
    expect((await send(challengerForm())).location).toBe("/staff/experiments?notice=alreadyRunning");
    const running = await t.db
      .selectFrom("policy_experiments")
      .select(["id", "share_percent", "champion_version"])
      .where("status", "=", "running")
      .executeTakeFirstOrThrow();
    expect(running).toMatchObject({ share_percent: 20, champion_version: 0 });
    await runSchedule(t.db, { now: new Date("2026-03-10T02:00:00Z") });

    const page = await outcome(() =>
      loader({ request: get("/staff/experiments", supervisor), params: {}, context: staffContext(t.db) }),
    );
    const assigned = await t.db
      .selectFrom("policy_experiment_assignments")
      .select("arm")
      .where("experiment_id", "=", running.id)
      .execute();
    expect(assigned.length).toBeGreaterThan(0);
    expect(page.data).toMatchObject({
      running: { id: running.id, comparison: { arms: { champion: {}, challenger: {} } } },
    });
    const shown = (page.data as { running: { comparison: { arms: Record<string, { accounts: number }> } } })
      .running.comparison.arms;
    expect(shown.champion!.accounts + shown.challenger!.accounts).toBe(assigned.length);

    const promoted = await send({ intent: "promote", experimentId: running.id });
    expect(promoted).toMatchObject({ status: 303, location: "/staff/experiments?notice=promoted" });
    const policy = await activeContactPolicy(t.db);
    expect(policy.stages.find((s) => s.id === "early")?.everyDays).toBe(2);
    expect(policy.stages.find((s) => s.id === "late")?.channels).toEqual(["sms", "email"]);
    expect(policy.escalation).toEqual({
      undeliveredTexts: null,
      ignoredReminders: null,
      whenRefused: "stop",
    });
    expect(policy.jurisdictions).toEqual(DEFAULT_CONTACT_POLICY.jurisdictions);
    const versions = await t.db.selectFrom("contact_policies").select(["version", "active"]).execute();
    expect(versions).toEqual([{ version: 1, active: true }]);
    const closed = await t.db
      .selectFrom("policy_experiments")
      .select(["status", "promoted_version", "result", "ended_by_staff_id"])
      .where("id", "=", running.id)
      .executeTakeFirstOrThrow();
    expect(closed).toMatchObject({
      status: "promoted",
      promoted_version: 1,
      ended_by_staff_id: supervisorId,
    });
    expect(closed.result).toMatchObject({ minSamplePerArm: 100, arms: { champion: {}, challenger: {} } });
    const audits = await t.db
      .selectFrom("audit_events")
      .select(["action", "actor_id", "subject_id", "detail"])
      .where("action", "in", [
        "contact_policy.saved",
        "policy_experiment.started",
        "policy_experiment.promoted",
      ])
      .orderBy("id")
      .execute();
    expect(audits.map((x) => x.action)).toEqual([
      "policy_experiment.started",
      "contact_policy.saved",
      "policy_experiment.promoted",
    ]);
    expect(audits.every((x) => x.actor_id === supervisorId)).toBe(true);
    expect(audits[1]!.detail).toMatchObject({ version: 1, previousVersion: 0, experimentId: running.id });
    expect(audits[2]).toMatchObject({ subject_id: running.id, detail: { promotedVersion: 1 } });
    // Closed: promoting or stopping it again changes nothing.
    expect((await send({ intent: "stop", experimentId: running.id })).location).toBe(
      "/staff/experiments?notice=notRunning",
    );
  });
});
