import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSchedule, type DecisionLine } from "../../app/engine/planner.server";
import * as complaintRoute from "../../app/routes/account.complaint";
import { action as borrowerAction } from "../../app/routes/staff.borrowers.$borrowerId";
import { action as caseAction } from "../../app/routes/staff.cases.$caseId";
import type { StaffUser } from "../../db/schema";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { formRequest, run, signedInBorrower } from "../portal/action-helpers";
import { enrolledStaff, outcome, post, signedInCookie, staffContext } from "./support";

/**
 * Resolving a complaint clears the dispute flag that complaint set (docs/product-rules.md §8.13, "The
 * dispute flag"): driven through the portal's complaint action, the console's case action and the schedule.
 * A flag another open complaint holds, staff set by hand, or a dispute status (§4.18) in force stays.
 */
const DAY = 86_400_000;
let t: TestDatabase;
let ann: StaffUser;
let annCookie: string;
beforeAll(async () => {
  t = await createTestDatabase();
  ({ user: ann } = await enrolledStaff(t.db, "agent", { display_name: "Ann Agent" }));
  annCookie = await signedInCookie(t.db, ann);
});
afterAll(async () => {
  await t.destroy();
});

// Two days on, 13:30 in Hong Kong: inside every window, and past the 48 hours between reminders.
const scheduleAt = () => new Date(Math.floor(Date.now() / DAY) * DAY + 2 * DAY + 5.5 * 3_600_000);

async function overdueBorrower() {
  const b = await signedInBorrower(t.db);
  await t.db
    .updateTable("accounts")
    .set({ status: "delinquent", dpd: 12, overdue_minor: 100_000, balance_minor: 500_000 })
    .where("id", "=", b.account.id)
    .execute();
  return b;
}

type Borrower = Awaited<ReturnType<typeof overdueBorrower>>;

async function complain(b: Borrower, category: "amount_disputed" | "conduct") {
  const res = await run(
    complaintRoute.action,
    formRequest("/account/complaint", b.cookie, { category, text: "That amount is not what I owe." }),
    t.db,
  );
  expect(res.status).toBe(303);
  const row = await t.db
    .selectFrom("complaints")
    .select("id")
    .where("borrower_id", "=", b.borrower.id)
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .executeTakeFirstOrThrow();
  return row.id;
}

async function resolveInConsole(caseId: string) {
  const act = (form: Record<string, string>) =>
    outcome(() =>
      caseAction({
        request: post(`/staff/cases/${caseId}`, form, annCookie),
        params: { caseId },
        context: staffContext(t.db),
      }),
    );
  expect((await act({ intent: "acknowledge" })).status).toBe(303);
  expect((await act({ intent: "resolve", response: "We checked: the amount is correct." })).status).toBe(303);
}

async function decisionFor(ref: string): Promise<DecisionLine> {
  let found: DecisionLine | undefined;
  await runSchedule(t.db, {
    now: scheduleAt(),
    dryRun: true,
    onDecision: (l) => l.account === ref && (found = l),
  });
  if (!found) throw new Error(`no decision for ${ref}`);
  return found;
}

const disputeAt = async (accountId: string) =>
  (
    await t.db
      .selectFrom("accounts")
      .select("dispute_at")
      .where("id", "=", accountId)
      .executeTakeFirstOrThrow()
  ).dispute_at;

const disputeAudits = (accountId: string) =>
  t.db
    .selectFrom("audit_events")
    .select(["action", "actor_type", "actor_id", "detail"])
    .where("subject_type", "=", "account")
    .where("subject_id", "=", accountId)
    .where("action", "in", ["staff.dispute_cleared", "staff.dispute_kept"])
    .orderBy("id")
    .execute();

