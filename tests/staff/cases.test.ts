import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { action as caseAction, loader as caseLoader } from "../../app/routes/staff.cases.$caseId";
import { action as borrowerAction } from "../../app/routes/staff.borrowers.$borrowerId";
import { fileComplaint } from "../../app/borrower/complaints.server";
import { reportHardship } from "../../app/borrower/hardship.server";
import { getAccountOverview, overviewPage } from "../../app/borrower/overview.server";
import type { BorrowerSession } from "../../app/borrower/session.server";
import { activeContactPolicy, runSchedule, type DecisionLine } from "../../app/engine/planner.server";
import { saveContactPolicy } from "../../app/staff/contact-policy-editor.server";
import { loadSlaBreaches } from "../../app/staff/case-views.server";
import { grantHardshipPause, moveCase } from "../../app/staff/cases.server";
import { loadQueues } from "../../app/staff/queues.server";
import type { StaffUser } from "../../db/schema";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { borrowerWithLink } from "../support/links";
import { enrolledStaff, get, outcome, post, signedInCookie, staffContext } from "./support";

/**
 * Cases (docs/product-rules.md §8.9): hardship reports and complaints filed through the portal's own
 * services, moved by staff through the case route and service, owned through their task, answered in the
 * borrower's language (text and overview), draining the queues, feeding a granted pause into the schedule,
 * and their SLA clocks read with a set clock.
 */
// Friday 2026-12-04, 13:30 in Hong Kong: inside every contact window.
const NOW = new Date("2026-12-04T05:30:00Z");
const DAY = 86_400_000;

let t: TestDatabase;
let ann: StaffUser;
let ben: StaffUser;
let sue: StaffUser;
let annCookie: string;
let benCookie: string;

beforeAll(async () => {
  t = await createTestDatabase();
  ({ user: ann } = await enrolledStaff(t.db, "agent", { display_name: "Ann Agent" }));
  ({ user: ben } = await enrolledStaff(t.db, "agent", { display_name: "Ben Agent" }));
  ({ user: sue } = await enrolledStaff(t.db, "supervisor", { display_name: "Sue Supervisor" }));
  annCookie = await signedInCookie(t.db, ann);
  benCookie = await signedInCookie(t.db, ben);
});
afterAll(async () => {
  await t.destroy();
});

const me = (u: StaffUser) => ({ id: u.id, email: u.email, displayName: u.display_name, role: u.role });

async function overdueBorrower(locale: "en" | "zh-HK" = "en"): Promise<BorrowerSession & { ref: string }> {
  const f = await borrowerWithLink(t.db, { now: NOW });
  await t.db.updateTable("borrowers").set({ locale }).where("id", "=", f.borrower.id).execute();
  await t.db
    .updateTable("accounts")
    .set({
      status: "delinquent",
      dpd: 12,
      overdue_minor: 100_000,
      balance_minor: 500_000,
      due_date: "2026-11-22",
    })
    .where("id", "=", f.account.id)
    .execute();
  return {
    id: "test",
    borrowerId: f.borrower.id,
    accountId: f.account.id,
    linkId: f.link.id,
    ref: f.account.external_ref,
  };
}

async function complaint(at = NOW, locale: "en" | "zh-HK" = "en") {
  const session = await overdueBorrower(locale);
  const filed = await fileComplaint(t.db, session, { category: "conduct", text: "The caller was rude." }, at);
  return { session, id: filed.complaintId, ack: filed.ackNumber };
}

async function hardship(at = NOW) {
  const session = await overdueBorrower();
  const input = {
    reason: "illness" as const,
    details: "In hospital since October.",
    monthlyIncomeMinor: null,
    monthlyExpensesMinor: null,
    wantsPause: true,
    wantsLowerPayments: false,
  };
  const filed = await reportHardship(t.db, session, input, at);
  return { session, id: filed.reportId };
}

const act = (caseId: string, form: Record<string, string>, cookie = annCookie) =>
  outcome(() =>
    caseAction({
      request: post(`/staff/cases/${caseId}`, form, cookie),
      params: { caseId },
      context: staffContext(t.db),
    }),
  );
