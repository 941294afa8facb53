import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCKOUT_MS, MAX_DAILY_FAILURES, verifyBorrower } from "../../app/borrower/verification.server";
import { config } from "../../app/platform/config.server";
import { action as workAction, loader as workLoader } from "../../app/routes/staff.work";
import type { StaffUser } from "../../db/schema";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { borrowerWithLink } from "../support/links";
import { enrolledStaff, get, outcome, post, signedInCookie, staffContext } from "./support";

/**
 * Verification lockouts as work items (docs/product-rules.md §8.12): a borrower locked out of verification
 * is on the agents' worklist as a call back, and the task closes by itself when they verify.
 */
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

const LOCKED_AT = new Date("2026-11-23T11:00:00Z");

async function lockedOutBorrower() {
  const start = new Date(LOCKED_AT.getTime() - 15 * 60_000 * (MAX_DAILY_FAILURES - 1));
  const b = await borrowerWithLink(t.db, { now: start });
  const answer = (answer: string, now: Date) =>
    verifyBorrower(t.db, {
      linkId: b.link.id,
      kind: "dob",
      answer,
      hashKey: config().verificationHashKey,
      now,
    });
  for (let i = 0; i < MAX_DAILY_FAILURES; i++)
    await answer("1999-01-01", new Date(start.getTime() + 15 * 60_000 * i));
  expect((await answer(b.dob, new Date(LOCKED_AT.getTime() + 60_000))).status).toBe("locked");
  return { ...b, answer };
}

interface Row {
  id: string;
  borrowerId: string;
  kind: string;
  lockout: boolean;
  ownerName: string | null;
}
async function worklist(): Promise<{ mine: Row[]; unassigned: Row[] }> {
  const res = await outcome(() =>
    workLoader({ request: get("/staff/work", annCookie), params: {}, context: staffContext(t.db) }),
  );
  expect(res.status).toBe(200);
  return res.data as { mine: Row[]; unassigned: Row[] };
}

describe("a borrower locked out of verification", () => {
  it("is a call back on the worklist, closed by the system when they verify, even once claimed", async () => {
    const b = await lockedOutBorrower();
    const item = (await worklist()).unassigned.find((i) => i.borrowerId === b.borrower.id);
    expect(item).toMatchObject({ kind: "call", lockout: true, ownerName: null });

    const claimed = await outcome(() =>
      workAction({
        request: post("/staff/work", { intent: "claim", taskId: item!.id }, annCookie),
        params: {},
        context: staffContext(t.db),
      }),
    );
    expect(claimed.status).toBe(303);
    expect((await worklist()).mine.map((i) => i.id)).toContain(item!.id);

    const verified = await b.answer(b.dob, new Date(LOCKED_AT.getTime() + LOCKOUT_MS + 1));
    expect(verified.status).toBe("verified");
    const task = await t.db
      .selectFrom("tasks")
      .select(["status", "outcome", "resolved_at"])
      .where("id", "=", item!.id)
      .executeTakeFirstOrThrow();
    expect(task).toMatchObject({ status: "done", outcome: "borrower_verified" });
    const list = await worklist();
    expect([...list.mine, ...list.unassigned].map((i) => i.id)).not.toContain(item!.id);
    const audit = await t.db
      .selectFrom("audit_events")
      .select(["actor_type", "action"])
      .where("subject_id", "=", item!.id)
      .where("action", "=", "task.closed_on_verification")
      .execute();
    expect(audit).toEqual([{ actor_type: "system", action: "task.closed_on_verification" }]);
  });

  it("a verification with no lockout behind it closes no other task", async () => {
    const b = await borrowerWithLink(t.db, { now: LOCKED_AT });
    await t.db
      .insertInto("tasks")
      .values({ kind: "call", borrower_id: b.borrower.id, account_id: b.account.id, status: "open" })
      .execute();
    const verified = await verifyBorrower(t.db, {
      linkId: b.link.id,
      kind: "dob",
      answer: b.dob,
      hashKey: config().verificationHashKey,
      now: LOCKED_AT,
    });
    expect(verified.status).toBe("verified");
    const item = (await worklist()).unassigned.find((i) => i.borrowerId === b.borrower.id);
    expect(item).toMatchObject({ kind: "call", lockout: false });
  });
});
