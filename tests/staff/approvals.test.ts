import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Kysely } from "kysely";
import type { Database, StaffRole } from "../../db/schema";
import { connectDatabase, type DatabaseHandle } from "../../db/connection";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { insertAccount, insertPayment, insertPlan } from "../support/builders";
import { proposePlan } from "../../app/plans/plans.server";
import { action, loader } from "../../app/routes/staff.approvals.$planId";
import { loader as queueLoader } from "../../app/routes/staff.approvals._index";
import type { ApprovalView, loadApprovalQueue } from "../../app/staff/approvals.server";
import type { DecisionReply } from "../../app/staff/ui/ApprovalParts";
import { enrolledStaff, get, outcome, post, signedInCookie, staffContext } from "./support";

let t: TestDatabase;
let other: DatabaseHandle;
const cookies: Partial<Record<string, string>> = {};
const staffIds: Partial<Record<string, string>> = {};

beforeAll(async () => {
  t = await createTestDatabase();
  // A second pool, so two approvers' requests really run on different connections.
  other = connectDatabase(t.url);
  for (const [name, role] of [
    ["agent", "agent"],
    ["approver", "approver"],
    ["approver2", "approver"],
    ["supervisor", "supervisor"],
  ] as Array<[string, StaffRole]>) {
    const { user } = await enrolledStaff(t.db, role);
    staffIds[name] = user.id;
    cookies[name] = await signedInCookie(t.db, user);
  }
});
afterAll(async () => {
  await other?.close();
  await t?.destroy();
});

/** The borrowers' calendar day (builders put them in Hong Kong) plus some days. */
function hkDate(daysAhead: number): string {
  const today = new Intl.DateTimeFormat("en-CA", {
    timeZone: "Asia/Hong_Kong",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(new Date());
  const [y, m, d] = today.split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + daysAhead)).toISOString().slice(0, 10);
}

/** A borrower's 12-month proposal (outside the 6-month policy), waiting for an approver. */
async function pendingPlan(overrides: Parameters<typeof insertAccount>[1] = {}) {
  const account = await insertAccount(t.db, {
    balance_minor: 300_000,
    dpd: 42,
    balance_as_of: new Date(Date.now() - 86_400_000),
    ...overrides,
  });
  const result = await proposePlan(t.db, {
    session: { borrowerId: account.borrower_id, accountId: account.id },
    count: 12,
    frequency: "monthly",
    firstDueDate: hkDate(5),
  });
  if (result.status !== "proposed") throw new Error(`expected a proposed plan, got ${result.status}`);
  return { account, planId: result.planId };
}

const path = (planId: string) => `/staff/approvals/${planId}`;
const view = (planId: string, who: string, db: Kysely<Database> = t.db) =>
  outcome(() =>
    loader({ request: get(path(planId), cookies[who]), params: { planId }, context: staffContext(db) }),
  );
const decide = (planId: string, who: string, form: Record<string, string>, db: Kysely<Database> = t.db) =>
  outcome(() =>
    action({
      request: post(path(planId), form, cookies[who]),
      params: { planId },
      context: staffContext(db),
    }),
  );
const planRow = (id: string) =>
  t.db.selectFrom("instalment_plans").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
const planAudits = (id: string) =>
  t.db
    .selectFrom("audit_events")
    .select(["action", "actor_id"])
    .where("subject_type", "=", "instalment_plan")
    .where("subject_id", "=", id)
    .orderBy("id")
    .execute();

describe("approval queue", () => {
  it("lists borrowers' proposals waiting for an approver with why they need review", async () => {
    const { planId } = await pendingPlan();
    const o = await outcome(() =>
      queueLoader({
        request: get("/staff/approvals", cookies.approver),
        params: {},
        context: staffContext(t.db),
      }),
    );
    expect(o.status).toBe(200);
    const data = o.data as Awaited<ReturnType<typeof loadApprovalQueue>>;
    const item = data.awaitingApprover.find((i) => i.planId === planId);
    expect(item).toMatchObject({
      dpd: 42,
      count: 12,
      frequency: "monthly",
      counterOffer: false,
      balance: "HK$3,000.00",
    });
    expect(item!.reasons.map((r) => r.code)).toEqual(["term_too_long"]);
    expect(item!.reasons[0]!.values).toEqual({ months: 6 });
  });

  it("refuses agents the queue, the plan page and every decision, and changes nothing", async () => {
    const { planId } = await pendingPlan();
    expect(
      (
        await outcome(() =>
          queueLoader({
            request: get("/staff/approvals", cookies.agent),
            params: {},
            context: staffContext(t.db),
          }),
        )
      ).status,
    ).toBe(403);
    expect((await view(planId, "agent")).status).toBe(403);
    const forms: Array<Record<string, string>> = [
      { intent: "approve" },
      { intent: "reject", reason: "no" },
      { intent: "counter", count: "3", frequency: "monthly", firstDueDate: hkDate(3) },
      { intent: "bogus" },
    ];
    for (const form of forms) {
      expect((await decide(planId, "agent", form)).status).toBe(403);
    }
    expect((await planRow(planId)).status).toBe("proposed");
    expect((await planAudits(planId)).map((a) => a.action)).toEqual(["plan.proposed"]);
  });
});