const complaintRow = (id: string) =>
  t.db.selectFrom("complaints").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
const caseTask = (id: string) =>
  t.db.selectFrom("tasks").selectAll().where("source_id", "=", id).executeTakeFirstOrThrow();
const queues = (now = new Date()) => loadQueues(t.db, { locale: "en", timeZone: "Asia/Hong_Kong", now });

describe("a complaint's lifecycle through the case page", () => {
  it("is acknowledged, waits for the borrower, is answered and resolved, and leaves the queue", async () => {
    const c = await complaint(NOW, "zh-HK");
    expect((await queues()).complaints.items.map((i) => i.id)).toContain(c.id);

    expect((await act(c.id, { intent: "acknowledge" })).status).toBe(303);
    let row = await complaintRow(c.id);
    expect(row.status).toBe("in_progress");
    expect(row.acknowledged_at).not.toBeNull();
    // Acting on an unowned case made Ann its owner: the case's owner is its task's assignee.
    expect((await caseTask(c.id)).assigned_to_staff_id).toBe(ann.id);
    const queued = (await queues()).complaints.items.find((i) => i.id === c.id)!;
    expect([queued.status, queued.ownerName]).toEqual(["in_progress", "Ann Agent"]);

    // Another agent cannot act on Ann's case; the refusal names her and changes nothing.
    const refused = await act(c.id, { intent: "await_borrower" }, benCookie);
    expect(refused.status).toBe(409);
    expect(refused.data).toEqual({ error: "work.alreadyClaimed", by: "Ann Agent" });
    expect((await complaintRow(c.id)).status).toBe("in_progress");

    expect((await act(c.id, { intent: "await_borrower" })).status).toBe(303);
    expect((await act(c.id, { intent: "resume" })).status).toBe(303);
    // Closing needs the response the borrower will read.
    expect((await act(c.id, { intent: "resolve", response: "  " })).status).toBe(400);
    const answer = "我們已與該職員跟進，並向您致歉。";
    expect((await act(c.id, { intent: "resolve", response: answer })).status).toBe(303);

    row = await complaintRow(c.id);
    expect([row.status, row.response, row.resolved_by_staff_id]).toEqual(["resolved", answer, ann.id]);
    expect((await caseTask(c.id)).status).toBe("done");
    expect((await queues()).complaints.items.map((i) => i.id)).not.toContain(c.id);

    // The borrower is told by text, in their language, and reads the answer on their overview.
    const text = await t.db
      .selectFrom("messages")
      .select(["locale", "body"])
      .where("borrower_id", "=", c.session.borrowerId)
      .where("template_key", "=", "confirmation.case_response")
      .executeTakeFirstOrThrow();
    expect(text.locale).toBe("zh-HK");
    expect(text.body).toContain("我們已回覆");
    const page = overviewPage(await getAccountOverview(t.db, c.session), "zh-HK");
    expect([page.caseResponse, page.caseResponseRef]).toEqual([answer, c.ack]);

    const history = await t.db
      .selectFrom("case_events")
      .select(["from_status", "to_status"])
      .where("case_id", "=", c.id)
      .orderBy("created_at")
      .orderBy("id")
      .execute();
    expect(history.map((h) => h.to_status)).toEqual([
      "in_progress",
      "awaiting_borrower",
      "in_progress",
      "resolved",
    ]);
    const audited = await t.db
      .selectFrom("audit_events")
      .select("action")
      .where("subject_id", "=", c.id)
      .where("actor_id", "=", ann.id)
      .execute();
    expect(audited.map((a) => a.action)).toEqual(
      expect.arrayContaining(["staff.case_acknowledge", "staff.case_resolve"]),
    );
  });

  it("refuses moves the state machine does not allow, writing nothing", async () => {
    const c = await complaint();
    const early = await act(c.id, { intent: "resolve", response: "Done." });
    expect(early.status).toBe(409);
    expect(early.data).toEqual({ error: "cases.errors.illegal_transition", by: null });
    // The refused attempt claimed nothing either.
    expect((await caseTask(c.id)).assigned_to_staff_id).toBeNull();
    await act(c.id, { intent: "acknowledge" });
    // A complaint is never rejected: it is answered.
    expect((await act(c.id, { intent: "reject", response: "No." })).status).toBe(409);
    expect((await complaintRow(c.id)).status).toBe("in_progress");
  });

  it("a supervisor may act on an agent's case; the owner stays", async () => {
    const c = await complaint();
    await moveCase(t.db, { staff: me(ann), caseId: c.id, action: "acknowledge", now: NOW });
    expect(
      await moveCase(t.db, { staff: me(sue), caseId: c.id, action: "await_borrower", now: NOW }),
    ).toEqual({
      status: "ok",
    });
    expect((await caseTask(c.id)).assigned_to_staff_id).toBe(ann.id);
  });

  it("the case page shows the borrower's words, owner, clocks and the allowed actions, and is audited", async () => {
    const c = await complaint();
    const o = await outcome(() =>
      caseLoader({
        request: get(`/staff/cases/${c.id}`, annCookie),
        params: { caseId: c.id },
        context: staffContext(t.db),
      }),
    );
    expect(o.status).toBe(200);
    const page = o.data as { text: string; actions: string[]; clocks: Array<{ name: string }> };
    expect(page.text).toBe("The caller was rude.");
    expect(page.actions).toEqual(["acknowledge"]);
    expect(page.clocks.map((k) => k.name)).toEqual(["acknowledge", "respond"]);
    const viewed = await t.db
      .selectFrom("audit_events")
      .select("action")
      .where("subject_id", "=", c.id)
      .where("action", "=", "staff.viewed_case")
      .execute();
    expect(viewed).toHaveLength(1);
  });
});

