import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Kysely } from "kysely";
import type { Account, Database } from "../../db/schema";
import { connectDatabase, type DatabaseHandle } from "../../db/connection";
import { createTestDatabase, type TestDatabase } from "../support/database";
import {
  insertAccount,
  insertBorrower,
  insertPayment,
  insertPlan,
  insertStaffUser,
} from "../support/builders";
import { borrowerWithLink, requestWithCookies } from "../support/links";
import { verifyAuditChain } from "../../app/platform/audit.server";
import { startBorrowerSession } from "../../app/borrower/session.server";
import { borrowerToday } from "../../app/plans/plan-effects.server";
import { decidePlan } from "../../app/plans/plan-decisions.server";
import {
  getPlanForAccount,
  markBrokenPlans,
  proposePlan,
  respondToCounterOffer,
  type PlanSession,
} from "../../app/plans/plans.server";
import { addDays } from "../../app/domain/plan-terms";
import { action as calculatorAction } from "../../app/routes/account.plan";
import { action as statusAction, loader as statusLoader } from "../../app/routes/account.plan_.status";

let t: TestDatabase;
let other: DatabaseHandle;
beforeAll(async () => {
  t = await createTestDatabase();
  // A second pool, so concurrent decisions really run on different connections.
  other = connectDatabase(t.url);
});
afterAll(async () => {
  await other?.close();
  await t?.destroy();
});

// 10:00 in Hong Kong (the builders' borrowers live there).
const now = new Date("2026-11-23T02:00:00Z");
const today = "2026-11-23";
// A staff decision an hour after the proposal, the borrower's answer an hour later (same local day):
// events read back in time order then have distinct times.
const decidedAt = new Date(now.getTime() + 60 * 60_000);
const respondedAt = new Date(now.getTime() + 2 * 60 * 60_000);

async function account(
  overrides: Parameters<typeof insertAccount>[1] = {},
): Promise<{ account: Account; session: PlanSession }> {
  const a = await insertAccount(t.db, { balance_as_of: new Date("2026-11-20T00:00:00Z"), ...overrides });
  return { account: a, session: { borrowerId: a.borrower_id, accountId: a.id } };
}

const insidePolicy = { count: 3, frequency: "monthly" as const, firstDueDate: "2026-11-30", today, now };
const outsidePolicy = { count: 12, frequency: "monthly" as const, firstDueDate: "2026-11-30", today, now };

async function planRow(db: Kysely<Database>, id: string) {
  return db.selectFrom("instalment_plans").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
}
async function instalmentsOf(id: string) {
  return t.db.selectFrom("instalments").selectAll().where("plan_id", "=", id).orderBy("seq").execute();
}
async function smsKeys(accountId: string) {
  const rows = await t.db
    .selectFrom("messages")
    .select(["template_key", "body"])
    .where("account_id", "=", accountId)
    .orderBy("created_at")
    .execute();
  return rows;
}
async function bankEvents(accountId: string) {
  return t.db
    .selectFrom("bank_events")
    .select(["type", "payload"])
    .where("account_id", "=", accountId)
    .orderBy("created_at")
    .execute();
}
async function auditActions(borrowerId: string) {
  const rows = await t.db
    .selectFrom("audit_events")
    .select(["action", "actor_type", "actor_id"])
    .where("borrower_id", "=", borrowerId)
    .orderBy("id")
    .execute();
  return rows;
}
async function reviewTasks(accountId: string) {
  return t.db
    .selectFrom("tasks")
    .selectAll()
    .where("account_id", "=", accountId)
    .where("kind", "=", "plan_review")
    .execute();
}

/** A borrower's proposal waiting for an approver. */
async function pendingProposal() {
  const ctx = await account({ balance_minor: 300_000 });
  const proposed = await proposePlan(t.db, { session: ctx.session, ...outsidePolicy });
  if (proposed.status !== "proposed") throw new Error(`expected proposed, got ${proposed.status}`);
  return { ...ctx, planId: proposed.planId };
}

