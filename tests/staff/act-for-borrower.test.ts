import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { action, loader } from "../../app/routes/staff.borrowers.$borrowerId";
import { action as approvalAction } from "../../app/routes/staff.approvals.$planId";
import { loader as payLoader } from "../../app/routes/account.pay";
import { runSchedule, type DecisionLine } from "../../app/engine/planner.server";
import { decidePlan } from "../../app/plans/plan-decisions.server";
import { startBorrowerSession } from "../../app/borrower/session.server";
import { appointmentSlots } from "../../app/domain/appointment-slots";
import { localToday, promiseDateOptions } from "../../app/domain/borrower-actions";
import type { BorrowerWorkspace } from "../../app/staff/borrower-workspace.server";
import type { StaffUser } from "../../db/schema";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { borrowerWithLink } from "../support/links";
import { enrolledStaff, get, outcome, post, signedInCookie, staffContext } from "./support";

// Logging a call is checked against the wall clock's call window (docs/product-rules.md §4.16), and these
// tests run at any hour: the agent gives a reason, which is only kept when a rule was overridden.
const ANY_HOUR = "Borrower asked to talk now";

/**
 * Staff acting for the borrower from the borrower page (docs/product-rules.md §8.11), through the route
 * as Remix calls it: each action runs the portal's service, records the staff member as the actor,
 * tells the bank who acted, and changes the next schedule decision at once.
 */
const ZONE = "Asia/Hong_Kong";
let t: TestDatabase;
let agent: StaffUser;
let agentCookie: string;
let supervisor: StaffUser;
let supervisorCookie: string;
let approverCookie: string;

beforeAll(async () => {
  t = await createTestDatabase();
  ({ user: agent } = await enrolledStaff(t.db, "agent"));
  agentCookie = await signedInCookie(t.db, agent);
  ({ user: supervisor } = await enrolledStaff(t.db, "supervisor"));
  supervisorCookie = await signedInCookie(t.db, supervisor);
  approverCookie = await signedInCookie(t.db, (await enrolledStaff(t.db, "approver")).user);
});
afterAll(async () => {
  await t.destroy();
});

const today = () => localToday(new Date(), ZONE);
const daysFrom = (iso: string, days: number) =>
  new Date(Date.parse(`${iso}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/** A borrower 12 days past due whom the planner would text now (quiet hours aside), with a live link. */
async function overdueBorrower() {
  const f = await borrowerWithLink(t.db);
  await t.db
    .updateTable("accounts")
    .set({ dpd: 12, overdue_minor: 100_000, balance_minor: 500_000, due_date: daysFrom(today(), -12) })
    .where("id", "=", f.account.id)
    .execute();
  return f;
}

const act = (borrowerId: string, form: Record<string, string | string[]>, cookie = agentCookie) => {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) for (const one of [v].flat()) body.append(k, one);
  const request = new Request(`http://portal.test/staff/borrowers/${borrowerId}`, {
    method: "POST",
    body,
    headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: cookie },
  });
  return outcome(() => action({ request, params: { borrowerId }, context: staffContext(t.db) }));
};

async function decisionFor(ref: string): Promise<DecisionLine> {
  let found: DecisionLine | undefined;
  await runSchedule(t.db, { dryRun: true, onDecision: (l) => l.account === ref && (found = l) });
  if (!found) throw new Error(`no decision for ${ref}`);
  return found;
}

const auditRows = (borrowerId: string, actionName: string) =>
  t.db
    .selectFrom("audit_events")
    .selectAll()
    .where("borrower_id", "=", borrowerId)
    .where("action", "=", actionName)
    .execute();

const bankEvents = (borrowerId: string, type: string) =>
  t.db
    .selectFrom("bank_events")
    .selectAll()
    .where("borrower_id", "=", borrowerId)
    .where("type", "=", type)
    .execute();

const staffActor = (user: StaffUser) => ({ type: "staff", staffId: user.id, role: user.role });

