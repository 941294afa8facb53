import type { Insertable } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database, StaffUser } from "../../db/schema";
import { moveCase } from "../../app/staff/cases.server";
import { loader as queuesLoader } from "../../app/routes/staff.queues";
import type { Queues } from "../../app/staff/queues.server";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { insertAccount, insertPlan } from "../support/builders";
import { enrolledStaff, get, outcome, signedInCookie, staffContext } from "./support";

let t: TestDatabase;
let cookie: string;
let supervisor: StaffUser;
beforeAll(async () => {
  t = await createTestDatabase();
  cookie = await signedInCookie(t.db, (await enrolledStaff(t.db, "approver")).user);
  ({ user: supervisor } = await enrolledStaff(t.db, "supervisor"));
});
afterAll(async () => {
  await t.destroy();
});

const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000 - 60_000);

/** A case as the portal files it: the report or complaint, and its task. */
async function openedCase(
  table: "hardship_reports" | "complaints",
  values: Insertable<Database["hardship_reports"]> | Insertable<Database["complaints"]>,
) {
  const row = await t.db
    .insertInto(table)
    .values(values as never)
    .returning(["id", "borrower_id"])
    .executeTakeFirstOrThrow();
  await t.db
    .insertInto("tasks")
    .values({
      kind: table === "complaints" ? "complaint" : "hardship_review",
      borrower_id: row.borrower_id,
      source_type: table === "complaints" ? "complaint" : "hardship_report",
      source_id: row.id,
    })
    .execute();
  return row.id;
}

const staffOf = (u: StaffUser) => ({ id: u.id, email: u.email, displayName: u.display_name, role: u.role });

async function closeCase(caseId: string, how: "resolve" | "reject") {
  const staff = staffOf(supervisor);
  expect(await moveCase(t.db, { staff, caseId, action: "acknowledge" })).toEqual({ status: "ok" });
  expect(await moveCase(t.db, { staff, caseId, action: how, response: "Answered." })).toEqual({
    status: "ok",
  });
}

describe("queues", () => {
  it("lists each kind of waiting work, oldest first, with ages and acknowledgement numbers", async () => {
    const a = await insertAccount(t.db, { last4: "1111" });
    const b = await insertAccount(t.db, { last4: "2222" });
    await t.db
      .insertInto("hardship_reports")
      .values([
        {
          borrower_id: a.borrower_id,
          account_id: a.id,
          reason: "illness",
          details: "newer",
          currency: "HKD",
          created_at: daysAgo(1),
        },
        {
          borrower_id: b.borrower_id,
          account_id: b.id,
          reason: "job_loss",
          details: "older",
          currency: "HKD",
          created_at: daysAgo(5),
        },
      ])
      .execute();
    await t.db
      .insertInto("complaints")
      .values([
        {
          borrower_id: a.borrower_id,
          ack_number: "C20300101-AAAAA",
          category: "privacy",
          body: "x",
          created_at: daysAgo(2),
        },
      ])
      .execute();
    // Taken up through the case service: in progress, owned by whoever acknowledged it.
    const inProgress = await openedCase("complaints", {
      borrower_id: b.borrower_id,
      ack_number: "C20300101-BBBBB",
      category: "conduct",
      body: "y",
      created_at: daysAgo(3),
    });
    expect(
      await moveCase(t.db, { staff: staffOf(supervisor), caseId: inProgress, action: "acknowledge" }),
    ).toEqual({
      status: "ok",
    });
    // Cases leave their queues when staff close them through the case service, never by SQL.
    const closedHardship = await openedCase("hardship_reports", {
      borrower_id: b.borrower_id,
      reason: "other",
      details: "closed",
      currency: "HKD",
      created_at: daysAgo(9),
    });
    await closeCase(closedHardship, "reject");
    const closedComplaint = await openedCase("complaints", {
      borrower_id: b.borrower_id,
      ack_number: "C20300101-CCCCC",
      category: "other",
      body: "z",
      created_at: daysAgo(4),
    });
    await closeCase(closedComplaint, "resolve");
    await t.db
      .insertInto("tasks")
      .values([
        { kind: "call", borrower_id: a.borrower_id, account_id: a.id, created_at: daysAgo(1) },
        { kind: "call", borrower_id: b.borrower_id, created_at: daysAgo(2), status: "done" },
        {
          kind: "callback",
          borrower_id: b.borrower_id,
          borrower_note: "after 5pm",
          slot_start: daysAgo(-1),
          slot_end: new Date(Date.now() + 90_000_000),
          created_at: daysAgo(1),
        },
        { kind: "visit", borrower_id: a.borrower_id, created_at: daysAgo(3) },
        { kind: "wrong_number_review", borrower_id: a.borrower_id, account_id: a.id, created_at: daysAgo(0) },
      ])
      .execute();
    await insertPlan(t.db, a, { status: "proposed", created_at: daysAgo(2) });
    await insertPlan(t.db, b, { status: "active", created_at: daysAgo(8) });

    const o = await outcome(() =>
      queuesLoader({ request: get("/staff/queues", cookie), params: {}, context: staffContext(t.db) }),
    );
    expect(o.status).toBe(200);
    const q = o.data as Queues;
    expect(q.hardship.total).toBe(2);
    expect(q.hardship.items.map((i) => [i.details, i.ageDays, i.accountLast4])).toEqual([
      ["older", 5, "2222"],
      ["newer", 1, "1111"],
    ]);
    expect(q.complaints.items.map((i) => [i.ackNumber, i.ageDays, i.status, i.ownerName])).toEqual([
      ["C20300101-BBBBB", 3, "in_progress", supervisor.display_name],
      ["C20300101-AAAAA", 2, "open", null],
    ]);
    expect(q.calls.items).toHaveLength(1);
    expect(q.appointments.items.map((i) => [i.kind, i.borrowerNote])).toEqual([
      ["visit", null],
      ["callback", "after 5pm"],
    ]);
    expect(q.appointments.items[1]!.slot).not.toBeNull();
    expect(q.wrongNumbers.total).toBe(1);
    expect(q.plans.items.map((i) => [i.total, i.instalmentCount])).toEqual([["HK$600.00", 3]]);
    expect(q.plans.items[0]!.borrowerId).toBe(a.borrower_id);
  });
});
