import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Kysely } from "kysely";
import type { Database } from "../../db/schema";
import { connectDatabase, type DatabaseHandle } from "../../db/connection";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { DEFAULT_CONTACT_POLICY } from "../../app/domain/contact-policy";
import { activeContactPolicy, runSchedule, type DecisionLine } from "../../app/engine/planner.server";
import { channelField } from "../../app/staff/policy-channels-form";
import { policyFormValues, stageField, type PolicyFormValues } from "../../app/staff/policy-form";
import { action, loader } from "../../app/routes/staff.policy";
import type { PolicyFormReply } from "../../app/staff/policy-form-action.server";
import type { PolicyProblem } from "../../app/staff/policy-form";
import { insertAccount, insertBorrower } from "../support/builders";
import { enrolledStaff, get, outcome, post, signedInCookie, staffContext } from "./support";

let t: TestDatabase;
let other: DatabaseHandle;
let supervisor: string;
let supervisorId: string;
let agent: string;

beforeAll(async () => {
  t = await createTestDatabase();
  other = connectDatabase(t.url);
  const s = await enrolledStaff(t.db, "supervisor");
  supervisorId = s.user.id;
  supervisor = await signedInCookie(t.db, s.user);
  agent = await signedInCookie(t.db, (await enrolledStaff(t.db, "agent")).user);
});
afterAll(async () => {
  await other?.close();
  await t?.destroy();
});

const defaults = () => policyFormValues(DEFAULT_CONTACT_POLICY);
const save = (form: Record<string, string>, opts: { cookie?: string; db?: Kysely<Database> } = {}) =>
  outcome(() =>
    action({
      request: post("/staff/policy", { intent: "save", ...form }, opts.cookie ?? supervisor),
      params: {},
      context: staffContext(opts.db ?? t.db),
    }),
  );
const rows = () =>
  t.db
    .selectFrom("contact_policies")
    .select(["version", "active", "policy", "created_by_staff_id"])
    .orderBy("version")
    .execute();
const policyAudits = () =>
  t.db
    .selectFrom("audit_events")
    .select(["action", "actor_id", "detail"])
    .where("action", "=", "contact_policy.saved")
    .orderBy("id")
    .execute();