describe("proposePlan", () => {
  it("auto-approves a plan inside policy: active at once, instalments summing exactly to the balance net of pending payments", async () => {
    const { account: a, session } = await account({ balance_minor: 500_000 });
    // A portal payment since the last import that the bank has not confirmed: the plan covers the rest.
    await insertPayment(t.db, a, {
      amount_minor: 100_000,
      status: "succeeded",
      succeeded_at: new Date("2026-11-21T00:00:00Z"),
    });
    // Confirmed, or older than the balance: already in balance_minor, so not deducted again.
    await insertPayment(t.db, a, {
      amount_minor: 5_000,
      status: "succeeded",
      succeeded_at: new Date("2026-11-21T00:00:00Z"),
      bank_confirmed_at: now,
    });
    await insertPayment(t.db, a, {
      amount_minor: 7_000,
      status: "succeeded",
      succeeded_at: new Date("2026-11-19T00:00:00Z"),
    });

    const result = await proposePlan(t.db, { session, ...insidePolicy });
    expect(result.status).toBe("active");
    if (result.status !== "active") return;
    const plan = await planRow(t.db, result.planId);
    expect(plan).toMatchObject({
      status: "active",
      auto_approved: true,
      total_minor: 400_000,
      currency: "HKD",
      instalment_count: 3,
      proposed_by: "borrower",
      decided_by_staff_id: null,
    });
    expect(plan.decided_at).toEqual(now);
    const rows = await instalmentsOf(result.planId);
    expect(rows.map((r) => [r.seq, r.due_date, r.amount_minor, r.status])).toEqual([
      [1, "2026-11-30", 133_334, "due"],
      [2, "2026-12-30", 133_333, "due"],
      [3, "2027-01-30", 133_333, "due"],
    ]);
    expect(rows.reduce((s, r) => s + r.amount_minor, 0)).toBe(400_000);

    const sms = await smsKeys(a.id);
    expect(sms.map((m) => m.template_key)).toEqual(["confirmation.plan_approved"]);
    expect(sms[0]!.body).toContain("HK$1,333.34");
    expect((await bankEvents(a.id)).map((e) => e.type)).toEqual(["plan.approved"]);
    expect((await auditActions(a.borrower_id)).map((e) => e.action)).toEqual(["plan.auto_approved"]);
    expect(await reviewTasks(a.id)).toHaveLength(0);
  });

  it("queues a plan outside policy for an approver: proposed, a plan_review task, no instalments yet", async () => {
    const { account: a, session } = await account({ balance_minor: 300_000 });
    const result = await proposePlan(t.db, { session, ...outsidePolicy });
    expect(result).toMatchObject({ status: "proposed", reasons: ["term_too_long"] });
    if (result.status !== "proposed") return;
    expect(await planRow(t.db, result.planId)).toMatchObject({
      status: "proposed",
      auto_approved: false,
      total_minor: 300_000,
      decided_at: null,
    });
    expect(await instalmentsOf(result.planId)).toHaveLength(0);
    const [task] = await reviewTasks(a.id);
    expect(task).toMatchObject({
      status: "open",
      source_type: "instalment_plan",
      source_id: result.planId,
      borrower_id: a.borrower_id,
    });
    expect((await smsKeys(a.id)).map((m) => m.template_key)).toEqual(["confirmation.plan_submitted"]);
    const [event] = await bankEvents(a.id);
    expect(event).toMatchObject({
      type: "plan.proposed",
      payload: { planId: result.planId, policyReasons: ["term_too_long"] },
    });
    expect((await auditActions(a.borrower_id)).map((e) => e.action)).toEqual(["plan.proposed"]);
  });

  it("a recent broken plan on any of the borrower's accounts sends the next proposal to review", async () => {
    const { account: a, session } = await account();
    const sibling = await insertAccount(t.db, { borrower_id: a.borrower_id });
    await insertPlan(t.db, sibling, { status: "broken", updated_at: new Date("2026-10-01T00:00:00Z") });
    const result = await proposePlan(t.db, { session, ...insidePolicy });
    expect(result).toMatchObject({ status: "proposed", reasons: ["recent_broken_plan"] });
  });

  it("a broken plan older than 180 days no longer counts", async () => {
    const { account: a, session } = await account();
    await insertPlan(t.db, a, { status: "broken", updated_at: new Date("2026-05-01T00:00:00Z") });
    expect((await proposePlan(t.db, { session, ...insidePolicy })).status).toBe("active");
  });

  it("refuses a second open plan on the account cleanly, also for a double submit at the same moment", async () => {
    const { account: a, session } = await account();
    const first = await proposePlan(t.db, { session, ...outsidePolicy });
    const second = await proposePlan(t.db, { session, ...insidePolicy });
    expect(second).toEqual({
      status: "already_open",
      planId: first.status === "proposed" ? first.planId : "?",
    });

    const { account: b, session: sb } = await account();
    const both = await Promise.all([
      proposePlan(t.db, { session: sb, ...insidePolicy }),
      proposePlan(other.db, { session: sb, ...insidePolicy }),
    ]);
    expect(both.map((r) => r.status).sort()).toEqual(["active", "already_open"]);
    for (const acc of [a, b]) {
      const plans = await t.db
        .selectFrom("instalment_plans")
        .select("id")
        .where("account_id", "=", acc.id)
        .execute();
      expect(plans).toHaveLength(1);
    }
    expect((await smsKeys(b.id)).map((m) => m.template_key)).toEqual(["confirmation.plan_approved"]);
  });

  it("writes nothing for terms outside 2-12 instalments / today-60 days, or when nothing is owed", async () => {
    const { account: a, session } = await account();
    expect(await proposePlan(t.db, { session, ...insidePolicy, count: 13 })).toEqual({
      status: "invalid",
      problems: ["count_out_of_range"],
    });
    expect(await proposePlan(t.db, { session, ...insidePolicy, firstDueDate: "2026-11-22" })).toEqual({
      status: "invalid",
      problems: ["date_in_past"],
    });
    expect(await proposePlan(t.db, { session, ...insidePolicy, firstDueDate: addDays(today, 61) })).toEqual({
      status: "invalid",
      problems: ["date_too_far"],
    });
    expect(await proposePlan(t.db, { session, ...insidePolicy, firstDueDate: "<script>" })).toEqual({
      status: "invalid",
      problems: ["date_invalid"],
    });
    const { session: paid } = await account({ status: "paid", balance_minor: 0 });
    expect(await proposePlan(t.db, { session: paid, ...insidePolicy })).toEqual({ status: "nothing_owed" });
    const plans = await t.db
      .selectFrom("instalment_plans")
      .select("id")
      .where("borrower_id", "in", [a.borrower_id, paid.borrowerId])
      .execute();
    expect(plans).toHaveLength(0);
    expect(await smsKeys(a.id)).toHaveLength(0);
  });

  it("dates the plan on the borrower's calendar, not the server's", async () => {
    const { account: a } = await account();
    await t.db
      .updateTable("borrowers")
      .set({ time_zone: "America/Los_Angeles" })
      .where("id", "=", a.borrower_id)
      .execute();
    // 02:00 UTC on the 23rd is still the 22nd in Los Angeles.
    expect(await borrowerToday(t.db, a.borrower_id, now)).toBe("2026-11-22");
    const result = await proposePlan(t.db, {
      session: { borrowerId: a.borrower_id, accountId: a.id },
      ...insidePolicy,
      today: undefined,
      firstDueDate: "2026-11-22",
    });
    expect(result.status).toBe("active");
  });
});