describe("plan page", () => {
  it("shows balance, DPD, payments, other plans, hardship and affordability, and audits the view", async () => {
    const { account, planId } = await pendingPlan();
    await insertPayment(t.db, account, {
      amount_minor: 12_345,
      status: "succeeded",
      succeeded_at: new Date(),
    });
    const older = await insertAccount(t.db, { borrower_id: account.borrower_id });
    await insertPlan(t.db, older, {
      status: "broken",
      proposed_by: "borrower",
      updated_at: new Date(Date.now() - 400 * 86_400_000),
    });
    await t.db
      .insertInto("hardship_reports")
      .values({
        borrower_id: account.borrower_id,
        account_id: account.id,
        reason: "job_loss",
        details: "<b>Laid off</b> in October",
        monthly_income_minor: 1_200_000,
        monthly_expenses_minor: 1_000_000,
        currency: "HKD",
        wants_lower_payments: true,
      })
      .execute();

    const o = await view(planId, "approver");
    expect(o.status).toBe(200);
    const v = o.data as ApprovalView;
    expect(v.plan).toMatchObject({
      status: "proposed",
      awaiting: "approver",
      count: 12,
      total: "HK$3,000.00",
      ownCounterOffer: false,
    });
    expect(v.plan.instalments).toHaveLength(12);
    // The payment since the last balance import is not in the balance yet: a plan would settle the rest.
    expect(v.account).toMatchObject({ dpd: 42, balance: "HK$3,000.00", toSettle: "HK$2,876.55" });
    expect(v.payments.map((p) => [p.amount, p.status])).toEqual([["HK$123.45", "succeeded"]]);
    expect(v.otherPlans.map((p) => p.status)).toEqual(["broken"]);
    expect(v.hardship[0]).toMatchObject({
      reason: "job_loss",
      details: "<b>Laid off</b> in October",
      income: "HK$12,000.00",
      wantsLowerPayments: true,
    });
    // HK$250.00 a month out of HK$2,000.00 left after expenses.
    expect(v.affordability).toMatchObject({
      disposable: "HK$2,000.00",
      monthlyCost: "HK$250.00",
      sharePercent: 13,
    });
    expect(v.reasons.map((r) => r.code)).toEqual(["term_too_long"]);

    const audit = await t.db
      .selectFrom("audit_events")
      .select(["action", "actor_id", "borrower_id", "detail"])
      .where("action", "=", "staff.viewed_borrower")
      .where("borrower_id", "=", account.borrower_id)
      .execute();
    expect(audit).toEqual([
      {
        action: "staff.viewed_borrower",
        actor_id: staffIds.approver,
        borrower_id: account.borrower_id,
        detail: { role: "approver", via: "plan_approval", planId },
      },
    ]);
  });

  it("answers 404 for an unknown or malformed plan id", async () => {
    expect((await view("00000000-0000-4000-8000-000000000000", "approver")).status).toBe(404);
    expect((await view("not-a-uuid", "approver")).status).toBe(404);
  });
});

