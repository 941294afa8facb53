import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Jurisdiction, PhoneOwner, StaffUser } from "../../db/schema";
import * as promiseRoute from "../../app/routes/account.promise";
import { action as borrowerPageAction } from "../../app/routes/staff.borrowers.$borrowerId";
import { localToday } from "../../app/domain/borrower-actions";
import { dispatchSms } from "../../app/engine/dispatcher.server";
import { outboxProvider } from "../../app/messaging/providers/outbox.server";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { formRequest, queuedTexts, run, signedInBorrower } from "../portal/action-helpers";
import { enrolledStaff, outcome, signedInCookie, staffContext } from "../staff/support";

/**
 * Debtor-only contact for the texts an action asks for (docs/product-rules.md §4.20): a confirmation of
 * the borrower's own action and a link an agent texts obey the schedule's rule. Where the jurisdiction
 * allows contact with the debtor only, a number not known to be the borrower's (`third_party`, `unknown`)
 * gets no text about the debt; elsewhere the text goes as before.
 */
let t: TestDatabase;
let agent: StaffUser;
let agentCookie: string;
beforeAll(async () => {
  t = await createTestDatabase();
  ({ user: agent } = await enrolledStaff(t.db, "agent"));
  agentCookie = await signedInCookie(t.db, agent);
});
afterAll(async () => {
  await t.destroy();
});

/** A signed-in borrower whose number has `owner`, in `jurisdiction`. */
async function borrowerWhoseNumberIs(owner: PhoneOwner, jurisdiction: Jurisdiction = "HK") {
  const b = await signedInBorrower(t.db);
  await t.db
    .updateTable("borrowers")
    .set({ phone_owner: owner, jurisdiction })
    .where("id", "=", b.borrower.id)
    .execute();
  return b;
}

/** A form posted on the borrower page by the agent. */
const consoleAction = (borrowerId: string, form: Record<string, string>) => {
  const request = new Request(`http://portal.test/staff/borrowers/${borrowerId}`, {
    method: "POST",
    body: new URLSearchParams(form),
    headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: agentCookie },
  });
  return outcome(() => borrowerPageAction({ request, params: { borrowerId }, context: staffContext(t.db) }));
};

const refusals = (borrowerId: string) =>
  t.db
    .selectFrom("audit_events")
    .select(["actor_type", "actor_id", "detail"])
    .where("borrower_id", "=", borrowerId)
    .where("action", "=", "link.text_refused")
    .execute();

const allTexts = (borrowerId: string) =>
  t.db.selectFrom("messages").select("template_key").where("borrower_id", "=", borrowerId).execute();

describe("a link an agent texts", () => {
  it("is refused (409, audited) to a third party's number in HK, and spends none of the day's budget", async () => {
    const { borrower, account } = await borrowerWhoseNumberIs("third_party");
    const fresh = await consoleAction(borrower.id, { intent: "send_link", accountId: account.id });
    expect(fresh.status).toBe(409);
    expect((fresh.data as any).result.error[""]).toContain("errors.notBorrowersNumber");
    const pay = await consoleAction(borrower.id, {
      intent: "send_payment_link",
      accountId: account.id,
      amount: "100",
    });
    expect(pay.status).toBe(409);
    expect(await allTexts(borrower.id)).toEqual([]);
    const audited = await refusals(borrower.id);
    expect(audited).toHaveLength(2);
    expect(audited[0]).toMatchObject({ actor_type: "staff", actor_id: agent.id });
    expect(audited.map((a) => a.detail)).toEqual([
      expect.objectContaining({ reason: "not_borrowers_number", link: "fresh_link" }),
      expect.objectContaining({ reason: "not_borrowers_number", link: "payment_link" }),
    ]);

    // The agent confirms the number is the borrower's own: all three of the day's links can go.
    await t.db
      .updateTable("borrowers")
      .set({ phone_owner: "borrower" })
      .where("id", "=", borrower.id)
      .execute();
    for (let i = 0; i < 3; i++)
      expect((await consoleAction(borrower.id, { intent: "send_link", accountId: account.id })).status).toBe(
        303,
      );
    expect(await allTexts(borrower.id)).toHaveLength(3);
  });

  it("is refused to an unknown number in CN; goes to a third party's number in the US", async () => {
    const cn = await borrowerWhoseNumberIs("unknown", "CN");
    expect(
      (await consoleAction(cn.borrower.id, { intent: "send_link", accountId: cn.account.id })).status,
    ).toBe(409);
    expect(await allTexts(cn.borrower.id)).toEqual([]);

    const us = await borrowerWhoseNumberIs("third_party", "US");
    expect(
      (await consoleAction(us.borrower.id, { intent: "send_link", accountId: us.account.id })).status,
    ).toBe(303);
    expect(await allTexts(us.borrower.id)).toEqual([{ template_key: "confirmation.fresh_link" }]);
    expect(await refusals(us.borrower.id)).toEqual([]);
  });
});

describe("the confirmation of the borrower's own action", () => {
  const promise = (cookie: string) =>
    run(
      promiseRoute.action,
      formRequest("/account/promise", cookie, {
        amount: "100.00",
        promisedDate: localToday(new Date(Date.now() + 5 * 86_400_000), "Asia/Hong_Kong"),
      }),
      t.db,
    );

  it("is not texted to a third party's number in HK; the borrower still sees the promise confirmed", async () => {
    const b = await borrowerWhoseNumberIs("third_party");
    const res = await promise(b.cookie);
    expect(res.status).toBe(303);
    expect(res.location).toBe("/account/done/promise");
    const made = await t.db
      .selectFrom("promises_to_pay")
      .select("status")
      .where("borrower_id", "=", b.borrower.id)
      .execute();
    expect(made).toEqual([{ status: "active" }]);
    expect(await allTexts(b.borrower.id)).toEqual([]);
  });

  it("is texted as before where contact is not debtor-only (US), and to the borrower's own number", async () => {
    const us = await borrowerWhoseNumberIs("third_party", "US");
    expect((await promise(us.cookie)).status).toBe(303);
    expect(await queuedTexts(t.db, us.borrower.id)).toEqual([
      expect.objectContaining({ template_key: "confirmation.promise_confirmed", status: "queued" }),
    ]);

    const own = await borrowerWhoseNumberIs("borrower");
    expect((await promise(own.cookie)).status).toBe(303);
    expect(await queuedTexts(t.db, own.borrower.id)).toHaveLength(1);
  });

  it("queued before an agent learned the number is not the borrower's, is cancelled at send time", async () => {
    const b = await borrowerWhoseNumberIs("borrower");
    expect((await promise(b.cookie)).status).toBe(303);
    const text = await t.db
      .selectFrom("messages")
      .select("id")
      .where("borrower_id", "=", b.borrower.id)
      .executeTakeFirstOrThrow();
    const marked = await consoleAction(b.borrower.id, { intent: "set_phone_owner", phoneOwner: "unknown" });
    expect(marked.status).toBe(303);
    expect(await dispatchSms(t.db, outboxProvider, text.id)).toEqual({
      status: "cancelled",
      reason: "not_borrowers_number",
    });
    expect(await queuedTexts(t.db, b.borrower.id)).toEqual([
      expect.objectContaining({ template_key: "confirmation.promise_confirmed", status: "cancelled" }),
    ]);
  });
});