describe("decidePlan", () => {
  it("approve: active with instalments, decision recorded, task done, approval text, bank event and audit", async () => {
    const { account: a, planId } = await pendingProposal();
    const approver = await insertStaffUser(t.db);
    const result = await decidePlan(t.db, {
      planId,
      staffUserId: approver.id,
      decision: "approve",
      reason: "income verified",
      now: decidedAt,
      today,
    });
    expect(result.status).toBe("approved");
    expect(await planRow(t.db, planId)).toMatchObject({
      status: "active",
      decided_by_staff_id: approver.id,
      decision_reason: "income verified",
      auto_approved: false,
    });
    const rows = await instalmentsOf(planId);
    expect(rows).toHaveLength(12);
    expect(rows.reduce((s, r) => s + r.amount_minor, 0)).toBe(300_000);
    expect((await reviewTasks(a.id)).map((r) => [r.status, r.outcome])).toEqual([["done", "active"]]);
    expect((await smsKeys(a.id)).map((m) => m.template_key)).toEqual([
      "confirmation.plan_submitted",
      "confirmation.plan_approved",
    ]);
    expect((await bankEvents(a.id)).map((e) => e.type)).toEqual(["plan.proposed", "plan.approved"]);
    const audit = await auditActions(a.borrower_id);
    expect(audit.at(-1)).toEqual({ action: "plan.approved", actor_type: "staff", actor_id: approver.id });
  });

  it("reject needs a reason; with one the plan is rejected and the borrower gets a text with a link", async () => {
    const { account: a, planId } = await pendingProposal();
    const approver = await insertStaffUser(t.db);
    expect(
      await decidePlan(t.db, {
        planId,
        staffUserId: approver.id,
        decision: "reject",
        reason: "  ",
        now,
        today,
      }),
    ).toEqual({ status: "invalid", problems: ["reason_required"] });
    expect(
      await decidePlan(t.db, {
        planId,
        staffUserId: approver.id,
        decision: "reject",
        reason: "x".repeat(4001),
        now,
        today,
      }),
    ).toEqual({ status: "invalid", problems: ["reason_too_long"] });
    expect((await planRow(t.db, planId)).status).toBe("proposed");

    expect(
      await decidePlan(t.db, {
        planId,
        staffUserId: approver.id,
        decision: "reject",
        reason: "Affordability not shown",
        now: decidedAt,
        today,
      }),
    ).toEqual({ status: "rejected", planId });
    expect(await planRow(t.db, planId)).toMatchObject({
      status: "rejected",
      decision_reason: "Affordability not shown",
      decided_by_staff_id: approver.id,
    });
    expect(await instalmentsOf(planId)).toHaveLength(0);
    const sms = await smsKeys(a.id);
    expect(sms.map((m) => m.template_key)).toEqual([
      "confirmation.plan_submitted",
      "confirmation.plan_rejected",
    ]);
    expect(sms[1]!.body).toContain("/r/••••••");
    expect((await reviewTasks(a.id))[0]).toMatchObject({ status: "done", outcome: "rejected" });
    expect((await bankEvents(a.id)).map((e) => e.type)).toEqual(["plan.proposed", "plan.rejected"]);
    expect((await auditActions(a.borrower_id)).map((e) => e.action)).toEqual([
      "plan.proposed",
      "plan.rejected",
    ]);
    // Closed: the borrower may propose again.
    expect(
      (await proposePlan(t.db, { session: { borrowerId: a.borrower_id, accountId: a.id }, ...insidePolicy }))
        .status,
    ).toBe("active");
  });

  it("two simultaneous decisions on one proposal: exactly one wins, the other gets a conflict", async () => {
    for (let round = 0; round < 5; round++) {
      const { account: a, planId } = await pendingProposal();
      const [first, second] = [await insertStaffUser(t.db), await insertStaffUser(t.db)];
      const outcomes = await Promise.all([
        decidePlan(t.db, { planId, staffUserId: first.id, decision: "approve", now, today }),
        decidePlan(other.db, {
          planId,
          staffUserId: second.id,
          decision: round % 2 ? "reject" : "counter",
          reason: "no",
          counter: { count: 6, frequency: "monthly", firstDueDate: "2026-12-01" },
          now,
          today,
        }),
      ]);
      const winners = outcomes.filter((o) => o.status !== "conflict");
      expect(winners).toHaveLength(1);
      expect(outcomes.filter((o) => o.status === "conflict")).toHaveLength(1);
      const plan = await planRow(t.db, planId);
      const decisionTexts = (await smsKeys(a.id)).filter(
        (m) => m.template_key !== "confirmation.plan_submitted",
      );
      expect(decisionTexts).toHaveLength(1);
      if (winners[0]!.status === "approved") {
        expect(plan.status).toBe("active");
        expect(plan.decided_by_staff_id).toBe(first.id);
        expect(await instalmentsOf(planId)).toHaveLength(12);
      } else {
        expect(plan.status).toBe(round % 2 ? "rejected" : "countered");
        expect(plan.decided_by_staff_id).toBe(second.id);
        expect(await instalmentsOf(planId)).toHaveLength(0);
      }
      const open = await t.db
        .selectFrom("instalment_plans")
        .select("id")
        .where("account_id", "=", a.id)
        .where("status", "in", ["proposed", "active"])
        .execute();
      expect(open.length).toBeLessThanOrEqual(1);
    }
  });

  it("a decided plan cannot be decided again", async () => {
    const { planId } = await pendingProposal();
    const approver = await insertStaffUser(t.db);
    await decidePlan(t.db, { planId, staffUserId: approver.id, decision: "approve", now, today });
    expect(
      await decidePlan(t.db, {
        planId,
        staffUserId: approver.id,
        decision: "reject",
        reason: "changed my mind",
        now,
        today,
      }),
    ).toEqual({ status: "conflict", currentStatus: "active" });
  });

  it("counter: the original is closed as countered and a staff-written proposal replaces it; its author cannot approve it, a colleague can", async () => {
    const { account: a, planId } = await pendingProposal();
    const [author, colleague] = [
      await insertStaffUser(t.db),
      await insertStaffUser(t.db, { role: "supervisor" }),
    ];
    const countered = await decidePlan(t.db, {
      planId,
      staffUserId: author.id,
      decision: "counter",
      reason: "shorter term",
      counter: { count: 6, frequency: "fortnightly", firstDueDate: "2026-12-04" },
      now: decidedAt,
      today,
    });
    expect(countered.status).toBe("countered");
    if (countered.status !== "countered") return;
    expect(await planRow(t.db, planId)).toMatchObject({
      status: "countered",
      decided_by_staff_id: author.id,
      decision_reason: "shorter term",
    });
    const offer = await planRow(t.db, countered.counterPlanId);
    expect(offer).toMatchObject({
      status: "proposed",
      proposed_by: "staff",
      proposed_by_staff_id: author.id,
      counter_of_plan_id: planId,
      instalment_count: 6,
      frequency: "fortnightly",
      first_due_date: "2026-12-04",
      total_minor: 300_000,
    });
    expect((await reviewTasks(a.id)).map((r) => [r.source_id, r.status, r.outcome])).toEqual([
      [planId, "done", "countered"],
    ]);
    const sms = await smsKeys(a.id);
    expect(sms.map((m) => m.template_key)).toEqual([
      "confirmation.plan_submitted",
      "confirmation.plan_countered",
    ]);
    expect(sms[1]!.body).toContain("/r/••••••");
    expect((await bankEvents(a.id)).map((e) => e.type)).toEqual(["plan.proposed", "plan.countered"]);

    for (const decision of ["approve", "reject", "counter"] as const) {
      const own = await decidePlan(t.db, {
        planId: offer.id,
        staffUserId: author.id,
        decision,
        reason: "mine",
        counter: { count: 4, frequency: "monthly", firstDueDate: "2026-12-04" },
        now,
        today,
      });
      expect(own).toEqual({ status: "forbidden", reason: "own_counter_offer" });
    }
    expect((await planRow(t.db, offer.id)).status).toBe("proposed");

    const approved = await decidePlan(t.db, {
      planId: offer.id,
      staffUserId: colleague.id,
      decision: "approve",
      now,
      today,
    });
    expect(approved.status).toBe("approved");
    expect(await planRow(t.db, offer.id)).toMatchObject({
      status: "active",
      decided_by_staff_id: colleague.id,
    });
    expect((await instalmentsOf(offer.id)).map((i) => i.due_date)).toEqual([
      "2026-12-04",
      "2026-12-18",
      "2027-01-01",
      "2027-01-15",
      "2027-01-29",
      "2027-02-12",
    ]);
  });

  it("validates counter terms and refuses agents, disabled staff and unknown ids", async () => {
    const { planId } = await pendingProposal();
    const approver = await insertStaffUser(t.db);
    const counter = (terms: Partial<{ count: number; firstDueDate: string; totalMinor: number }>) =>
      decidePlan(t.db, {
        planId,
        staffUserId: approver.id,
        decision: "counter",
        counter: { count: 6, frequency: "monthly", firstDueDate: "2026-12-01", ...terms },
        now,
        today,
      });
    expect(await counter({ count: 20 })).toEqual({ status: "invalid", problems: ["count_out_of_range"] });
    expect(await counter({ firstDueDate: "2026-11-01" })).toEqual({
      status: "invalid",
      problems: ["date_in_past"],
    });
    expect(await counter({ totalMinor: 3 })).toEqual({ status: "invalid", problems: ["amount_too_small"] });
    expect(
      await decidePlan(t.db, { planId, staffUserId: approver.id, decision: "counter", now, today }),
    ).toEqual({ status: "invalid", problems: ["counter_terms_required"] });

    const agent = await insertStaffUser(t.db, { role: "agent" });
    const disabled = await insertStaffUser(t.db, { disabled_at: now });
    for (const staff of [agent, disabled]) {
      expect(
        await decidePlan(t.db, { planId, staffUserId: staff.id, decision: "approve", now, today }),
      ).toEqual({ status: "forbidden", reason: "not_a_decider" });
    }
    expect(
      await decidePlan(t.db, {
        planId: "not-a-uuid",
        staffUserId: approver.id,
        decision: "approve",
        now,
        today,
      }),
    ).toEqual({ status: "not_found" });
    expect(
      await decidePlan(t.db, {
        planId: "00000000-0000-4000-8000-000000000000",
        staffUserId: approver.id,
        decision: "approve",
        now,
        today,
      }),
    ).toEqual({ status: "not_found" });
    expect((await planRow(t.db, planId)).status).toBe("proposed");
  });

  it("will not approve a proposal whose first payment date has already passed", async () => {
    const { planId } = await pendingProposal();
    const approver = await insertStaffUser(t.db);
    expect(
      await decidePlan(t.db, {
        planId,
        staffUserId: approver.id,
        decision: "approve",
        now,
        today: "2026-12-01",
      }),
    ).toEqual({ status: "first_date_passed" });
    expect((await planRow(t.db, planId)).status).toBe("proposed");
  });
});

