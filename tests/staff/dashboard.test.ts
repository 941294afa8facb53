import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Account } from "../../db/schema";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { insertAccount, insertMessage, insertPayment, insertPlan } from "../support/builders";
import { appendAudit } from "../../app/platform/audit.server";
import { loadDashboard, type Dashboard } from "../../app/staff/dashboard.server";
import { loader } from "../../app/routes/staff.dashboard";
import { enrolledStaff, get, outcome, signedInCookie, staffContext } from "./support";

let t: TestDatabase;
// 12:00 on 23 November in Hong Kong: the window is 25 October to 23 November, Hong Kong days.
const now = new Date("2026-11-23T04:00:00Z");
const HK = "Asia/Hong_Kong";
let dashboard: Dashboard;

async function reminder(
  account: Account,
  opts: { key: string; variant: string; sentAt: string; status?: "sent" | "delivered" },
) {
  return insertMessage(t.db, account, {
    template_key: opts.key,
    variant: opts.variant,
    status: opts.status ?? "delivered",
    sent_at: new Date(opts.sentAt),
    created_at: new Date(opts.sentAt),
  });
}

async function link(
  account: Account,
  messageId: string,
  opts: { openedAt?: string; verified?: boolean[] } = {},
) {
  const row = await t.db
    .insertInto("short_links")
    .values({
      code_hash: randomBytes(16).toString("hex"),
      key_id: "a",
      borrower_id: account.borrower_id,
      account_id: account.id,
      message_id: messageId,
      expires_at: new Date("2027-01-01T00:00:00Z"),
      first_opened_at: opts.openedAt ? new Date(opts.openedAt) : null,
      open_count: opts.openedAt ? 1 : 0,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  for (const succeeded of opts.verified ?? [])
    await t.db.insertInto("verification_attempts").values({ link_id: row.id, succeeded }).execute();
}

const paid = (account: Account, at: string, status: "succeeded" | "failed" = "succeeded") =>
  insertPayment(t.db, account, {
    status,
    succeeded_at: status === "succeeded" ? new Date(at) : null,
    created_at: new Date(at),
  });

beforeAll(async () => {
  t = await createTestDatabase();
  const [a1, a2, a3] = [await insertAccount(t.db), await insertAccount(t.db), await insertAccount(t.db)];

  // 20 Nov (HK): two reminders. m1 delivered, opened, verified, and paid two days later; m2 neither.
  const m1 = await reminder(a1, { key: "reminder.early.A", variant: "A", sentAt: "2026-11-20T02:00:00Z" });
  await link(a1, m1.id, { openedAt: "2026-11-20T02:05:00Z", verified: [false, true] });
  const m2 = await reminder(a2, {
    key: "reminder.early.B",
    variant: "B",
    sentAt: "2026-11-20T03:00:00Z",
    status: "sent",
  });
  await link(a2, m2.id);
  await paid(a2, "2026-11-10T00:00:00Z"); // before the text: not caused by it
  await paid(a2, "2026-11-21T00:00:00Z", "failed"); // failed payments do not count
  // 21 Nov 23:30 (HK): opened, verification failed, paid 30 minutes later.
  const m3 = await reminder(a3, { key: "reminder.mid.A", variant: "A", sentAt: "2026-11-21T15:30:00Z" });
  await link(a3, m3.id, { openedAt: "2026-11-21T15:40:00Z", verified: [false] });
  await paid(a3, "2026-11-21T16:00:00Z");
  // 00:30 on 22 Nov in Hong Kong (still 21 Nov in UTC): counted on the Hong Kong day.
  await reminder(a1, { key: "reminder.early.A", variant: "A", sentAt: "2026-11-21T16:30:00Z" });
  await paid(a1, "2026-11-22T00:00:00Z");
  // Not reminders sent in the window: too old, a confirmation, still queued.
  await reminder(a1, { key: "reminder.early.A", variant: "A", sentAt: "2026-10-01T02:00:00Z" });
  await reminder(a1, { key: "confirmation.payment_receipt", variant: "A", sentAt: "2026-11-20T05:00:00Z" });
  await insertMessage(t.db, a1, { template_key: "reminder.early.B", variant: "B", status: "queued" });

  // Plans: proposals on 19 (rejected on 22 Nov), 20 and 21 Nov (auto-approved), and a staff counter-offer (not a proposal) on 22 Nov.
  const plans = [
    await insertAccount(t.db),
    await insertAccount(t.db),
    await insertAccount(t.db),
    await insertAccount(t.db),
  ];
  await insertPlan(t.db, plans[0]!, { status: "proposed", created_at: new Date("2026-11-20T01:00:00Z") });
  await insertPlan(t.db, plans[1]!, {
    status: "active",
    auto_approved: true,
    created_at: new Date("2026-11-21T05:00:00Z"),
    decided_at: new Date("2026-11-21T05:00:00Z"),
  });
  const staff = (await enrolledStaff(t.db, "approver")).user;
  await insertPlan(t.db, plans[2]!, {
    status: "proposed",
    proposed_by: "staff",
    proposed_by_staff_id: staff.id,
    created_at: new Date("2026-11-22T05:00:00Z"),
  });
  await insertPlan(t.db, plans[3]!, {
    status: "rejected",
    created_at: new Date("2026-11-19T05:00:00Z"),
    decided_at: new Date("2026-11-22T06:00:00Z"),
    decided_by_staff_id: staff.id,
  });

  // Opt-outs on 22 Nov (HK) and one after `now`; a complaint on 23 Nov.
  for (const at of ["2026-11-22T10:00:00Z", "2026-11-22T11:00:00Z", "2026-11-23T17:00:00Z"]) {
    await appendAudit(
      t.db,
      {
        actorType: "borrower",
        action: "preferences.sms_opted_out",
        subjectType: "borrower",
        subjectId: a2.borrower_id,
        borrowerId: a2.borrower_id,
      },
      new Date(at),
    );
  }
  await t.db
    .insertInto("complaints")
    .values({
      borrower_id: a3.borrower_id,
      account_id: a3.id,
      ack_number: "C20261123-00001",
      category: "contact_frequency",
      body: "Too many texts",
      created_at: new Date("2026-11-23T01:00:00Z"),
    })
    .execute();

  dashboard = await loadDashboard(t.db, { timeZone: HK, now });
});
afterAll(async () => {
  await t?.destroy();
});

const day = (iso: string) => dashboard.days.find((d) => d.day === iso)!;

describe("dashboard", () => {
  it("covers the last 30 days of the console's time zone, every day present", () => {
    expect(dashboard.from).toBe("2026-10-25");
    expect(dashboard.to).toBe("2026-11-23");
    expect(dashboard.days).toHaveLength(30);
    expect(day("2026-11-01")).toEqual({
      day: "2026-11-01",
      sent: 0,
      delivered: 0,
      opened: 0,
      verified: 0,
      paid: 0,
      plansProposed: 0,
      plansApproved: 0,
      optOuts: 0,
      complaints: 0,
    });
  });

  it("counts the funnel by the day each reminder was sent", () => {
    expect(day("2026-11-20")).toMatchObject({ sent: 2, delivered: 1, opened: 1, verified: 1, paid: 1 });
    expect(day("2026-11-21")).toMatchObject({ sent: 1, delivered: 1, opened: 1, verified: 0, paid: 1 });
    expect(day("2026-11-22")).toMatchObject({ sent: 1, delivered: 1, opened: 0, verified: 0, paid: 1 });
    expect(dashboard.totals).toMatchObject({ sent: 4, delivered: 3, opened: 2, verified: 1, paid: 3 });
  });

  it("counts plans, opt-outs and complaints by the day they happened", () => {
    expect(day("2026-11-19")).toMatchObject({ plansProposed: 1, plansApproved: 0 }); // rejected later: still proposed that day
    expect(day("2026-11-20")).toMatchObject({ plansProposed: 1, plansApproved: 0 });
    expect(day("2026-11-21")).toMatchObject({ plansProposed: 1, plansApproved: 1 });
    expect(day("2026-11-22")).toMatchObject({ plansProposed: 0, plansApproved: 0, optOuts: 2 });
    expect(day("2026-11-23")).toMatchObject({ complaints: 1, optOuts: 0 });
    expect(dashboard.totals).toMatchObject({ plansProposed: 3, plansApproved: 1, optOuts: 2, complaints: 1 });
  });

  it("compares variants per stage: texts sent and paid within 7 days", () => {
    expect(dashboard.variants).toEqual([
      { stage: "early", variant: "A", sent: 2, paidWithin7Days: 2, ratePercent: 100 },
      { stage: "early", variant: "B", sent: 1, paidWithin7Days: 0, ratePercent: 0 },
      { stage: "mid", variant: "A", sent: 1, paidWithin7Days: 1, ratePercent: 100 },
    ]);
  });

  it("is for supervisors and admins", async () => {
    for (const [role, status] of [
      ["supervisor", 200],
      ["admin", 200],
      ["approver", 403],
      ["agent", 403],
    ] as const) {
      const cookie = await signedInCookie(t.db, (await enrolledStaff(t.db, role)).user);
      const o = await outcome(() =>
        loader({ request: get("/staff/dashboard", cookie), params: {}, context: staffContext(t.db) }),
      );
      expect(o.status, role).toBe(status);
      if (status === 200) expect((o.data as { days: unknown[] }).days).toHaveLength(30);
    }
  });
});