describe("a promise to pay taken on a call", () => {
  it("is the portal's promise: the agent is the actor, the bank hears who acted, and reminders pause", async () => {
    const { borrower, account } = await overdueBorrower();
    const date = promiseDateOptions(today())[5]!;
    const o = await act(borrower.id, {
      intent: "make_promise",
      accountId: account.id,
      amount: "800",
      promisedDate: date,
    });
    expect(o.status).toBe(303);
    expect(o.location).toBe(`/staff/borrowers/${borrower.id}?done=make_promise`);

    const promise = await t.db
      .selectFrom("promises_to_pay")
      .selectAll()
      .where("account_id", "=", account.id)
      .executeTakeFirstOrThrow();
    expect(promise).toMatchObject({ amount_minor: 80_000, promised_date: date, status: "active" });
    const [audit] = await auditRows(borrower.id, "promise.made");
    expect(audit).toMatchObject({ actor_type: "staff", actor_id: agent.id });
    expect(audit!.detail).toMatchObject({ via: "console", actedBy: staffActor(agent) });
    const [event] = await bankEvents(borrower.id, "promise.made");
    expect(event!.payload).toMatchObject({ amountMinor: 80_000, actedBy: staffActor(agent) });
    const text = await t.db
      .selectFrom("messages")
      .select("template_key")
      .where("borrower_id", "=", borrower.id)
      .where("template_key", "=", "confirmation.promise_confirmed")
      .executeTakeFirst();
    expect(text).toBeDefined();

    const d = await decisionFor(account.external_ref);
    expect(d).toMatchObject({ action: "defer", reason: "promise_pending" });
    // Deferred past the promised date (plus the grace days), on the borrower's clock.
    expect(Date.parse(d.at!)).toBeGreaterThan(Date.parse(`${date}T16:00:00Z`));
  });

  it("is held to the portal's rules: a translated error, a 4xx, and nothing written", async () => {
    const { borrower, account } = await overdueBorrower();
    const promises = async () =>
      (await t.db.selectFrom("promises_to_pay").select("id").where("account_id", "=", account.id).execute())
        .length;
    const base = { intent: "make_promise", accountId: account.id };
    const tooLate = daysFrom(today(), 30);
    const cases: Array<[Record<string, string>, string, string]> = [
      [{ ...base, amount: "abc", promisedDate: today() }, "amount", "actions:errors.amountInvalid"],
      [{ ...base, amount: "99999", promisedDate: today() }, "amount", "actions:errors.amountOverBalance"],
      [{ ...base, amount: "100", promisedDate: tooLate }, "promisedDate", "actions:errors.dateTooLate"],
      [{ ...base, promisedDate: today() }, "amount", "actions:errors.amountRequired"],
    ];
    for (const [form, field, message] of cases) {
      const o = await act(borrower.id, form);
      expect(o.status, JSON.stringify(form)).toBe(400);
      expect((o.data as any).result.error[field]).toContain(message);
    }
    expect(await promises()).toBe(0);

    expect((await act(borrower.id, { ...base, amount: "100", promisedDate: today() })).status).toBe(303);
    const again = await act(borrower.id, { ...base, amount: "100", promisedDate: today() });
    expect(again.status).toBe(409);
    expect((again.data as any).result.error[""]).toContain("actions:promise.alreadyActive");
    expect(await promises()).toBe(1);
  });

  it("another borrower's account through this borrower's page is not found, and changes nothing", async () => {
    const { borrower } = await overdueBorrower();
    const other = await overdueBorrower();
    const o = await act(borrower.id, {
      intent: "make_promise",
      accountId: other.account.id,
      amount: "100",
      promisedDate: today(),
    });
    expect(o.status).toBe(404);
    expect(
      await t.db
        .selectFrom("promises_to_pay")
        .select("id")
        .where("account_id", "=", other.account.id)
        .execute(),
    ).toHaveLength(0);
  });
});