describe("resolving a complaint that disputes the amount", () => {
  it("clears the flag it set, audited as the resolver's, and the schedule texts the borrower again", async () => {
    const b = await overdueBorrower();
    const id = await complain(b, "amount_disputed");
    expect(await disputeAt(b.account.id)).not.toBeNull();
    expect(await decisionFor(b.account.external_ref)).toMatchObject({
      action: "suppress",
      reason: "dispute",
    });

    await resolveInConsole(id);
    expect(await disputeAt(b.account.id)).toBeNull();
    expect(await disputeAudits(b.account.id)).toEqual([
      {
        action: "staff.dispute_cleared",
        actor_type: "staff",
        actor_id: ann.id,
        detail: { via: "complaint_resolved", complaintId: id },
      },
    ]);
    expect(await decisionFor(b.account.external_ref)).toMatchObject({ action: "send" });
  });

  it("keeps the flag while another open complaint disputes the amount, and clears it with the last", async () => {
    const b = await overdueBorrower();
    const first = await complain(b, "amount_disputed");
    const second = await complain(b, "amount_disputed");
    await resolveInConsole(first);
    expect(await disputeAt(b.account.id)).not.toBeNull();
    expect(await decisionFor(b.account.external_ref)).toMatchObject({
      action: "suppress",
      reason: "dispute",
    });
    await resolveInConsole(second);
    expect(await disputeAt(b.account.id)).toBeNull();
    expect((await disputeAudits(b.account.id)).map((a) => [a.action, a.detail])).toEqual([
      ["staff.dispute_kept", { via: "complaint_resolved", complaintId: first, by: "complaint" }],
      ["staff.dispute_cleared", { via: "complaint_resolved", complaintId: second }],
    ]);
    expect(await decisionFor(b.account.external_ref)).toMatchObject({ action: "send" });
  });

  it("leaves a flag staff set on the borrower page before the complaint", async () => {
    const b = await overdueBorrower();
    const set = await outcome(() =>
      borrowerAction({
        request: post(
          `/staff/borrowers/${b.borrower.id}`,
          { intent: "set_dispute", accountId: b.account.id },
          annCookie,
        ),
        params: { borrowerId: b.borrower.id },
        context: staffContext(t.db),
      }),
    );
    expect(set.status).toBeLessThan(400);
    const flagged = await disputeAt(b.account.id);
    expect(flagged).not.toBeNull();
    await resolveInConsole(await complain(b, "amount_disputed"));
    expect(await disputeAt(b.account.id)).toEqual(flagged);
    expect(await disputeAudits(b.account.id)).toEqual([]);
    expect(await decisionFor(b.account.external_ref)).toMatchObject({
      action: "suppress",
      reason: "dispute",
    });
  });

  it("keeps the flag while a dispute status (§4.18) is in force, and leaves the status alone", async () => {
    const b = await overdueBorrower();
    const id = await complain(b, "amount_disputed");
    const status = await t.db
      .insertInto("account_statuses")
      .values({
        borrower_id: b.borrower.id,
        account_id: b.account.id,
        kind: "dispute",
        reason: "Disputed in writing",
        source: "console",
        set_by: `staff:${ann.id}`,
        starts_at: new Date(Date.now() - DAY),
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await resolveInConsole(id);
    expect(await disputeAt(b.account.id)).not.toBeNull();
    expect((await disputeAudits(b.account.id)).map((a) => a.detail)).toEqual([
      { via: "complaint_resolved", complaintId: id, by: "dispute_status" },
    ]);
    const after = await t.db
      .selectFrom("account_statuses")
      .select(["ended_at"])
      .where("id", "=", status.id)
      .executeTakeFirstOrThrow();
    expect(after.ended_at).toBeNull();
  });

  it("a complaint about something else never touches the flag", async () => {
    const b = await overdueBorrower();
    const disputed = await complain(b, "amount_disputed");
    await resolveInConsole(await complain(b, "conduct"));
    expect(await disputeAt(b.account.id)).not.toBeNull();
    expect(await disputeAudits(b.account.id)).toEqual([]);
    await resolveInConsole(disputed);
    expect(await disputeAt(b.account.id)).toBeNull();
  });
});
