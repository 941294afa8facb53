import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSchedule, type DecisionLine } from "../../app/engine/planner.server";
import * as bulk from "../../app/routes/api.v1.accounts.bulk";
import { applyBorrowerAction } from "../../app/staff/borrower-actions.server";
import { pageAfterAction } from "../../app/staff/borrower-workspace.server";
import { viewBorrowerPage } from "../../app/staff/borrower-page.server";
import type { StaffIdentity } from "../../app/staff/session.server";
import { apiRequest, callRoute, createTestApiKey } from "../support/api";
import { insertStaffUser } from "../support/builders";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { syntheticRecord } from "../support/synthetic-import";

/**
 * Visits as a channel (docs/product-rules.md §4.19), through the bank API, the planner and the console's
 * visit log: a visit decision opens one visit task with the borrower's address and a slot inside their
 * window that keeps clear of their bookings; the outcome an agent records feeds back into the schedule.
 */
// Monday 23 November 2026, 13:30 in Hong Kong.
const NOW = new Date("2026-11-23T05:30:00Z");
const DAY = 86_400_000;

let t: TestDatabase;
let agent: StaffIdentity;
beforeAll(async () => {
  t = await createTestDatabase();
  const user = await insertStaffUser(t.db);
  agent = { id: user.id, email: user.email, displayName: user.display_name, role: "agent" };
});
afterAll(async () => {
  await t.destroy();
});

const ADDRESS = {
  address_line1: "Flat 12B, 8 Harbour Road",
  address_city: "Wan Chai",
  address_region: "Hong Kong Island",
  address_country: "HK",
};

/** The bank sends a D65 account whose borrower refuses texts and calls, so the schedule's contact is a visit. */
async function bankSends(prefix: string, extra: Record<string, unknown> = ADDRESS) {
  const key = (await createTestApiKey(t.db, ["accounts:write"])).key;
  const record = {
    ...syntheticRecord(0, { prefix }),
    time_zone: "Asia/Hong_Kong",
    jurisdiction: "HK",
    locale: "en",
    currency: "HKD",
    dpd: 65,
    status: "delinquent",
    overdue_minor: 80_000,
    ...extra,
  };
  const res = await callRoute(
    bulk.action,
    t.db,
    apiRequest("/api/v1/accounts/bulk", { key, json: [record] }),
  );
  expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
  const account = await t.db
    .selectFrom("accounts")
    .select(["id", "borrower_id", "external_ref"])
    .where("external_ref", "=", String(record.account_ref))
    .executeTakeFirstOrThrow();
  return { account, record };
}

async function visitOnly(prefix: string, prefs: { windowStart?: string; windowEnd?: string } = {}) {
  const sent = await bankSends(prefix);
  await t.db
    .insertInto("contact_preferences")
    .values({
      borrower_id: sent.account.borrower_id,
      sms_opted_out_at: NOW,
      phone_allowed: false,
      window_start: prefs.windowStart ?? null,
      window_end: prefs.windowEnd ?? null,
    })
    .execute();
  return sent;
}

async function run(now = NOW) {
  const lines: DecisionLine[] = [];
  await runSchedule(t.db, { now, onDecision: (l) => lines.push(l) });
  return new Map(lines.map((l) => [l.account, l]));
}

const visitTasks = (accountId: string) =>
  t.db
    .selectFrom("tasks")
    .select(["id", "status", "slot_start", "slot_end", "reason"])
    .where("account_id", "=", accountId)
    .where("kind", "=", "visit")
    .orderBy("created_at")
    .execute();

function logVisit(borrowerId: string, taskId: string, outcome: string, now: Date) {
  return applyBorrowerAction(t.db, {
    staff: agent,
    borrowerId,
    now,
    action: { intent: "log_visit", taskId, outcome: outcome as "met", notes: "Spoke at the door." },
  });
}

const unique = () => `V${randomBytes(4).toString("hex")}`;

describe("visit tasks", () => {
  it("a visit decision opens one visit task with the address and a slot inside the window, clear of a booking", async () => {
    const { account } = await visitOnly(unique(), { windowStart: "10:00", windowEnd: "12:00" });
    // The borrower booked a call back for Tuesday 10:00-11:00 (their clock): the visit must not take it.
    await t.db
      .insertInto("tasks")
      .values({
        kind: "callback",
        borrower_id: account.borrower_id,
        account_id: account.id,
        slot_start: new Date("2026-11-24T02:00:00Z"),
        slot_end: new Date("2026-11-24T03:00:00Z"),
      })
      .execute();
    // The decision waits for the window like any contact: 10:30 in Hong Kong.
    const inWindow = new Date("2026-11-23T02:30:00Z");
    const lines = await run(inWindow);
    expect(lines.get(account.external_ref)).toMatchObject({ action: "send", channel: "visit" });
    // Runs later the same day and in the next weeks open no second task while this one is open.
    await run(new Date(inWindow.getTime() + 5 * 60_000));
    await run(new Date(inWindow.getTime() + 8 * DAY));
    const tasks = await visitTasks(account.id);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({
      status: "open",
      // Tuesday 11:00-12:00 in Hong Kong: inside 10:00-12:00, after the booked hour.
      slot_start: new Date("2026-11-24T03:00:00Z"),
      slot_end: new Date("2026-11-24T04:00:00Z"),
      reason: expect.stringContaining("visit"),
    });
    const page = await viewBorrowerPage(t.db, {
      borrowerId: account.borrower_id,
      staff: agent,
      locale: "en",
      timeZone: "Asia/Hong_Kong",
    });
    const task = page!.openTasks.find((o) => o.kind === "visit")!;
    expect(task.address).toBe("Flat 12B, 8 Harbour Road, Wan Chai, Hong Kong Island, HK");
    expect(task.slot).not.toBeNull();
  });

  it("never proposes a slot outside the borrower's window", async () => {
    // 17:00-20:00 preferred: the working-day slots end at 18:00, so the only fit is 17:00-18:00.
    const { account } = await visitOnly(unique(), { windowStart: "17:00", windowEnd: "20:00" });
    await run(new Date("2026-11-23T09:30:00Z")); // 17:30 in Hong Kong
    const [task] = await visitTasks(account.id);
    expect(task!.slot_start).toEqual(new Date("2026-11-24T09:00:00Z"));
  });

  it("a borrower with no address gets no visit (no_visit_address)", async () => {
    const sent = await bankSends(unique(), {});
    await t.db
      .insertInto("contact_preferences")
      .values({ borrower_id: sent.account.borrower_id, sms_opted_out_at: NOW, phone_allowed: false })
      .execute();
    const lines = await run();
    expect(lines.get(sent.account.external_ref)).toMatchObject({ action: "suppress", channel: "sms" });
    expect(await visitTasks(sent.account.id)).toEqual([]);
  });
});