describe("call outcomes that used to create nothing", () => {
  it("promise_made leads the agent to the promise form, open on the call's account", async () => {
    const { borrower, account } = await overdueBorrower();
    const o = await act(borrower.id, {
      intent: "log_call",
      accountId: account.id,
      outcome: "promise_made",
      overrideReason: ANY_HOUR,
    });
    expect(o.status).toBe(303);
    expect(o.location).toBe(
      `/staff/borrowers/${borrower.id}?done=log_call&promiseFor=${account.id}#make-promise-title`,
    );
    const page = await outcome(() =>
      loader({
        request: get(o.location!, agentCookie),
        params: { borrowerId: borrower.id },
        context: staffContext(t.db),
      }),
    );
    const view = page.data as BorrowerWorkspace;
    expect(view.promiseFor).toBe(account.id);
    expect(view.acting?.promiseDates[0]?.value).toBe(today());
  });

  it("wrong_number runs the borrower's wrong-number report for the account, reported as the agent", async () => {
    const { borrower, account, link } = await overdueBorrower();
    const o = await act(borrower.id, {
      intent: "log_call",
      accountId: account.id,
      outcome: "wrong_number",
      overrideReason: ANY_HOUR,
    });
    expect(o.status).toBe(303);
    const row = await t.db
      .selectFrom("accounts")
      .select("wrong_number_at")
      .where("id", "=", account.id)
      .executeTakeFirstOrThrow();
    expect(row.wrong_number_at).not.toBeNull();
    const revoked = await t.db
      .selectFrom("short_links")
      .select("revoked_reason")
      .where("id", "=", link.id)
      .executeTakeFirstOrThrow();
    expect(revoked.revoked_reason).toBe("wrong_number");
    const review = await t.db
      .selectFrom("tasks")
      .select("status")
      .where("account_id", "=", account.id)
      .where("kind", "=", "wrong_number_review")
      .executeTakeFirstOrThrow();
    expect(review.status).toBe("open");
    const [audit] = await auditRows(borrower.id, "account.wrong_number_reported");
    expect(audit).toMatchObject({ actor_type: "staff", actor_id: agent.id });
    const [event] = await bankEvents(borrower.id, "account.wrong_number");
    expect(event!.payload).toMatchObject({ via: "console", actedBy: staffActor(agent) });
    expect(await decisionFor(account.external_ref)).toMatchObject({
      action: "suppress",
      reason: "wrong_number",
    });
  });

  it("wrong_number without an account is refused (400) and logs nothing", async () => {
    const { borrower } = await overdueBorrower();
    const o = await act(borrower.id, {
      intent: "log_call",
      outcome: "wrong_number",
      overrideReason: ANY_HOUR,
    });
    expect(o.status).toBe(400);
    expect((o.data as any).result.error.accountId).toContain("errors.wrongNumberAccount");
    expect(
      await t.db.selectFrom("call_attempts").select("id").where("borrower_id", "=", borrower.id).execute(),
    ).toHaveLength(0);
  });
});

describe("a plan proposed for the borrower", () => {
  it("within policy starts at once, entered by the agent and audited as the agent", async () => {
    const { borrower, account } = await overdueBorrower();
    const o = await act(borrower.id, {
      intent: "propose_plan",
      accountId: account.id,
      count: "3",
      frequency: "monthly",
      firstDueDate: daysFrom(today(), 7),
    });
    expect(o.status).toBe(303);
    expect(o.location).toContain("done=plan_started");
    const plan = await t.db
      .selectFrom("instalment_plans")
      .selectAll()
      .where("account_id", "=", account.id)
      .executeTakeFirstOrThrow();
    expect(plan).toMatchObject({ status: "active", proposed_by: "borrower", entered_by_staff_id: agent.id });
    const [audit] = await auditRows(borrower.id, "plan.auto_approved");
    expect(audit).toMatchObject({ actor_type: "staff", actor_id: agent.id });
    expect((await decisionFor(account.external_ref)).reason).not.toBe("send_due");
  });

  it("out of policy goes to an approver, never the staff member who entered it", async () => {
    const { borrower, account } = await overdueBorrower();
    const o = await act(
      borrower.id,
      {
        intent: "propose_plan",
        accountId: account.id,
        count: "10",
        frequency: "monthly",
        firstDueDate: daysFrom(today(), 7),
      },
      supervisorCookie,
    );
    expect(o.location).toContain("done=plan_for_approval");
    const plan = await t.db
      .selectFrom("instalment_plans")
      .selectAll()
      .where("account_id", "=", account.id)
      .executeTakeFirstOrThrow();
    expect(plan).toMatchObject({ status: "proposed", entered_by_staff_id: supervisor.id });
    expect(await decisionFor(account.external_ref)).toMatchObject({ reason: "plan_under_review" });

    // The supervisor may decide plans, but not this one: not through the console, not through the service.
    const refused = await outcome(() =>
      approvalAction({
        request: post(`/staff/approvals/${plan.id}`, { intent: "approve" }, supervisorCookie),
        params: { planId: plan.id },
        context: staffContext(t.db),
      }),
    );
    expect(refused.status).toBe(403);
    expect(
      await decidePlan(t.db, { planId: plan.id, staffUserId: supervisor.id, decision: "approve" }),
    ).toEqual({
      status: "forbidden",
      reason: "own_proposal",
    });
    await expect(
      t.db
        .updateTable("instalment_plans")
        .set({ decided_by_staff_id: supervisor.id })
        .where("id", "=", plan.id)
        .execute(),
    ).rejects.toMatchObject({ constraint: "instalment_plans_four_eyes_entered" });

    const approved = await outcome(() =>
      approvalAction({
        request: post(`/staff/approvals/${plan.id}`, { intent: "approve" }, approverCookie),
        params: { planId: plan.id },
        context: staffContext(t.db),
      }),
    );
    expect(approved.status).toBe(303);
  });

  it("refuses terms the portal refuses, with the plan page's messages", async () => {
    const { borrower, account } = await overdueBorrower();
    const o = await act(borrower.id, {
      intent: "propose_plan",
      accountId: account.id,
      count: "40",
      frequency: "weekly",
      firstDueDate: daysFrom(today(), -1),
    });
    expect(o.status).toBe(400);
    const errors = (o.data as any).result.error;
    expect(errors.count).toContain("plan:errors.count");
    expect(errors.frequency).toContain("plan:errors.frequency");
    expect(errors.firstDueDate).toContain("plan:errors.dateInPast");
    expect(
      await t.db.selectFrom("instalment_plans").select("id").where("account_id", "=", account.id).execute(),
    ).toHaveLength(0);
  });
});