describe("respondToCounterOffer", () => {
  async function counterOffer() {
    const ctx = await pendingProposal();
    const author = await insertStaffUser(t.db);
    const result = await decidePlan(t.db, {
      planId: ctx.planId,
      staffUserId: author.id,
      decision: "counter",
      counter: { count: 4, frequency: "monthly", firstDueDate: "2026-12-05", totalMinor: 280_000 },
      now: decidedAt,
      today,
    });
    if (result.status !== "countered") throw new Error(result.status);
    return { ...ctx, offerId: result.counterPlanId };
  }

  it("accept: the counter-offer becomes active with its instalments, and the borrower is told", async () => {
    const { account: a, session, offerId } = await counterOffer();
    const view = await getPlanForAccount(t.db, session);
    expect(view).toMatchObject({
      id: offerId,
      status: "proposed",
      awaiting: "borrower",
      original: { count: 12, totalMinor: 300_000 },
      totalMinor: 280_000,
    });
    expect(view!.instalments.map((i) => i.status)).toEqual(["proposed", "proposed", "proposed", "proposed"]);

    const result = await respondToCounterOffer(t.db, {
      session,
      planId: offerId,
      accept: true,
      now: respondedAt,
      today,
    });
    expect(result.status).toBe("accepted");
    expect((await planRow(t.db, offerId)).status).toBe("active");
    const rows = await instalmentsOf(offerId);
    expect(rows.map((r) => r.amount_minor)).toEqual([70_000, 70_000, 70_000, 70_000]);
    expect((await smsKeys(a.id)).map((m) => m.template_key)).toEqual([
      "confirmation.plan_submitted",
      "confirmation.plan_countered",
      "confirmation.plan_approved",
    ]);
    expect((await bankEvents(a.id)).map((e) => e.type)).toEqual([
      "plan.proposed",
      "plan.countered",
      "plan.accepted",
    ]);
    expect((await auditActions(a.borrower_id)).map((e) => [e.action, e.actor_type])).toEqual([
      ["plan.proposed", "borrower"],
      ["plan.countered", "staff"],
      ["plan.counter_accepted", "borrower"],
    ]);
    expect(await getPlanForAccount(t.db, session)).toMatchObject({
      id: offerId,
      status: "active",
      awaiting: null,
    });
    // Answered once only.
    expect(
      await respondToCounterOffer(t.db, { session, planId: offerId, accept: false, now, today }),
    ).toEqual({ status: "conflict", currentStatus: "active" });
  });

  it("decline: the offer is declined, nothing is scheduled, and a new proposal is possible", async () => {
    const { account: a, session, offerId } = await counterOffer();
    expect(
      await respondToCounterOffer(t.db, { session, planId: offerId, accept: false, now: respondedAt, today }),
    ).toEqual({ status: "declined", planId: offerId });
    expect((await planRow(t.db, offerId)).status).toBe("declined");
    expect(await instalmentsOf(offerId)).toHaveLength(0);
    expect((await bankEvents(a.id)).map((e) => e.type)).toContain("plan.declined");
    expect(await getPlanForAccount(t.db, session)).toMatchObject({ id: offerId, status: "declined" });
    expect((await proposePlan(t.db, { session, ...insidePolicy })).status).toBe("active");
  });

  it("a borrower cannot accept their own proposal, nor an offer whose first date has passed", async () => {
    const { session, planId } = await pendingProposal();
    expect(await respondToCounterOffer(t.db, { session, planId, accept: true, now, today })).toEqual({
      status: "not_found",
    });
    const c = await counterOffer();
    expect(
      await respondToCounterOffer(t.db, {
        session: c.session,
        planId: c.offerId,
        accept: true,
        now,
        today: "2026-12-06",
      }),
    ).toEqual({ status: "first_date_passed" });
    expect((await planRow(t.db, c.offerId)).status).toBe("proposed");
  });

  it("one borrower's session can neither read nor answer another borrower's plan", async () => {
    const victim = await counterOffer();
    const { session: intruder } = await account();
    expect(await getPlanForAccount(t.db, intruder)).toBeNull();
    expect(
      await respondToCounterOffer(t.db, {
        session: intruder,
        planId: victim.offerId,
        accept: true,
        now,
        today,
      }),
    ).toEqual({ status: "not_found" });
    // Same borrower, other account: still scoped by account.
    const sibling = await insertAccount(t.db, { borrower_id: victim.account.borrower_id });
    const siblingSession = { borrowerId: victim.account.borrower_id, accountId: sibling.id };
    expect(await getPlanForAccount(t.db, siblingSession)).toBeNull();
    expect(
      await respondToCounterOffer(t.db, {
        session: siblingSession,
        planId: victim.offerId,
        accept: false,
        now,
        today,
      }),
    ).toEqual({ status: "not_found" });
    expect((await planRow(t.db, victim.offerId)).status).toBe("proposed");
  });
});