describe("visit outcomes feed back", () => {
  it("refused: the task closes, visits stop (visit_not_allowed), audited", async () => {
    const { account } = await visitOnly(unique());
    await run();
    const [task] = await visitTasks(account.id);
    expect(await logVisit(account.borrower_id, task!.id, "refused", NOW)).toEqual({ status: "ok" });
    const prefs = await t.db
      .selectFrom("contact_preferences")
      .select("visit_allowed")
      .where("borrower_id", "=", account.borrower_id)
      .executeTakeFirstOrThrow();
    expect(prefs.visit_allowed).toBe(false);
    const lines = await run(new Date(NOW.getTime() + 8 * DAY));
    expect(lines.get(account.external_ref)).toMatchObject({ action: "suppress" });
    expect(await visitTasks(account.id)).toMatchObject([{ status: "done" }]);
    const audit = await t.db
      .selectFrom("audit_events")
      .select(["action", "detail"])
      .where("borrower_id", "=", account.borrower_id)
      .where("action", "in", ["staff.visit_logged", "staff.visits_refused"])
      .orderBy("id")
      .execute();
    expect(audit.map((a) => a.action)).toEqual(["staff.visit_logged", "staff.visits_refused"]);
    expect(JSON.stringify(audit)).not.toContain("Spoke at the door");
  });

  it("moved: no visit until the bank sends a new address, then one again", async () => {
    const { account, record } = await visitOnly(unique());
    await run();
    const [task] = await visitTasks(account.id);
    expect(await logVisit(account.borrower_id, task!.id, "moved", NOW)).toEqual({ status: "ok" });
    const later = new Date(NOW.getTime() + 8 * DAY);
    const stale = await run(later);
    expect(stale.get(account.external_ref)).toMatchObject({ action: "suppress" });
    expect(await visitTasks(account.id)).toHaveLength(1);
    // The same address again changes nothing; a new one opens visits again.
    await bankSends("", { ...record, ...ADDRESS });
    expect((await run(later)).get(account.external_ref)).toMatchObject({ action: "suppress" });
    await bankSends("", { ...record, ...ADDRESS, address_line1: "3 New Street" });
    expect((await run(later)).get(account.external_ref)).toMatchObject({ action: "send", channel: "visit" });
    expect(await visitTasks(account.id)).toMatchObject([{ status: "done" }, { status: "open" }]);
  });

  it("promise_made: the page goes on to the promise form on the visit's account", async () => {
    const { account } = await visitOnly(unique());
    await run();
    const [task] = await visitTasks(account.id);
    const action = { intent: "log_visit" as const, taskId: task!.id, outcome: "promise_made" as const };
    const outcome = await applyBorrowerAction(t.db, {
      staff: agent,
      borrowerId: account.borrower_id,
      now: NOW,
      action,
    });
    expect(outcome).toEqual({ status: "ok", promiseFor: account.id });
    expect(pageAfterAction(account.borrower_id, action, outcome as { status: "ok" })).toBe(
      `/staff/borrowers/${account.borrower_id}?done=log_visit&promiseFor=${account.id}#make-promise-title`,
    );
    const visits = await t.db
      .selectFrom("visit_attempts")
      .select(["outcome", "notes", "account_id", "staff_user_id"])
      .where("task_id", "=", task!.id)
      .execute();
    expect(visits).toEqual([
      { outcome: "promise_made", notes: null, account_id: account.id, staff_user_id: agent.id },
    ]);
  });

  it("a visit task of another borrower, or already closed, is not found", async () => {
    const a = await visitOnly(unique());
    const b = await visitOnly(unique());
    await run();
    const [taskA] = await visitTasks(a.account.id);
    expect(await logVisit(b.account.borrower_id, taskA!.id, "met", NOW)).toEqual({ status: "not_found" });
    expect(await logVisit(a.account.borrower_id, taskA!.id, "met", NOW)).toEqual({ status: "ok" });
    expect(await logVisit(a.account.borrower_id, taskA!.id, "met", NOW)).toEqual({ status: "not_found" });
  });
});