describe("preferences, opt-out and call back heard on a call", () => {
  it("changes contact preferences and language through the portal's service, as the agent", async () => {
    const { borrower, account } = await overdueBorrower();
    const o = await act(borrower.id, {
      intent: "update_preferences",
      accountId: account.id,
      channels: ["sms", "phone"],
      windowStart: "10:00",
      windowEnd: "18:00",
      language: "zh-CN",
      maxPerWeek: "2",
    });
    expect(o.status).toBe(303);
    const p = await t.db
      .selectFrom("contact_preferences")
      .selectAll()
      .where("borrower_id", "=", borrower.id)
      .executeTakeFirstOrThrow();
    expect(p).toMatchObject({
      preferred_locale: "zh-CN",
      email_allowed: false,
      phone_allowed: true,
      max_per_week: 2,
    });
    const [audit] = await auditRows(borrower.id, "preferences.changed");
    expect(audit).toMatchObject({ actor_type: "staff", actor_id: agent.id });
    const [event] = await bankEvents(borrower.id, "preferences.changed");
    expect(event!.payload).toMatchObject({ actedBy: staffActor(agent) });

    const refusedWith = async (form: Record<string, string>, field: string, message: string) => {
      const bad = await act(borrower.id, { intent: "update_preferences", accountId: account.id, ...form });
      expect(bad.status).toBe(400);
      expect((bad.data as any).result.error[field]).toContain(message);
    };
    await refusedWith({ language: "fr" }, "language", "actions:errors.languageRequired");
    await refusedWith(
      { language: "en", windowStart: "06:00", windowEnd: "07:00" },
      "windowStart",
      "actions:errors.windowRange",
    );
    const [after] = await t.db
      .selectFrom("contact_preferences")
      .select("preferred_locale")
      .where("borrower_id", "=", borrower.id)
      .execute();
    expect(after!.preferred_locale).toBe("zh-CN");
  });

  it("records an opt-out heard on a call: texts stop, and no link can be texted after it", async () => {
    const { borrower, account } = await overdueBorrower();
    expect((await act(borrower.id, { intent: "record_opt_out", accountId: account.id })).status).toBe(303);
    const [audit] = await auditRows(borrower.id, "preferences.sms_opted_out");
    expect(audit).toMatchObject({ actor_type: "staff", actor_id: agent.id });
    expect(audit!.detail).toMatchObject({ via: "console", actedBy: staffActor(agent) });
    expect(await decisionFor(account.external_ref)).toMatchObject({
      action: "suppress",
      reason: "sms_opted_out",
    });

    const refused = await act(borrower.id, { intent: "send_link", accountId: account.id });
    expect(refused.status).toBe(409);
    expect((refused.data as any).result.error[""]).toContain("errors.smsRefused");
    expect(
      await t.db
        .selectFrom("messages")
        .select("id")
        .where("borrower_id", "=", borrower.id)
        .where("template_key", "=", "confirmation.fresh_link")
        .execute(),
    ).toHaveLength(0);
  });

  it("books a call back at a slot on the borrower's clock, as the agent; a slot not offered is refused", async () => {
    const { borrower, account } = await overdueBorrower();
    const slot = appointmentSlots(new Date(), ZONE)[3]!;
    const o = await act(borrower.id, {
      intent: "book_callback",
      accountId: account.id,
      slot: slot.start,
      note: "Prefers Cantonese",
    });
    expect(o.status).toBe(303);
    const task = await t.db
      .selectFrom("tasks")
      .selectAll()
      .where("account_id", "=", account.id)
      .where("kind", "=", "callback")
      .executeTakeFirstOrThrow();
    expect(task.slot_start?.toISOString()).toBe(slot.start);
    expect(task.borrower_note).toBe("Prefers Cantonese");
    const [audit] = await auditRows(borrower.id, "appointment.requested");
    expect(audit).toMatchObject({ actor_type: "staff", actor_id: agent.id });

    const bad = await act(borrower.id, {
      intent: "book_callback",
      accountId: account.id,
      slot: "2020-01-01T01:00:00.000Z",
    });
    expect(bad.status).toBe(400);
    expect((bad.data as any).result.error.slot).toContain("actions:errors.slotUnavailable");
  });
});