describe("markBrokenPlans", () => {
  async function activePlan(dueDates: string[], opts: { paid?: number[]; timeZone?: string } = {}) {
    const borrower = await insertBorrower(t.db, { time_zone: opts.timeZone ?? "Asia/Hong_Kong" });
    const a = await insertAccount(t.db, { borrower_id: borrower.id });
    const plan = await insertPlan(t.db, a, {
      status: "active",
      instalment_count: dueDates.length,
      first_due_date: dueDates[0]!,
    });
    await t.db
      .insertInto("instalments")
      .values(
        dueDates.map((d, i) => ({
          plan_id: plan.id,
          seq: i + 1,
          due_date: d,
          amount_minor: 20_000,
          ...(opts.paid?.includes(i + 1) ? { paid_minor: 20_000, status: "paid" as const } : {}),
        })),
      )
      .execute();
    return { plan, account: a };
  }

  it("breaks a plan with an instalment unpaid more than 7 days after its date, once, on the borrower's calendar", async () => {
    // now = 2026-11-23 in Hong Kong.
    const late = await activePlan(["2026-11-15", "2026-12-15"]); // 8 days: broken
    const graceLastDay = await activePlan(["2026-11-16", "2026-12-16"]); // 7 days: not yet
    const paid = await activePlan(["2026-10-01", "2026-11-01", "2026-12-01"], { paid: [1, 2] });
    const partly = await activePlan(["2026-11-01", "2026-12-01"]);
    await t.db
      .updateTable("instalments")
      .set({ paid_minor: 19_999 })
      .where("plan_id", "=", partly.plan.id)
      .where("seq", "=", 1)
      .execute();
    // 2026-11-23T02:00Z is still the 22nd in Los Angeles: 7 days after the 15th, so not yet.
    const behindUtc = await activePlan(["2026-11-15", "2026-12-15"], { timeZone: "America/Los_Angeles" });

    const result = await markBrokenPlans(t.db, now);
    expect(result.broken.sort()).toEqual([late.plan.id, partly.plan.id].sort());
    expect((await planRow(t.db, late.plan.id)).status).toBe("broken");
    expect((await planRow(t.db, partly.plan.id)).status).toBe("broken");
    for (const p of [graceLastDay, paid, behindUtc])
      expect((await planRow(t.db, p.plan.id)).status).toBe("active");
    expect((await instalmentsOf(late.plan.id)).map((i) => i.status)).toEqual(["missed", "due"]);

    const [event] = await bankEvents(late.account.id);
    expect(event).toMatchObject({
      type: "plan.broken",
      payload: { planId: late.plan.id, missedInstalments: 1 },
    });
    expect(await auditActions(late.account.borrower_id)).toEqual([
      { action: "plan.broken", actor_type: "system", actor_id: null },
    ]);

    // Idempotent, also when two runs race.
    const again = await Promise.all([markBrokenPlans(t.db, now), markBrokenPlans(other.db, now)]);
    expect(again.map((r) => r.broken)).toEqual([[], []]);
    const nextDay = await markBrokenPlans(t.db, new Date("2026-11-24T02:00:00Z"));
    expect(nextDay.broken.sort()).toEqual([graceLastDay.plan.id, behindUtc.plan.id].sort());
    expect(await bankEvents(late.account.id)).toHaveLength(1);
  });

  it("the broken plan shows on the status page and counts against the next proposal", async () => {
    const { account: a } = await activePlan(["2026-11-01", "2026-12-01"]);
    await markBrokenPlans(t.db, now);
    const session = { borrowerId: a.borrower_id, accountId: a.id };
    expect(await getPlanForAccount(t.db, session)).toMatchObject({ status: "broken" });
    expect(await proposePlan(t.db, { session, ...insidePolicy })).toMatchObject({
      status: "proposed",
      reasons: ["recent_broken_plan"],
    });
  });
});

