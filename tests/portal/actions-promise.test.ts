import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as promiseRoute from "../../app/routes/account.promise";
import * as doneRoute from "../../app/routes/account.done.$action";
import { makePromise, resolvePromises } from "../../app/borrower/promises.server";
import { verifyAuditChain } from "../../app/platform/audit.server";
import { localToday } from "../../app/domain/borrower-actions";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { insertAccount, insertBorrower, insertPayment, insertPromise } from "../support/builders";
import {
  auditActions,
  bankEvents,
  expectNothingWritten,
  fieldErrors,
  footprint,
  formRequest,
  getRequest,
  optOut,
  queuedReminder,
  queuedTexts,
  run,
  signedInBorrower,
  TEN_KB,
} from "./action-helpers";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.destroy();
});

const DAY = 86_400_000;
const isoIn = (days: number) => localToday(new Date(Date.now() + days * DAY), "Asia/Hong_Kong");

describe("promise to pay", () => {
  it("records the promise, pauses queued reminders, audits, tells the bank and texts a confirmation", async () => {
    const b = await signedInBorrower(t.db);
    const reminder = await queuedReminder(t.db, b.account);
    const date = isoIn(5);
    const res = await run(
      promiseRoute.action,
      formRequest("/account/promise", b.cookie, { amount: "1,234.50", promisedDate: date }),
      t.db,
    );
    expect(res.status).toBe(303);
    expect(res.location).toBe("/account/done/promise");

    const promises = await t.db
      .selectFrom("promises_to_pay")
      .selectAll()
      .where("borrower_id", "=", b.borrower.id)
      .execute();
    expect(promises).toHaveLength(1);
    expect(promises[0]).toMatchObject({
      account_id: b.account.id,
      amount_minor: 123_450,
      currency: "HKD",
      promised_date: date,
      status: "active",
    });

    expect(await auditActions(t.db, b.borrower.id)).toEqual(["promise.made"]);
    const events = await bankEvents(t.db, b.borrower.id);
    expect(events).toEqual([
      expect.objectContaining({
        type: "promise.made",
        account_id: b.account.id,
        payload: expect.objectContaining({
          amountMinor: 123_450,
          promisedDate: date,
          promiseId: promises[0]!.id,
        }),
      }),
    ]);
    const texts = await queuedTexts(t.db, b.borrower.id);
    expect(texts).toHaveLength(1);
    expect(texts[0]).toMatchObject({
      template_key: "confirmation.promise_confirmed",
      status: "queued",
      account_id: b.account.id,
    });
    expect(texts[0]!.body).toContain("HK$1,234.50");
    const cancelled = await t.db
      .selectFrom("messages")
      .select("status")
      .where("id", "=", reminder.id)
      .executeTakeFirstOrThrow();
    expect(cancelled.status).toBe("cancelled");

    const done = await run(doneRoute.loader, getRequest("/account/done/promise", b.cookie), t.db, {
      action: "promise",
    });
    expect(done.status).toBe(200);
    expect(done.data).toMatchObject({
      kind: "promise",
      amountMinor: 123_450,
      promisedDate: date,
      status: "active",
      remindersPausedThrough: isoIn(7),
    });
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });

  it("allows one active promise per account: a second gets a clear message and writes nothing", async () => {
    const b = await signedInBorrower(t.db);
    await run(
      promiseRoute.action,
      formRequest("/account/promise", b.cookie, { amount: "100", promisedDate: isoIn(1) }),
      t.db,
    );
    const before = await footprint(t.db, b.borrower.id);
    const res = await run(
      promiseRoute.action,
      formRequest("/account/promise", b.cookie, { amount: "200", promisedDate: isoIn(2) }),
      t.db,
    );
    expect(res.status).toBe(409);
    expect(res.data.result.error[""]).toEqual(["actions:promise.alreadyActive"]);
    await expectNothingWritten(t.db, b.borrower.id, before);
    const page = await run(promiseRoute.loader, getRequest("/account/promise", b.cookie), t.db);
    expect(page.data.activePromise).toEqual({ amountMinor: 10_000, promisedDate: isoIn(1) });
  });

  it("two simultaneous promises: the database's partial unique index lets exactly one through", async () => {
    const b = await signedInBorrower(t.db);
    const outcomes = await Promise.all([
      makePromise(t.db, b.session, { amountMinor: 5_000, promisedDate: isoIn(3) }),
      makePromise(t.db, b.session, { amountMinor: 6_000, promisedDate: isoIn(4) }),
    ]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(["already_active", "created"]);
    expect((await footprint(t.db, b.borrower.id)).promises).toBe(1);
    expect((await bankEvents(t.db, b.borrower.id)).map((e) => e.type)).toEqual(["promise.made"]);
  });

  it("skips the text (but not the record, audit or bank event) for a borrower who opted out of SMS", async () => {
    const b = await signedInBorrower(t.db);
    await optOut(t.db, b.borrower.id);
    const res = await run(
      promiseRoute.action,
      formRequest("/account/promise", b.cookie, { amount: "50", promisedDate: isoIn(0) }),
      t.db,
    );
    expect(res.status).toBe(303);
    expect((await footprint(t.db, b.borrower.id)).promises).toBe(1);
    expect(await queuedTexts(t.db, b.borrower.id)).toEqual([]);
    expect((await bankEvents(t.db, b.borrower.id)).map((e) => e.type)).toEqual(["promise.made"]);
  });

  it.each([
    [
      "script in the amount",
      { amount: "<script>alert(1)</script>", promisedDate: isoIn(1) },
      "amount",
      "actions:errors.amountInvalid",
    ],
    ["negative amount", { amount: "-5", promisedDate: isoIn(1) }, "amount", "actions:errors.amountInvalid"],
    ["zero", { amount: "0.00", promisedDate: isoIn(1) }, "amount", "actions:errors.amountZero"],
    [
      "more than the balance",
      { amount: "5000.01", promisedDate: isoIn(1) },
      "amount",
      "actions:errors.amountOverBalance",
    ],
    [
      "an absurd amount",
      { amount: "99999999999999999999", promisedDate: isoIn(1) },
      "amount",
      "actions:errors.amountInvalid",
    ],
    [
      "10 KB in the amount",
      { amount: TEN_KB, promisedDate: isoIn(1) },
      "amount",
      "actions:errors.amountInvalid",
    ],
    [
      "a date in the past",
      { amount: "10", promisedDate: isoIn(-1) },
      "promisedDate",
      "actions:errors.dateInPast",
    ],
    [
      "a date beyond 14 days",
      { amount: "10", promisedDate: isoIn(15) },
      "promisedDate",
      "actions:errors.dateTooLate",
    ],
    [
      "a date that does not exist",
      { amount: "10", promisedDate: "2030-02-30" },
      "promisedDate",
      "actions:errors.dateInvalid",
    ],
    ["no date", { amount: "10" }, "promisedDate", "actions:errors.dateRequired"],
  ])("rejects %s with a translated field error and writes nothing", async (_name, fields, field, key) => {
    const b = await signedInBorrower(t.db);
    const before = await footprint(t.db, b.borrower.id);
    const res = await run(
      promiseRoute.action,
      formRequest("/account/promise", b.cookie, fields as Record<string, string>),
      t.db,
    );
    expect(res.status).toBe(400);
    expect(fieldErrors(res)[field]).toEqual([key]);
    await expectNothingWritten(t.db, b.borrower.id, before);
  });

  it("accepts exactly the balance and the 14th day", async () => {
    const b = await signedInBorrower(t.db);
    const res = await run(
      promiseRoute.action,
      formRequest("/account/promise", b.cookie, { amount: "5000", promisedDate: isoIn(14) }),
      t.db,
    );
    expect(res.status).toBe(303);
  });
});

describe("resolvePromises", () => {
  // Hong Kong is UTC+8: the promised date 2030-01-10 plus 2 days' grace ends at 2030-01-13 00:00 local = 2030-01-12T16:00Z.
  const created = new Date("2030-01-05T02:00:00Z");
  const justBefore = new Date("2030-01-12T15:59:59Z");
  const deadline = new Date("2030-01-12T16:00:00Z");

  async function promiseWithPayments(
    payments: Array<{ amount: number; at: Date; status?: "succeeded" | "failed" }>,
  ) {
    const borrower = await insertBorrower(t.db, { time_zone: "Asia/Hong_Kong" });
    const account = await insertAccount(t.db, { borrower_id: borrower.id });
    const promise = await insertPromise(t.db, account, {
      amount_minor: 20_000,
      promised_date: "2030-01-10",
      created_at: created,
    });
    for (const p of payments) {
      await insertPayment(t.db, account, {
        amount_minor: p.amount,
        status: p.status ?? "succeeded",
        succeeded_at: p.at,
        created_at: p.at,
      });
    }
    return { borrower, account, promise };
  }

  it("marks a promise kept when payments since it was made cover it, broken otherwise, once date + grace has passed", async () => {
    const kept = await promiseWithPayments([
      { amount: 15_000, at: new Date("2030-01-06T00:00:00Z") },
      { amount: 5_000, at: new Date("2030-01-09T00:00:00Z") },
    ]);
    const partial = await promiseWithPayments([{ amount: 19_999, at: new Date("2030-01-06T00:00:00Z") }]);
    const paidBefore = await promiseWithPayments([{ amount: 50_000, at: new Date("2030-01-04T00:00:00Z") }]);
    const failed = await promiseWithPayments([
      { amount: 20_000, at: new Date("2030-01-06T00:00:00Z"), status: "failed" },
    ]);
    const mine = [kept, partial, paidBefore, failed].map((p) => p.promise.id);

    const early = await resolvePromises(t.db, justBefore);
    expect(early.filter((r) => mine.includes(r.id))).toEqual([]);

    const resolved = (await resolvePromises(t.db, deadline)).filter((r) => mine.includes(r.id));
    const status = Object.fromEntries(resolved.map((r) => [r.id, r.status]));
    expect(status).toEqual({
      [kept.promise.id]: "kept",
      [partial.promise.id]: "broken",
      [paidBefore.promise.id]: "broken",
      [failed.promise.id]: "broken",
    });
    const rows = await t.db
      .selectFrom("promises_to_pay")
      .select(["id", "status", "resolved_at"])
      .where("id", "in", mine)
      .execute();
    for (const row of rows) {
      expect(row.status).toBe(status[row.id]);
      expect(row.resolved_at?.toISOString()).toBe(deadline.toISOString());
    }
    expect((await bankEvents(t.db, kept.borrower.id)).map((e) => e.type)).toEqual(["promise.kept"]);
    expect((await bankEvents(t.db, partial.borrower.id))[0]).toMatchObject({
      type: "promise.broken",
      payload: expect.objectContaining({ paidMinor: 19_999, amountMinor: 20_000 }),
    });
    expect(await auditActions(t.db, kept.borrower.id)).toEqual(["promise.kept"]);
    expect(await auditActions(t.db, failed.borrower.id)).toEqual(["promise.broken"]);

    // Already settled: a second run changes nothing.
    expect(
      (await resolvePromises(t.db, new Date("2030-02-01T00:00:00Z"))).filter((r) => mine.includes(r.id)),
    ).toEqual([]);
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });

  it("works through more promises than one batch", async () => {
    const many = await Promise.all(Array.from({ length: 5 }, () => promiseWithPayments([])));
    const resolved = await resolvePromises(t.db, deadline, { batchSize: 2 });
    const ids = resolved.map((r) => r.id);
    for (const m of many) expect(ids).toContain(m.promise.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("a broken promise no longer blocks a new one", async () => {
    const b = await signedInBorrower(t.db);
    await insertPromise(t.db, b.account, {
      amount_minor: 1_000,
      promised_date: "2020-01-01",
      created_at: new Date("2019-12-20T00:00:00Z"),
    });
    await resolvePromises(t.db);
    const res = await run(
      promiseRoute.action,
      formRequest("/account/promise", b.cookie, { amount: "10", promisedDate: isoIn(2) }),
      t.db,
    );
    expect(res.status).toBe(303);
  });
});