describe("links texted by staff", () => {
  it("texts a fresh link through the SMS path, at most 3 a day per borrower", async () => {
    const { borrower, account } = await overdueBorrower();
    for (let i = 0; i < 3; i++)
      expect((await act(borrower.id, { intent: "send_link", accountId: account.id })).status).toBe(303);
    const limited = await act(borrower.id, { intent: "send_link", accountId: account.id }, supervisorCookie);
    expect(limited.status).toBe(429);
    expect((limited.data as any).result.error[""]).toContain("errors.linkTextsLimit");
    const texts = await t.db
      .selectFrom("messages")
      .select(["id", "status"])
      .where("borrower_id", "=", borrower.id)
      .where("template_key", "=", "confirmation.fresh_link")
      .execute();
    expect(texts).toHaveLength(3);
    const links = await t.db
      .selectFrom("short_links")
      .select("message_id")
      .where(
        "message_id",
        "in",
        texts.map((m) => m.id),
      )
      .execute();
    expect(links).toHaveLength(3);
    expect(await auditRows(borrower.id, "link.texted")).toHaveLength(3);
  });

  it("texts a payment link whose pay page opens with the agreed amount, kept on the link and not in it", async () => {
    const { borrower, account } = await overdueBorrower();
    const bad = await act(borrower.id, {
      intent: "send_payment_link",
      accountId: account.id,
      amount: "9999999",
    });
    expect(bad.status).toBe(400);
    expect((bad.data as any).result.error.amount).toContain("errors.paymentAboveBalance");

    const o = await act(borrower.id, {
      intent: "send_payment_link",
      accountId: account.id,
      amount: "1,250.50",
    });
    expect(o.status).toBe(303);
    const text = await t.db
      .selectFrom("messages")
      .select(["id", "body"])
      .where("borrower_id", "=", borrower.id)
      .where("template_key", "=", "confirmation.payment_link")
      .executeTakeFirstOrThrow();
    expect(text.body).toContain("HK$1,250.50");
    const link = await t.db
      .selectFrom("short_links")
      .select(["id", "agreed_amount_minor"])
      .where("message_id", "=", text.id)
      .executeTakeFirstOrThrow();
    expect(link.agreed_amount_minor).toBe(125_050);
    const [audit] = await auditRows(borrower.id, "link.payment_link_texted");
    expect(audit).toMatchObject({ actor_type: "staff", actor_id: agent.id });

    // The borrower verifies on that link: the pay page has the amount chosen.
    const payPage = async (linkId: string) => {
      const cookie = (
        await startBorrowerSession(t.db, { borrowerId: borrower.id, accountId: account.id, linkId })
      ).split(";")[0]!;
      const request = new Request("http://portal.test/account/pay", { headers: { Cookie: cookie } });
      return (await outcome(() => payLoader({ request, params: {}, context: staffContext(t.db) })))
        .data as any;
    };
    expect((await payPage(link.id)).agreedMinor).toBe(125_050);
    const ordinary = await t.db
      .selectFrom("short_links")
      .select("id")
      .where("account_id", "=", account.id)
      .where("message_id", "is", null)
      .executeTakeFirstOrThrow();
    expect((await payPage(ordinary.id)).agreedMinor).toBeNull();
  });
});