describe("plan pages (loader/action)", () => {
  async function signedIn() {
    const { borrower, account: a, link } = await borrowerWithLink(t.db);
    const cookie = await startBorrowerSession(t.db, {
      borrowerId: borrower.id,
      accountId: a.id,
      linkId: link.id,
    });
    const realToday = await borrowerToday(t.db, borrower.id, new Date());
    return { borrower, account: a, cookie, realToday };
  }
  const ctx = (request: Request) => ({
    request,
    params: {},
    context: { db: t.db, cspNonce: "x", publicBaseUrl: "http://portal.test" },
  });
  const post = (cookie: string, path: string, fields: Record<string, string>) => {
    const base = requestWithCookies([cookie], `http://portal.test${path}`);
    return new Request(base.url, {
      method: "POST",
      headers: { Cookie: base.headers.get("Cookie")!, "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(fields),
    });
  };
  const payload = (r: unknown) => (r as { data: any }).data;

  it("bad input gets translated field errors (10 KB of text, script tags, a past date) and writes nothing", async () => {
    const { account: a, cookie, realToday } = await signedIn();
    const result = await calculatorAction(
      ctx(
        post(cookie, "/account/plan", {
          intent: "submit",
          count: "9".repeat(10_240),
          frequency: "<script>alert(1)</script>",
          firstDueDate: addDays(realToday, -1),
        }),
      ) as never,
    );
    expect((result as { init: ResponseInit }).init.status).toBe(400);
    expect(payload(result).result.error).toEqual({
      count: ["errors.count"],
      frequency: ["errors.frequency"],
      firstDueDate: ["errors.dateInPast"],
    });
    const scripted = await calculatorAction(
      ctx(
        post(cookie, "/account/plan", {
          intent: "submit",
          count: "<script>",
          frequency: "monthly",
          firstDueDate: "x".repeat(10_240),
        }),
      ) as never,
    );
    expect(payload(scripted).result.error).toEqual({
      count: ["errors.count"],
      firstDueDate: ["errors.dateInvalid"],
    });
    expect(
      await t.db.selectFrom("instalment_plans").select("id").where("account_id", "=", a.id).execute(),
    ).toHaveLength(0);
  });

  it("'Show my instalments' only previews; 'Submit plan' writes and redirects to the status page", async () => {
    const { account: a, cookie, realToday } = await signedIn();
    const terms = { count: "4", frequency: "fortnightly", firstDueDate: addDays(realToday, 3) };
    const preview = payload(
      await calculatorAction(ctx(post(cookie, "/account/plan", { intent: "preview", ...terms })) as never),
    ).preview;
    expect(preview.instalments).toHaveLength(4);
    expect(preview.instalments.reduce((s: number, i: { amountMinor: number }) => s + i.amountMinor, 0)).toBe(
      a.balance_minor,
    );
    expect(preview.autoApprove).toBe(true);
    expect(
      await t.db.selectFrom("instalment_plans").select("id").where("account_id", "=", a.id).execute(),
    ).toHaveLength(0);

    const submitted = (await calculatorAction(
      ctx(post(cookie, "/account/plan", { intent: "submit", ...terms })) as never,
    )) as Response;
    expect(submitted.status).toBe(303);
    expect(submitted.headers.get("Location")).toBe("/account/plan/status");
    const status = payload(
      await statusLoader(
        ctx(requestWithCookies([cookie], "http://portal.test/account/plan/status")) as never,
      ),
    );
    expect(status.plan).toMatchObject({ status: "active", count: 4, frequency: "fortnightly" });
  });

  it("another borrower's plan id posted to the status page is a 404 and changes nothing", async () => {
    const victim = await pendingProposal();
    const author = await insertStaffUser(t.db);
    const countered = await decidePlan(t.db, {
      planId: victim.planId,
      staffUserId: author.id,
      decision: "counter",
      counter: { count: 4, frequency: "monthly", firstDueDate: "2026-12-05" },
      now,
      today,
    });
    if (countered.status !== "countered") throw new Error(countered.status);
    const { cookie } = await signedIn();
    const attempt = statusAction(
      ctx(
        post(cookie, "/account/plan/status", { intent: "accept", planId: countered.counterPlanId }),
      ) as never,
    );
    await expect(attempt).rejects.toMatchObject({ init: { status: 404 } });
    expect((await planRow(t.db, countered.counterPlanId)).status).toBe("proposed");
  });
});

describe("audit trail", () => {
  it("every plan event above kept the hash chain intact", async () => {
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true });
  });
});
