import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Account, StaffUser } from "../../db/schema";
import { DEFAULT_CONTACT_POLICY, type ContactPolicy } from "../../app/domain/contact-policy";
import { assignArm } from "../../app/domain/experiment-arm.server";
import { decideForAccount, runSchedule, type DecisionLine } from "../../app/engine/planner.server";
import { closeExperiment, startExperiment } from "../../app/staff/experiments.server";
import { insertAccount, insertBorrower, insertStaffUser } from "../support/builders";
import { createTestDatabase, type TestDatabase } from "../support/database";

/**
 * Champion-challenger on whole strategies (docs/product-rules.md §4.21), through the real planner on real
 * Postgres: each account is decided under its arm's policy, its arm is recorded once, stopping returns
 * everyone to the champion, and the jurisdiction profiles bind the challenger whatever it asks for.
 */
let t: TestDatabase;
let staff: StaffUser;
beforeAll(async () => {
  t = await createTestDatabase();
  staff = await insertStaffUser(t.db, { role: "supervisor" });
});
afterAll(async () => {
  await t?.destroy();
});

async function run(now: Date): Promise<Map<string, DecisionLine>> {
  const lines = new Map<string, DecisionLine>();
  await runSchedule(t.db, { now, onDecision: (line) => lines.set(line.account, line) });
  return lines;
}

async function start(challenger: ContactPolicy, sharePercent = 50) {
  const started = await startExperiment(t.db, { staff, name: "test", sharePercent, challenger });
  if (started.status !== "started") throw new Error("an experiment is already running");
  return started.id;
}

/** Accounts split by the arm the hash gives them; the test needs both arms populated. */
function byArm(accounts: Account[], experimentId: string, share = 50) {
  const challenger = accounts.filter((a) => assignArm(experimentId, a.id, share) === "challenger");
  const champion = accounts.filter((a) => assignArm(experimentId, a.id, share) === "champion");
  expect(challenger.length).toBeGreaterThan(0);
  expect(champion.length).toBeGreaterThan(0);
  return { challenger, champion };
}

describe("strategy experiment in the planner", () => {
  let hk: Account[];
  let experimentId: string;

  it("decides each account under its arm's policy and records its arm once", async () => {
    hk = await Promise.all(Array.from({ length: 16 }, () => insertAccount(t.db, { dpd: 5 })));
    // The challenger's only difference: it starts sending at 10:00, the champion at 09:00.
    experimentId = await start({
      ...DEFAULT_CONTACT_POLICY,
      contactWindow: { start: "10:00", end: "20:00" },
    });
    const arms = byArm(hk, experimentId);
    const nineThirty = new Date("2026-03-10T01:30:00Z"); // 09:30 in Hong Kong
    const lines = await run(nineThirty);
    for (const a of arms.champion) expect(lines.get(a.external_ref)?.action).toBe("send");
    for (const a of arms.challenger)
      expect(lines.get(a.external_ref)).toMatchObject({ action: "defer", reason: "quiet_hours" });
    // The dispatcher's re-check and the staff view decide the same account the same way.
    const recheck = await decideForAccount(t.db, arms.challenger[0]!.id, nineThirty);
    expect(recheck?.decision).toMatchObject({ action: "defer", reason: "quiet_hours" });

    await run(new Date("2026-03-10T02:30:00Z"));
    const recorded = await t.db
      .selectFrom("policy_experiment_assignments")
      .select(["account_id", "arm", "in_arrears", "assigned_at"])
      .where("experiment_id", "=", experimentId)
      .execute();
    expect(recorded).toHaveLength(hk.length);
    for (const r of recorded) {
      expect(r.arm).toBe(assignArm(experimentId, r.account_id, 50));
      expect(r.in_arrears).toBe(true);
      // Recorded when first decided; the second run left it alone.
      expect(r.assigned_at.toISOString()).toBe(nineThirty.toISOString());
    }
  });

  it("stopping the experiment returns every account to the champion", async () => {
    const arms = byArm(hk, experimentId);
    expect(await closeExperiment(t.db, { staff, experimentId, promote: false })).toEqual({
      status: "stopped",
    });
    // The next morning at 09:30: the challenger's accounts are sent at the champion's 09:00 window again.
    const lines = await run(new Date("2026-03-13T01:30:00Z"));
    for (const a of arms.challenger) expect(lines.get(a.external_ref)?.action).toBe("send");
  });
});

describe("compliance binds every arm", () => {
  it("a challenger that asks for 06:00 sends, and drops the legal window, never contacts before 08:00 in the mainland", async () => {
    const cn = await Promise.all(
      Array.from({ length: 16 }, async () => {
        const borrower = await insertBorrower(t.db, {
          jurisdiction: "CN",
          time_zone: "Asia/Shanghai",
          locale: "zh-CN",
        });
        return insertAccount(t.db, { borrower_id: borrower.id, dpd: 12, currency: "CNY" });
      }),
    );
    const { contactWindow: _dropped, ...loosenedCn } = DEFAULT_CONTACT_POLICY.jurisdictions.CN;
    const experimentId = await start({
      ...DEFAULT_CONTACT_POLICY,
      contactWindow: { start: "06:00", end: "20:00" },
      jurisdictions: { ...DEFAULT_CONTACT_POLICY.jurisdictions, CN: loosenedCn },
    });
    const arms = byArm(cn, experimentId);

    // 06:30 and 07:59 in Shanghai: nobody is contacted, the challenger's accounts wait for 08:00.
    for (const at of ["2026-03-16T22:30:00Z", "2026-03-16T23:59:00Z"]) {
      const lines = await run(new Date(at));
      for (const a of cn) expect(lines.get(a.external_ref)?.action).toBe("defer");
      for (const a of arms.challenger)
        expect(lines.get(a.external_ref)).toMatchObject({
          reason: "quiet_hours",
          at: "2026-03-17T00:00:00.000Z",
        });
    }
    // 08:30: the challenger's accounts go (its own window is open), the champion's still wait for 09:00.
    const lines = await run(new Date("2026-03-17T00:30:00Z"));
    for (const a of arms.challenger) expect(lines.get(a.external_ref)?.action).toBe("send");
    for (const a of arms.champion) expect(lines.get(a.external_ref)?.action).toBe("defer");
    const early = await t.db
      .selectFrom("messages")
      .select("id")
      .where(
        "account_id",
        "in",
        cn.map((a) => a.id),
      )
      .where("created_at", "<", new Date("2026-03-17T00:00:00Z"))
      .execute();
    expect(early).toEqual([]);
  });
});