describe("hardship cases", () => {
  async function decisionFor(ref: string, now: Date): Promise<DecisionLine> {
    let found: DecisionLine | undefined;
    await runSchedule(t.db, { now, dryRun: true, onDecision: (l) => l.account === ref && (found = l) });
    if (!found) throw new Error(`no decision for ${ref}`);
    return found;
  }

  it("a further pause granted on the case, with its reason, holds reminders until its end", async () => {
    const h = await hardship();
    const before = await decisionFor(h.session.ref, NOW);
    expect(before).toMatchObject({ action: "defer", reason: "hardship_pause" });
    // The borrower's own pause ends after 30 days; staff grant one to the end of 2027-02-15 (HK time).
    const granted = await grantHardshipPause(t.db, {
      staff: me(ann),
      caseId: h.id,
      untilDate: "2027-02-15",
      reason: "Discharged in February; income resumes then.",
      now: NOW,
    });
    expect(granted).toEqual({ status: "ok" });
    const later = new Date(NOW.getTime() + 40 * DAY);
    const after = await decisionFor(h.session.ref, later);
    expect(after).toMatchObject({ action: "defer", reason: "hardship_pause" });
    expect(new Date(after.at!).getTime()).toBeGreaterThanOrEqual(Date.parse("2027-02-15T16:00:00Z"));
    const decision = await t.db
      .selectFrom("case_events")
      .select(["kind", "body", "staff_user_id"])
      .where("case_id", "=", h.id)
      .where("kind", "=", "pause_granted")
      .executeTakeFirstOrThrow();
    expect(decision).toEqual({
      kind: "pause_granted",
      body: "Discharged in February; income resumes then.",
      staff_user_id: ann.id,
    });
    // The grant took the case up: Ann owns its task.
    expect((await caseTask(h.id)).assigned_to_staff_id).toBe(ann.id);
  });

  it("refuses a pause in the past or too far ahead, and on a closed case", async () => {
    const h = await hardship();
    const grant = (untilDate: string) =>
      grantHardshipPause(t.db, { staff: me(ann), caseId: h.id, untilDate, reason: "x", now: NOW });
    expect(await grant("2026-12-04")).toEqual({ status: "refused", reason: "invalid_date" });
    expect(await grant("2027-12-04")).toEqual({ status: "refused", reason: "invalid_date" });
    await moveCase(t.db, { staff: me(ann), caseId: h.id, action: "acknowledge", now: NOW });
    await moveCase(t.db, {
      staff: me(ann),
      caseId: h.id,
      action: "reject",
      response: "We cannot help.",
      now: NOW,
    });
    expect(await grant("2027-01-04")).toEqual({ status: "refused", reason: "closed" });
  });

  it("is rejected with a response and leaves the hardship queue", async () => {
    const h = await hardship();
    expect((await queues()).hardship.items.map((i) => i.id)).toContain(h.id);
    await moveCase(t.db, { staff: me(ann), caseId: h.id, action: "acknowledge", now: NOW });
    expect((await queues()).hardship.items.find((i) => i.id === h.id)?.status).toBe("in_progress");
    await moveCase(t.db, {
      staff: me(ann),
      caseId: h.id,
      action: "reject",
      response: "Not eligible.",
      now: NOW,
    });
    expect((await queues()).hardship.items.map((i) => i.id)).not.toContain(h.id);
  });

  it("resolving its task from the borrower page is refused: the case closes it", async () => {
    const h = await hardship();
    const task = await caseTask(h.id);
    const o = await outcome(() =>
      borrowerAction({
        request: post(
          `/staff/borrowers/${h.session.borrowerId}`,
          { intent: "resolve_task", taskId: task.id },
          annCookie,
        ),
        params: { borrowerId: h.session.borrowerId },
        context: staffContext(t.db),
      }),
    );
    expect(o.status).toBe(409);
    expect((await caseTask(h.id)).status).toBe("open");
  });
});

