import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSchedule, type DecisionLine } from "../../app/engine/planner.server";
import type { BorrowerSession } from "../../app/borrower/session.server";
import { fileComplaint } from "../../app/borrower/complaints.server";
import { reportHardship } from "../../app/borrower/hardship.server";
import { proposePlan } from "../../app/plans/plans.server";
import { makePromise } from "../../app/borrower/promises.server";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { borrowerWithLink } from "../support/links";

// 13:30 in Hong Kong: inside every window, so only the borrower's own actions change the decision.
const NOW = new Date("2026-11-23T05:30:00Z");
const TODAY = "2026-11-23";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.destroy();
});

/** A borrower 12 days past due (mid stage) who has had no text yet: the planner would text them now. */
async function overdueBorrower(): Promise<{ session: BorrowerSession; ref: string }> {
  const f = await borrowerWithLink(t.db, { now: NOW });
  await t.db
    .updateTable("accounts")
    .set({
      status: "delinquent",
      dpd: 12,
      overdue_minor: 100_000,
      balance_minor: 500_000,
      due_date: "2026-11-11",
    })
    .where("id", "=", f.account.id)
    .execute();
  return {
    session: { id: "test", borrowerId: f.borrower.id, accountId: f.account.id, linkId: f.link.id },
    ref: f.account.external_ref,
  };
}

async function decisionFor(ref: string): Promise<DecisionLine> {
  let found: DecisionLine | undefined;
  await runSchedule(t.db, { now: NOW, dryRun: true, onDecision: (l) => l.account === ref && (found = l) });
  if (!found) throw new Error(`no decision for ${ref}`);
  return found;
}

describe("each borrower action changes the next schedule decision at once", () => {
  it("before any action the planner would send the mid-stage reminder", async () => {
    const { ref } = await overdueBorrower();
    expect(await decisionFor(ref)).toMatchObject({ action: "send", template: "mid" });
  });

  it("a promise to pay defers reminders until the date plus grace", async () => {
    const { session, ref } = await overdueBorrower();
    await makePromise(t.db, session, { amountMinor: 100_000, promisedDate: "2026-11-30" }, NOW);
    const d = await decisionFor(ref);
    expect(d).toMatchObject({ action: "defer", reason: "promise_pending" });
    expect(new Date(d.at!).getTime()).toBeGreaterThanOrEqual(new Date("2026-12-02T16:00:00Z").getTime());
  });

  it("a hardship report pauses reminders for 30 days", async () => {
    const { session, ref } = await overdueBorrower();
    await reportHardship(
      t.db,
      session,
      {
        reason: "job_loss",
        details: "",
        monthlyIncomeMinor: null,
        monthlyExpensesMinor: null,
        wantsPause: true,
        wantsLowerPayments: false,
      },
      NOW,
    );
    const d = await decisionFor(ref);
    expect(d).toMatchObject({ action: "defer", reason: "hardship_pause" });
    expect(new Date(d.at!).getTime() - NOW.getTime()).toBeGreaterThanOrEqual(29 * 86_400_000);
  });

  it("a plan outside policy holds reminders while it is under review", async () => {
    const { session, ref } = await overdueBorrower();
    const result = await proposePlan(t.db, {
      session,
      count: 12,
      frequency: "monthly",
      firstDueDate: "2026-11-30",
      today: TODAY,
      now: NOW,
    });
    expect(result.status).toBe("proposed");
    expect(await decisionFor(ref)).toMatchObject({ action: "defer", reason: "plan_under_review" });
  });

  it("a plan inside policy leaves only instalment reminders", async () => {
    const { session, ref } = await overdueBorrower();
    const result = await proposePlan(t.db, {
      session,
      count: 3,
      frequency: "monthly",
      firstDueDate: "2026-12-05",
      today: TODAY,
      now: NOW,
    });
    expect(result.status).toBe("active");
    expect(await decisionFor(ref)).toMatchObject({ action: "defer", reason: "plan_active" });
  });

  it("a complaint disputing the amount stops reminders about it", async () => {
    const { session, ref } = await overdueBorrower();
    await fileComplaint(t.db, session, { category: "amount_disputed", text: "This amount is wrong." }, NOW);
    expect(await decisionFor(ref)).toMatchObject({ action: "suppress", reason: "dispute" });
  });
});
