import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as promiseRoute from "../../app/routes/account.promise";
import * as hardshipRoute from "../../app/routes/account.hardship";
import * as preferencesRoute from "../../app/routes/account.preferences";
import * as appointmentRoute from "../../app/routes/account.appointment";
import * as complaintRoute from "../../app/routes/account.complaint";
import * as doneRoute from "../../app/routes/account.done.$action";
import { localToday } from "../../app/domain/borrower-actions";
import { insertAccount } from "../support/builders";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { footprint, formRequest, getRequest, run, signedInBorrower } from "./action-helpers";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.destroy();
});

const tomorrow = () => localToday(new Date(Date.now() + 86_400_000), "Asia/Hong_Kong");

describe("session scope: one borrower's session cannot touch another's account", () => {
  it("ids smuggled into the form are ignored: every write lands on the session's own borrower and account", async () => {
    const mallory = await signedInBorrower(t.db);
    const victim = await signedInBorrower(t.db);
    const victimBefore = await footprint(t.db, victim.borrower.id);
    const smuggled = {
      accountId: victim.account.id,
      borrowerId: victim.borrower.id,
      account_id: victim.account.id,
      borrower_id: victim.borrower.id,
    };
    const slot = (
      await run(appointmentRoute.loader, getRequest("/account/appointment", mallory.cookie), t.db)
    ).data.slots[0].start as string;

    const posts: Array<[(args: any) => unknown, string, Record<string, string>]> = [
      [promiseRoute.action, "/account/promise", { amount: "10", promisedDate: tomorrow() }],
      [hardshipRoute.action, "/account/hardship", { reason: "other" }],
      [
        preferencesRoute.action,
        "/account/preferences",
        { intent: "save", language: "en", channels: "email" },
      ],
      [preferencesRoute.action, "/account/preferences", { intent: "stop_texts" }],
      [appointmentRoute.action, "/account/appointment", { kind: "callback", slot }],
      [complaintRoute.action, "/account/complaint", { category: "other", text: "hello" }],
    ];
    for (const [action, path, fields] of posts) {
      const res = await run(action, formRequest(path, mallory.cookie, { ...smuggled, ...fields }), t.db);
      expect(res.status, path).toBe(303);
    }
    await expect(footprint(t.db, victim.borrower.id)).resolves.toEqual(victimBefore);
    const rows = await Promise.all(
      (["promises_to_pay", "hardship_reports", "complaints", "tasks", "bank_events"] as const).map((table) =>
        t.db
          .selectFrom(table)
          .select(["borrower_id", "account_id"])
          .where("borrower_id", "=", mallory.borrower.id)
          .execute(),
      ),
    );
    for (const row of rows.flat())
      expect(row).toEqual({ borrower_id: mallory.borrower.id, account_id: mallory.account.id });
  });

  it("confirmation pages show only the session's own records", async () => {
    const alice = await signedInBorrower(t.db);
    const bob = await signedInBorrower(t.db);
    await run(
      complaintRoute.action,
      formRequest("/account/complaint", bob.cookie, { category: "other", text: "Bob's complaint" }),
      t.db,
    );
    await run(
      promiseRoute.action,
      formRequest("/account/promise", bob.cookie, { amount: "10", promisedDate: tomorrow() }),
      t.db,
    );
    for (const action of ["complaint", "promise", "hardship", "appointment"]) {
      const res = await run(doneRoute.loader, getRequest(`/account/done/${action}`, alice.cookie), t.db, {
        action,
      });
      expect(res.status, action).toBe(404);
    }
    const unknown = await run(doneRoute.loader, getRequest("/account/done/anything", alice.cookie), t.db, {
      action: "anything",
    });
    expect(unknown.status).toBe(404);
  });

  it("the same borrower's other account is out of reach of a session for this one", async () => {
    const b = await signedInBorrower(t.db);
    const other = await insertAccount(t.db, { borrower_id: b.borrower.id });
    await run(
      promiseRoute.action,
      formRequest("/account/promise", b.cookie, {
        amount: "10",
        promisedDate: tomorrow(),
        accountId: other.id,
      }),
      t.db,
    );
    const promises = await t.db
      .selectFrom("promises_to_pay")
      .select("account_id")
      .where("borrower_id", "=", b.borrower.id)
      .execute();
    expect(promises).toEqual([{ account_id: b.account.id }]);
  });

  it("without a session every page and action sends the borrower to /session-ended and writes nothing", async () => {
    const b = await signedInBorrower(t.db);
    const before = await footprint(t.db, b.borrower.id);
    for (const [route, path] of [
      [promiseRoute, "/account/promise"],
      [hardshipRoute, "/account/hardship"],
      [preferencesRoute, "/account/preferences"],
      [appointmentRoute, "/account/appointment"],
      [complaintRoute, "/account/complaint"],
    ] as const) {
      const page = await run(route.loader, getRequest(path, null), t.db);
      expect(page).toMatchObject({ status: 302, location: "/session-ended" });
      const post = await run(
        route.action,
        formRequest(path, "settle_session=forged-token-0123456789abcdef", {
          reason: "other",
          intent: "stop_texts",
        }),
        t.db,
      );
      expect(post).toMatchObject({ status: 302, location: "/session-ended" });
    }
    const done = await run(doneRoute.loader, getRequest("/account/done/complaint", null), t.db, {
      action: "complaint",
    });
    expect(done.location).toBe("/session-ended");
    await expect(footprint(t.db, b.borrower.id)).resolves.toEqual(before);
  });
});