describe("contact policy editor", () => {
  it("shows the built-in defaults as version 0 while nothing is saved; agents get 403", async () => {
    const o = await outcome(() =>
      loader({ request: get("/staff/policy", supervisor), params: {}, context: staffContext(t.db) }),
    );
    expect(o.status).toBe(200);
    expect(o.data).toMatchObject({
      version: 0,
      policy: DEFAULT_CONTACT_POLICY,
      values: defaults(),
      history: [],
    });
    expect(
      (
        await outcome(() =>
          loader({ request: get("/staff/policy", agent), params: {}, context: staffContext(t.db) }),
        )
      ).status,
    ).toBe(403);
    expect((await save({ ...defaults(), baseVersion: "0" }, { cookie: agent })).status).toBe(403);
  });

  it("rejects an unknown field in a jurisdiction profile, next to that field, and saves nothing", async () => {
    const jurisdictions = JSON.parse(defaults().jurisdictions!) as Record<string, Record<string, unknown>>;
    jurisdictions.UK!.quietSundays = true;
    const o = await save({ ...defaults(), jurisdictions: JSON.stringify(jurisdictions), baseVersion: "0" });
    expect(o.status).toBe(400);
    const reply = o.data as PolicyFormReply<PolicyProblem>;
    expect(reply.errors).toEqual({
      jurisdictions: [{ path: "jurisdictions.UK.quietSundays", text: 'unknown field "quietSundays"' }],
    });
    // What was typed comes back, so nothing is lost.
    expect(reply.values.jurisdictions).toContain("quietSundays");
    expect(await rows()).toEqual([]);
    expect(await policyAudits()).toEqual([]);
  });

  it("rejects overlapping stages and bad numbers, each beside its field, and saves nothing", async () => {
    const o = await save({
      ...defaults(),
      [stageField("mid", "fromDpd")]: "5",
      [stageField("late", "everyDays")]: "0",
      "caps.callsPerDay": "three",
      baseVersion: "0",
    });
    expect(o.status).toBe(400);
    const { errors } = o.data as PolicyFormReply<PolicyProblem>;
    expect(errors[stageField("mid", "fromDpd")]).toEqual([
      {
        path: "stages.3.fromDpd",
        text: "stages must be sorted and non-overlapping: mid starts at 5, early ends at 6",
      },
    ]);
    expect(errors[stageField("late", "everyDays")]![0]).toMatchObject({ path: "stages.4.everyDays" });
    expect(errors["caps.callsPerDay"]).toEqual([{ key: "console:policy.errors.wholeNumber" }]);
    // A NUL character (typed, or escaped in the JSON) cannot be stored in jsonb: refused, not a 500.
    const nul = await save({
      ...defaults(),
      jurisdictions: defaults().jurisdictions!.replace("HKMA", "HK\\u0000MA"),
      baseVersion: "0",
    });
    expect(nul.status).toBe(400);
    expect((nul.data as PolicyFormReply<PolicyProblem>).errors).toEqual({
      _form: [{ key: "console:policy.errors.nul" }],
    });
    expect(await rows()).toEqual([]);
  });

  it("a valid save becomes the one active version, audited with what changed; the planner reads it", async () => {
    const first = await save({
      ...defaults(),
      [stageField("early", "everyDays")]: "4",
      "caps.smsPerBorrowerPer7Days": "2",
      baseVersion: "0",
    });
    expect(first).toMatchObject({ status: 303, location: "/staff/policy?saved=1" });
    const policy = await activeContactPolicy(t.db);
    expect(policy.stages.find((s) => s.id === "early")!.everyDays).toBe(4);
    expect(policy.caps.smsPerBorrowerPer7Days).toBe(2);

    const second = await save({
      ...defaults(),
      [stageField("pre_due", "enabled")]: "",
      promiseGraceDays: "3",
      baseVersion: "1",
    });
    expect(second).toMatchObject({ status: 303, location: "/staff/policy?saved=2" });
    const stored = await rows();
    expect(stored.map((r) => [r.version, r.active, r.created_by_staff_id])).toEqual([
      [1, false, supervisorId],
      [2, true, supervisorId],
    ]);
    expect((await activeContactPolicy(t.db)).stages.map((s) => s.id)).not.toContain("pre_due");

    const audits = await policyAudits();
    expect(audits).toHaveLength(2);
    expect(audits[0]!.detail).toMatchObject({
      version: 1,
      previousVersion: 0,
      changeCount: 2,
      changes: ["caps.smsPerBorrowerPer7Days: 3 -> 2", "stages.2.everyDays: 3 -> 4"],
    });
    // Version 2 is compared with version 1 (the stage list shifted when pre_due was dropped).
    expect(audits[1]!.detail).toMatchObject({ version: 2, previousVersion: 1 });
    expect((audits[1]!.detail as { changes: string[] }).changes).toContain("promiseGraceDays: 2 -> 3");

    const page = await outcome(() =>
      loader({ request: get("/staff/policy?saved=2", supervisor), params: {}, context: staffContext(t.db) }),
    );
    expect(page.data).toMatchObject({
      version: 2,
      notice: "saved",
      history: [
        { version: 2, active: true },
        { version: 1, active: false },
      ],
    });

    // Saving the same policy again writes nothing.
    const same = await save({ ...policyFormValues(await activeContactPolicy(t.db)), baseVersion: "2" });
    expect(same).toMatchObject({ status: 303, location: "/staff/policy?unchanged=1" });
    expect(await rows()).toHaveLength(2);
  });

  it("a save from a stale editor, or racing another save, is refused rather than overwriting", async () => {
    const current = (await rows()).find((r) => r.active)!.version;
    const stale = await save({ ...defaults(), baseVersion: String(current - 1) });
    expect(stale.status).toBe(409);
    expect((stale.data as PolicyFormReply<PolicyProblem>).conflictVersion).toBe(current);

    const [a, b] = await Promise.all([
      save({ ...defaults(), hardshipPauseDays: "45", baseVersion: String(current) }, { db: t.db }),
      save({ ...defaults(), hardshipPauseDays: "60", baseVersion: String(current) }, { db: other.db }),
    ]);
    expect([a.status, b.status].sort()).toEqual([303, 409]);
    const after = await rows();
    expect(after.filter((r) => r.active)).toHaveLength(1);
    expect(after).toHaveLength(3);
  });
});