describe("SLA breaches with a set clock", () => {
  const breached = async (id: string, now: Date) =>
    (await loadSlaBreaches(t.db, now))
      .find((b) => b.id === id)
      ?.clocks.filter((k) => k.breached)
      .map((k) => k.name) ?? [];

  it("a complaint filed on a Friday must be acknowledged by the end of the fifth working day", async () => {
    const c = await complaint(NOW);
    // Friday 13:30 + 5 working days: the end of Friday 2026-12-11 in Hong Kong (16:00 UTC).
    expect(await breached(c.id, new Date("2026-12-11T15:59:00Z"))).toEqual([]);
    expect(await breached(c.id, new Date("2026-12-11T16:01:00Z"))).toEqual(["acknowledge"]);
    // Acknowledged late: still a breach while the case is open; answered, it leaves the list.
    const late = new Date("2026-12-14T02:00:00Z");
    await moveCase(t.db, { staff: me(ann), caseId: c.id, action: "acknowledge", now: late });
    expect(await breached(c.id, late)).toEqual(["acknowledge"]);
    await moveCase(t.db, {
      staff: me(ann),
      caseId: c.id,
      action: "resolve",
      response: "Answered.",
      now: late,
    });
    expect(await breached(c.id, late)).toEqual([]);
  });

  it("a complaint not answered in 8 weeks breaches its final-response clock", async () => {
    const c = await complaint(NOW);
    await moveCase(t.db, { staff: me(ann), caseId: c.id, action: "acknowledge", now: NOW });
    expect(await breached(c.id, new Date(NOW.getTime() + 56 * DAY - 60_000))).toEqual([]);
    expect(await breached(c.id, new Date(NOW.getTime() + 56 * DAY + 60_000))).toEqual(["respond"]);
  });

  it("a hardship report not reviewed in 10 days breaches; the policy's value is the one used", async () => {
    const h = await hardship(NOW);
    expect(await breached(h.id, new Date(NOW.getTime() + 10 * DAY - 60_000))).toEqual([]);
    expect(await breached(h.id, new Date(NOW.getTime() + 10 * DAY + 60_000))).toEqual(["review"]);
    // Supervisors edit the SLA in the policy: with 20 days, the same report is within it.
    const policy = await activeContactPolicy(t.db);
    const active = await t.db
      .selectFrom("contact_policies")
      .select("version")
      .where("active", "=", true)
      .executeTakeFirst();
    const saved = await saveContactPolicy(t.db, {
      staff: me(sue),
      policy: { ...policy, cases: { ...policy.cases, hardshipReviewDays: 20 } },
      baseVersion: active?.version ?? 0,
    });
    expect(saved.status).toBe("saved");
    expect(await breached(h.id, new Date(NOW.getTime() + 10 * DAY + 60_000))).toEqual([]);
  });
});
