import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_CONTACT_POLICY } from "../../app/domain/contact-policy";
import { localToday } from "../../app/domain/borrower-actions";
import { addDays } from "../../app/domain/plan-terms";
import { moveInstalment } from "../../app/plans/instalment-move.server";
import { markBrokenPlans, proposePlan } from "../../app/plans/plans.server";
import { action as statusAction, loader as statusLoader } from "../../app/routes/account.plan_.status";
import { saveContactPolicy } from "../../app/staff/contact-policy-editor.server";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { requestWithCookies } from "../support/links";
import { signedInBorrower } from "../support/signed-in-borrower";
import { enrolledStaff } from "../staff/support";

/** A borrower moves one instalment of an active plan (docs/product-rules.md §7.9). */
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.destroy();
});

const now = new Date("2026-11-23T02:00:00Z"); // 10:00 in Hong Kong
const today = "2026-11-23";
const firstDue = "2026-11-30";

async function activePlan(at = { now, today, firstDue }) {
  const borrower = await signedInBorrower(t.db, {
    balance_as_of: new Date(at.now.getTime() - 3 * 86_400_000),
  });
  const proposed = await proposePlan(t.db, {
    session: borrower.session,
    count: 3,
    frequency: "monthly",
    firstDueDate: at.firstDue,
    today: at.today,
    now: at.now,
  });
  expect(proposed.status).toBe("active");
  return { ...borrower, planId: (proposed as { planId: string }).planId };
}

const dueDates = async (planId: string) =>
  (
    await t.db
      .selectFrom("instalments")
      .select(["seq", "due_date", "original_due_date"])
      .where("plan_id", "=", planId)
      .orderBy("seq")
      .execute()
  ).map((i) => [i.seq, i.due_date, i.original_due_date]);

describe("moving an instalment", () => {
  it("moves the next instalment once, within the policy's 14 days; the bank hears of it; a second move is refused", async () => {
    const { session, planId } = await activePlan();
    expect(await moveInstalment(t.db, { session, newDate: addDays(firstDue, 15), now })).toEqual({
      status: "refused",
      problem: "date_too_far",
    });
    expect(await moveInstalment(t.db, { session, newDate: addDays(firstDue, 10), now })).toEqual({
      status: "moved",
      seq: 1,
      from: firstDue,
      to: "2026-12-10",
    });
    expect(await dueDates(planId)).toEqual([
      [1, "2026-12-10", firstDue],
      [2, "2026-12-30", null],
      [3, "2027-01-30", null],
    ]);
    expect(await moveInstalment(t.db, { session, newDate: "2027-01-05", now })).toEqual({
      status: "refused",
      problem: "already_moved",
    });
    const events = await t.db
      .selectFrom("bank_events")
      .select(["type", "payload"])
      .where("account_id", "=", session.accountId)
      .where("type", "=", "plan.instalment_moved")
      .execute();
    expect(events).toHaveLength(1);
    expect(events[0]!.payload).toMatchObject({ planId, seq: 1, from: firstDue, to: "2026-12-10" });
  });

  it("the broken-plan rule counts from the new day: not broken a week after the old one, broken a week after the new", async () => {
    const { session, planId } = await activePlan();
    await moveInstalment(t.db, { session, newDate: "2026-12-12", now });
    const status = async () =>
      (
        await t.db
          .selectFrom("instalment_plans")
          .select("status")
          .where("id", "=", planId)
          .executeTakeFirstOrThrow()
      ).status;
    await markBrokenPlans(t.db, new Date("2026-12-09T04:00:00Z"));
    expect(await status()).toBe("active");
    await markBrokenPlans(t.db, new Date("2026-12-21T04:00:00Z"));
    expect(await status()).toBe("broken");
  });

  it("a policy that allows no moves refuses them", async () => {
    const { user } = await enrolledStaff(t.db, "supervisor");
    const policy = {
      ...DEFAULT_CONTACT_POLICY,
      plans: { ...DEFAULT_CONTACT_POLICY.plans, maxInstalmentMoveDays: 0 },
    };
    await saveContactPolicy(t.db, { staff: user, policy, baseVersion: 0 });
    const { session } = await activePlan();
    expect(await moveInstalment(t.db, { session, newDate: addDays(firstDue, 3), now })).toEqual({
      status: "refused",
      problem: "moves_not_allowed",
    });
    const restored = { ...DEFAULT_CONTACT_POLICY };
    await saveContactPolicy(t.db, { staff: user, policy: restored, baseVersion: 1 });
  });

  it("through the status page: the offer, a bad date refused (400) with nothing written, a good one moved (303)", async () => {
    // The routes run on the real clock: a plan dated from today.
    const realToday = localToday(new Date(), "Asia/Hong_Kong");
    const realFirst = addDays(realToday, 7);
    const { cookie, planId } = await activePlan({ now: new Date(), today: realToday, firstDue: realFirst });
    const url = "http://portal.test/account/plan/status";
    const page = (await statusLoader({
      request: requestWithCookies([cookie], url),
      params: {},
      context: { db: t.db } as never,
    })) as unknown as { data: { moveOffer: { seq: number; dueDate: string; latest: string } | null } };
    expect(page.data.moveOffer).toEqual({ seq: 1, dueDate: realFirst, latest: addDays(realFirst, 14) });

    const post = (newDate: string) => {
      const base = requestWithCookies([cookie], url);
      return statusAction({
        request: new Request(url, {
          method: "POST",
          headers: {
            Cookie: base.headers.get("Cookie")!,
            "Content-Type": "application/x-www-form-urlencoded",
          },
          body: new URLSearchParams({ intent: "move", newDate }),
        }),
        params: {},
        context: { db: t.db } as never,
      });
    };
    const bad = (await post("2026-02-30")) as unknown as { data: unknown; init: { status: number } };
    expect(bad.init.status).toBe(400);
    expect(bad.data).toEqual({ moveProblem: "date_invalid" });
    expect((await dueDates(planId))[0]).toEqual([1, realFirst, null]);
    const good = (await post(addDays(realFirst, 5))) as Response;
    expect(good.status).toBe(303);
    expect(good.headers.get("Location")).toBe("/account/plan/status?moved=1");
    expect((await dueDates(planId))[0]).toEqual([1, addDays(realFirst, 5), realFirst]);
  });
});