describe("channels and escalation in the editor (docs/product-rules.md §4.15, §8.7)", () => {
  // 13:30 in Hong Kong: inside the contact window.
  const NOW = new Date("2026-11-23T05:30:00Z");
  const activeVersion = async () => (await rows()).find((r) => r.active)?.version ?? 0;
  /** What the editor shows now, as a supervisor opening /staff/policy gets it. */
  const editorValues = async () => {
    const page = await outcome(() =>
      loader({ request: get("/staff/policy", supervisor), params: {}, context: staffContext(t.db) }),
    );
    return (page.data as { values: PolicyFormValues }).values;
  };

  it("a bank's channels and escalation survive an unrelated edit through the editor", async () => {
    // A version the bank set up outside the editor (e.g. promoted, or written before the editor showed channels).
    const policy = structuredClone(await activeContactPolicy(t.db));
    policy.stages.find((s) => s.id === "mid")!.channels = ["email", "sms"];
    policy.stages.find((s) => s.id === "late")!.channels = ["sms", "email", "call"];
    policy.escalation = { undeliveredTexts: 5, ignoredReminders: 2, whenRefused: "stop" };
    const version = (await activeVersion()) + 1;
    await t.db.updateTable("contact_policies").set({ active: false }).execute();
    await t.db
      .insertInto("contact_policies")
      .values({ version, policy: JSON.stringify(policy), active: true })
      .execute();

    const values = await editorValues();
    expect(values[channelField("mid", 1)]).toBe("email");
    expect(values["escalation.whenRefused"]).toBe("stop");
    const saved = await save({
      ...values,
      [stageField("early", "everyDays")]: "2",
      baseVersion: String(version),
    });
    expect(saved).toMatchObject({ status: 303, location: `/staff/policy?saved=${version + 1}` });
    const after = await activeContactPolicy(t.db);
    expect(after.stages.find((s) => s.id === "mid")!.channels).toEqual(["email", "sms"]);
    expect(after.stages.find((s) => s.id === "late")!.channels).toEqual(["sms", "email", "call"]);
    expect(after.escalation).toEqual({ undeliveredTexts: 5, ignoredReminders: 2, whenRefused: "stop" });
    expect(after).toEqual({
      ...policy,
      stages: policy.stages.map((s) => (s.id === "early" ? { ...s, everyDays: 2 } : s)),
    });
    // The audit record names the one change that was asked for, and nothing else.
    expect((await policyAudits()).at(-1)!.detail).toMatchObject({ changes: ["stages.2.everyDays: 3 -> 2"] });
  });

  it("a stage saved with email as its only channel is emailed by the schedule, not texted", async () => {
    await t.db.updateTable("contact_policies").set({ active: false }).execute();
    const borrower = await insertBorrower(t.db, { email: "borrower@example.test" });
    const account = await insertAccount(t.db, { borrower_id: borrower.id, dpd: 10 });
    const decide = async (now: Date) => {
      const lines: DecisionLine[] = [];
      await runSchedule(t.db, { now, dryRun: true, onDecision: (l) => lines.push(l) });
      return lines.find((l) => l.account === account.external_ref);
    };
    // The built-in defaults text a D10 account.
    expect(await decide(NOW)).toMatchObject({ action: "send", channel: "sms" });

    const saved = await save({
      ...(await editorValues()),
      [channelField("mid", 1)]: "email",
      [channelField("mid", 2)]: "",
      baseVersion: "0",
    });
    expect(saved.status).toBe(303);
    expect((await activeContactPolicy(t.db)).stages.find((s) => s.id === "mid")!.channels).toEqual(["email"]);
    expect(await decide(NOW)).toMatchObject({ action: "send", channel: "email" });
  });
});
