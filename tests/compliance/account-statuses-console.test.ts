import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decideForAccount } from "../../app/engine/planner.server";
import { applyBorrowerAction } from "../../app/staff/borrower-actions.server";
import type { StaffIdentity } from "../../app/staff/session.server";
import { startBorrowerSession } from "../../app/borrower/session.server";
import { insertAccount, insertStaffUser } from "../support/builders";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { closeTestApps, startTestApp, type TestApp } from "../support/http-app";
import { borrowerWithLink } from "../support/links";

/**
 * Account statuses set from the console (docs/product-rules.md §4.18): with a reason, audited, ended as
 * an action of its own; and what the borrower reads about them on the portal, only after verification.
 */
const NOON = new Date(Math.ceil((Date.now() - 4 * 3_600_000) / 86_400_000) * 86_400_000 + 4 * 3_600_000);

let t: TestDatabase;
let app: TestApp;
let agent: StaffIdentity;
beforeAll(async () => {
  t = await createTestDatabase();
  app = await startTestApp(t.db, { production: true });
  const user = await insertStaffUser(t.db);
  agent = { id: user.id, email: user.email, displayName: user.display_name, role: "agent" };
});
afterAll(async () => {
  await app?.close();
  await closeTestApps();
  await t?.destroy();
});

const act = (borrowerId: string, action: Record<string, unknown>) =>
  applyBorrowerAction(t.db, { staff: agent, borrowerId, action: action as never });

async function audits(borrowerId: string) {
  return t.db
    .selectFrom("audit_events")
    .select(["action", "actor_type", "actor_id"])
    .where("borrower_id", "=", borrowerId)
    .where("action", "like", "status.%")
    .orderBy("id")
    .execute();
}

describe("statuses from the console", () => {
  it("deceased, set by an agent with a reason: no contact, a bereavement task, an audit row", async () => {
    const account = await insertAccount(t.db, { dpd: 40 });
    const done = await act(account.borrower_id, {
      intent: "set_status",
      kind: "deceased",
      reason: "Executor phoned",
    });
    expect(done).toEqual({ status: "ok" });
    expect((await decideForAccount(t.db, account.id, NOON))!.decision).toMatchObject({
      action: "suppress",
      reason: "deceased",
    });
    const tasks = await t.db
      .selectFrom("tasks")
      .select("kind")
      .where("borrower_id", "=", account.borrower_id)
      .execute();
    expect(tasks).toEqual([{ kind: "bereavement" }]);
    expect(await audits(account.borrower_id)).toEqual([
      { action: "status.set", actor_type: "staff", actor_id: agent.id },
    ]);
  });

  it("ending a status is an audited action, and contact resumes", async () => {
    const account = await insertAccount(t.db, { dpd: 10 });
    await act(account.borrower_id, {
      intent: "set_status",
      kind: "cease_contact",
      reason: "Letter received",
    });
    const status = await t.db
      .selectFrom("account_statuses")
      .select("id")
      .where("borrower_id", "=", account.borrower_id)
      .executeTakeFirstOrThrow();
    expect((await decideForAccount(t.db, account.id, NOON))!.decision.reason).toBe("cease_contact");
    // The same status cannot be set twice while in force.
    expect(
      await act(account.borrower_id, { intent: "set_status", kind: "cease_contact", reason: "Again" }),
    ).toMatchObject({ status: "refused", httpStatus: 409 });
    expect(
      await act(account.borrower_id, {
        intent: "end_status",
        statusId: status.id,
        reason: "Borrower withdrew it",
      }),
    ).toEqual({ status: "ok" });
    const row = await t.db
      .selectFrom("account_statuses")
      .select(["ended_at", "ended_by", "end_reason"])
      .where("id", "=", status.id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ ended_by: `staff:${agent.id}`, end_reason: "Borrower withdrew it" });
    expect((await audits(account.borrower_id)).map((a) => a.action)).toEqual(["status.set", "status.ended"]);
    expect((await decideForAccount(t.db, account.id, NOON))!.decision.reason).not.toBe("cease_contact");
  });

  it("another borrower's status is not found, and nothing changes", async () => {
    const mine = await insertAccount(t.db);
    const theirs = await insertAccount(t.db);
    await act(theirs.borrower_id, { intent: "set_status", kind: "vulnerable", reason: "Carer told us" });
    const status = await t.db
      .selectFrom("account_statuses")
      .select("id")
      .where("borrower_id", "=", theirs.borrower_id)
      .executeTakeFirstOrThrow();
    expect(await act(mine.borrower_id, { intent: "end_status", statusId: status.id, reason: "x" })).toEqual({
      status: "not_found",
    });
  });
});

describe("what the borrower reads on the portal", () => {
  it("after verification: in plain words, in their language; nothing on the masked landing", async () => {
    const { borrower, account, link } = await borrowerWithLink(t.db);
    await act(borrower.id, {
      intent: "set_status",
      kind: "breathing_space",
      reason: "Debt adviser's notice",
    });
    await act(borrower.id, { intent: "set_status", kind: "vulnerable", reason: "Told us about an illness" });

    const landing = await (await fetch(`${app.base}/r/${link.code}`)).text();
    expect(landing).not.toContain("Breathing Space");
    expect(landing).not.toContain("extra support");

    const setCookie = await startBorrowerSession(t.db, {
      borrowerId: borrower.id,
      accountId: account.id,
      linkId: link.id,
    });
    const cookie = setCookie.split(";")[0]!;
    const overview = await (await fetch(`${app.base}/account`, { headers: { Cookie: cookie } })).text();
    expect(overview).toMatch(
      /You are in Breathing Space until [^:]+: we will not contact you about this debt/,
    );
    expect(overview).toContain("we will only send gentle reminders and will not call you");

    const zh = await (await fetch(`${app.base}/account?lng=zh-HK`, { headers: { Cookie: cookie } })).text();
    expect(zh).toContain("您正處於 Breathing Space 暫停期");
  });
});