describe("decisions", () => {
  it("approve: the plan starts, the borrower is texted, the bank told, the task resolved, all audited", async () => {
    const { account, planId } = await pendingPlan();
    const o = await decide(planId, "approver", {
      intent: "approve",
      reason: "Affordable on the figures given.",
    });
    expect(o).toMatchObject({ status: 303, location: "/staff/approvals?done=approved" });
    expect(await planRow(planId)).toMatchObject({
      status: "active",
      decided_by_staff_id: staffIds.approver,
      decision_reason: "Affordable on the figures given.",
    });
    expect(
      await t.db.selectFrom("instalments").select("id").where("plan_id", "=", planId).execute(),
    ).toHaveLength(12);
    const sms = await t.db
      .selectFrom("messages")
      .select("template_key")
      .where("account_id", "=", account.id)
      .orderBy("created_at")
      .execute();
    expect(sms.map((m) => m.template_key)).toEqual([
      "confirmation.plan_submitted",
      "confirmation.plan_approved",
    ]);
    const events = await t.db
      .selectFrom("bank_events")
      .select("type")
      .where("account_id", "=", account.id)
      .orderBy("created_at")
      .execute();
    expect(events.map((e) => e.type)).toEqual(["plan.proposed", "plan.approved"]);
    const task = await t.db
      .selectFrom("tasks")
      .select(["status", "outcome"])
      .where("source_id", "=", planId)
      .executeTakeFirstOrThrow();
    expect(task).toEqual({ status: "done", outcome: "active" });
    expect(await planAudits(planId)).toEqual([
      { action: "plan.proposed", actor_id: account.borrower_id },
      { action: "plan.approved", actor_id: staffIds.approver },
    ]);
  });

  it("reject needs a reason: without one nothing changes and the form says why", async () => {
    const { planId } = await pendingPlan();
    const o = await decide(planId, "approver", { intent: "reject", reason: "   " });
    expect(o.status).toBe(400);
    const reply = o.data as DecisionReply;
    expect(reply.intent).toBe("reject");
    expect(reply.result?.error).toEqual({ reason: ["console:approvals.errors.reasonRequired"] });
    expect((await planRow(planId)).status).toBe("proposed");

    // Postgres cannot store U+0000: refused as input, not a 500.
    const nul = await decide(planId, "approver", { intent: "reject", reason: "no\u0000pe" });
    expect(nul.status).toBe(400);
    expect((nul.data as DecisionReply).result?.error).toEqual({
      reason: ["console:approvals.errors.invalidText"],
    });

    const ok = await decide(planId, "supervisor", { intent: "reject", reason: "Outgoings exceed income." });
    expect(ok).toMatchObject({ status: 303, location: "/staff/approvals?done=rejected" });
    expect(await planRow(planId)).toMatchObject({
      status: "rejected",
      decision_reason: "Outgoings exceed income.",
    });
  });

  it("two approvers deciding at once: exactly one wins, the other is told someone else decided", async () => {
    const { planId } = await pendingPlan();
    const [a, b] = await Promise.all([
      decide(planId, "approver", { intent: "approve" }, t.db),
      decide(planId, "approver2", { intent: "reject", reason: "Too long." }, other.db),
    ]);
    const results = [a, b].sort((x, y) => x.status - y.status);
    expect(results.map((r) => r.status)).toEqual([303, 409]);
    const loser = results[1]!.data as DecisionReply;
    expect(loser.outcome).toBe("conflict");
    const row = await planRow(planId);
    expect(["active", "rejected"]).toContain(row.status);
    expect(loser.currentStatus).toBe(row.status);
    const decisions = (await planAudits(planId)).filter((e) => e.action !== "plan.proposed");
    expect(decisions).toHaveLength(1);

    // The loser's page now shows the plan as decided, without the forms.
    const after = (await view(planId, "approver2")).data as ApprovalView;
    expect(after.plan.awaiting).toBeNull();
    expect(after.plan.decided).not.toBeNull();
  });

  it("counter-offer: the author may not decide it (four eyes), a colleague may", async () => {
    const { planId } = await pendingPlan();
    const bad = await decide(planId, "approver", {
      intent: "counter",
      count: "6",
      frequency: "monthly",
      firstDueDate: hkDate(90),
    });
    expect(bad.status).toBe(400);
    expect((bad.data as DecisionReply).result?.error).toEqual({
      firstDueDate: ["console:approvals.errors.dateTooFar"],
    });
    expect((await planRow(planId)).status).toBe("proposed");

    const o = await decide(planId, "approver", {
      intent: "counter",
      count: "6",
      frequency: "fortnightly",
      firstDueDate: hkDate(7),
      total: "2,400",
    });
    expect(o).toMatchObject({ status: 303, location: "/staff/approvals?done=countered" });
    const offer = await t.db
      .selectFrom("instalment_plans")
      .selectAll()
      .where("counter_of_plan_id", "=", planId)
      .executeTakeFirstOrThrow();
    expect(offer).toMatchObject({
      status: "proposed",
      proposed_by: "staff",
      proposed_by_staff_id: staffIds.approver,
      instalment_count: 6,
      frequency: "fortnightly",
      total_minor: 240_000,
    });

    const own = (await view(offer.id, "approver")).data as ApprovalView;
    expect(own.plan).toMatchObject({ awaiting: "borrower", ownCounterOffer: true, original: { count: 12 } });
    const refused = await decide(offer.id, "approver", { intent: "approve" });
    expect(refused.status).toBe(403);
    expect((refused.data as DecisionReply).outcome).toBe("own_counter_offer");
    expect((await planRow(offer.id)).status).toBe("proposed");

    const colleague = await decide(offer.id, "approver2", { intent: "approve" });
    expect(colleague.status).toBe(303);
    expect((await planRow(offer.id)).status).toBe("active");
  });

  it("a decision on a plan that is already decided is a conflict, not a second decision", async () => {
    const { planId } = await pendingPlan();
    expect((await decide(planId, "approver", { intent: "approve" })).status).toBe(303);
    const again = await decide(planId, "supervisor", { intent: "reject", reason: "late" });
    expect(again.status).toBe(409);
    expect(again.data).toMatchObject({ outcome: "conflict", currentStatus: "active" });
  });
});
