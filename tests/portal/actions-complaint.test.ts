import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as complaintRoute from "../../app/routes/account.complaint";
import * as doneRoute from "../../app/routes/account.done.$action";
import { fileComplaint } from "../../app/borrower/complaints.server";
import { ACK_PATTERN } from "../../app/domain/complaint-ack";
import { createTestDatabase, type TestDatabase } from "../support/database";
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

describe("complaint", () => {
  it("records it with an acknowledgement number, queues it for a supervisor, audits, tells the bank and texts the number", async () => {
    const b = await signedInBorrower(t.db);
    const text = "You texted me 5 times today.\n<script>alert(1)</script>";
    const res = await run(
      complaintRoute.action,
      formRequest("/account/complaint", b.cookie, { category: "contact_frequency", text }),
      t.db,
    );
    expect(res).toMatchObject({ status: 303, location: "/account/done/complaint" });
    const complaint = await t.db
      .selectFrom("complaints")
      .selectAll()
      .where("borrower_id", "=", b.borrower.id)
      .executeTakeFirstOrThrow();
    expect(complaint).toMatchObject({
      account_id: b.account.id,
      category: "contact_frequency",
      body: text,
      status: "open",
    });
    expect(complaint.ack_number).toMatch(ACK_PATTERN);
    const task = await t.db
      .selectFrom("tasks")
      .selectAll()
      .where("borrower_id", "=", b.borrower.id)
      .executeTakeFirstOrThrow();
    expect(task).toMatchObject({
      kind: "complaint",
      status: "open",
      source_type: "complaint",
      source_id: complaint.id,
    });
    expect(await auditActions(t.db, b.borrower.id)).toEqual(["complaint.filed"]);
    expect(await bankEvents(t.db, b.borrower.id)).toEqual([
      expect.objectContaining({
        type: "complaint.filed",
        payload: expect.objectContaining({ ackNumber: complaint.ack_number, category: "contact_frequency" }),
      }),
    ]);
    const [sms] = await queuedTexts(t.db, b.borrower.id);
    expect(sms?.template_key).toBe("confirmation.complaint_ack");
    expect(sms?.body).toContain(complaint.ack_number);
    // Not a dispute: the account's flag is untouched.
    expect(
      (
        await t.db
          .selectFrom("accounts")
          .select("dispute_at")
          .where("id", "=", b.account.id)
          .executeTakeFirstOrThrow()
      ).dispute_at,
    ).toBeNull();

    const done = await run(doneRoute.loader, getRequest("/account/done/complaint", b.cookie), t.db, {
      action: "complaint",
    });
    expect(done.data).toEqual({
      kind: "complaint",
      ackNumber: complaint.ack_number,
      category: "contact_frequency",
    });
  });

  it("a disputed amount sets the account's dispute flag (the planner suppresses reminders) and cancels queued ones", async () => {
    const b = await signedInBorrower(t.db);
    const reminder = await queuedReminder(t.db, b.account);
    await run(
      complaintRoute.action,
      formRequest("/account/complaint", b.cookie, {
        category: "amount_disputed",
        text: "I paid this in March.",
      }),
      t.db,
    );
    const account = await t.db
      .selectFrom("accounts")
      .select("dispute_at")
      .where("id", "=", b.account.id)
      .executeTakeFirstOrThrow();
    expect(account.dispute_at).not.toBeNull();
    expect(
      (
        await t.db
          .selectFrom("messages")
          .select("status")
          .where("id", "=", reminder.id)
          .executeTakeFirstOrThrow()
      ).status,
    ).toBe("cancelled");
    expect((await queuedTexts(t.db, b.borrower.id)).map((m) => [m.template_key, m.status])).toEqual([
      ["confirmation.complaint_ack", "queued"],
    ]);
  });

  it("draws a new number when the first collides", async () => {
    const a = await signedInBorrower(t.db);
    const b = await signedInBorrower(t.db);
    const now = new Date("2031-06-01T04:00:00Z");
    const zeros = () => new Uint8Array(5);
    const first = await fileComplaint(t.db, a.session, { category: "other", text: "one" }, now, zeros);
    expect(first.ackNumber).toBe("C20310601-00000");
    const draws = [new Uint8Array(5), new Uint8Array([1, 2, 3, 4, 31])];
    const second = await fileComplaint(t.db, b.session, { category: "other", text: "two" }, now, () =>
      draws.shift()!,
    );
    expect(second.ackNumber).toBe("C20310601-1234Z");
    // The failed attempt left nothing behind.
    expect((await footprint(t.db, b.borrower.id)).complaints).toBe(1);
    expect((await footprint(t.db, b.borrower.id)).tasks).toBe(1);
  });

  it("skips the text for a borrower who opted out, and still records everything else", async () => {
    const b = await signedInBorrower(t.db);
    await optOut(t.db, b.borrower.id);
    await run(
      complaintRoute.action,
      formRequest("/account/complaint", b.cookie, { category: "privacy", text: "Who has my data?" }),
      t.db,
    );
    expect(await queuedTexts(t.db, b.borrower.id)).toEqual([]);
    expect((await footprint(t.db, b.borrower.id)).complaints).toBe(1);
    expect((await bankEvents(t.db, b.borrower.id)).map((e) => e.type)).toEqual(["complaint.filed"]);
  });

  it.each([
    ["no category", { text: "x" }, "category", "actions:errors.categoryRequired"],
    ["an unknown category", { category: "refund", text: "x" }, "category", "actions:errors.categoryRequired"],
    ["no text", { category: "other" }, "text", "actions:errors.complaintRequired"],
    ["only spaces", { category: "other", text: "   \n  " }, "text", "actions:errors.complaintRequired"],
    ["10 KB of text", { category: "other", text: TEN_KB }, "text", "actions:errors.textTooLong"],
  ])("rejects %s and writes nothing", async (_name, fields, field, key) => {
    const b = await signedInBorrower(t.db);
    const before = await footprint(t.db, b.borrower.id);
    const res = await run(
      complaintRoute.action,
      formRequest("/account/complaint", b.cookie, fields as Record<string, string>),
      t.db,
    );
    expect(res.status).toBe(400);
    expect(fieldErrors(res)[field]).toEqual([key]);
    await expectNothingWritten(t.db, b.borrower.id, before);
  });
});
