import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as appointmentRoute from "../../app/routes/account.appointment";
import * as doneRoute from "../../app/routes/account.done.$action";
import { formatSlotForSms } from "../../app/domain/appointment-slots";
import { createTestDatabase, type TestDatabase } from "../support/database";
import {
  auditActions,
  bankEvents,
  expectNothingWritten,
  fieldErrors,
  footprint,
  formRequest,
  getRequest,
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

async function slotsFor(cookie: string) {
  const page = await run(appointmentRoute.loader, getRequest("/account/appointment", cookie), t.db);
  return page.data.slots as Array<{ start: string; end: string; localDate: string }>;
}

describe("call back / visit appointment", () => {
  it("offers 10 working days of hourly slots on the borrower's clock", async () => {
    const b = await signedInBorrower(t.db);
    await t.db
      .updateTable("borrowers")
      .set({ time_zone: "Europe/London" })
      .where("id", "=", b.borrower.id)
      .execute();
    const page = await run(appointmentRoute.loader, getRequest("/account/appointment", b.cookie), t.db);
    expect(page.data.timeZone).toBe("Europe/London");
    expect(page.data.slots).toHaveLength(90);
  });

  it("books a call back: task with the slot and note, audit, bank event, text with the slot in the borrower's language", async () => {
    const b = await signedInBorrower(t.db);
    await t.db.updateTable("borrowers").set({ locale: "zh-HK" }).where("id", "=", b.borrower.id).execute();
    const slot = (await slotsFor(b.cookie))[12]!;
    const res = await run(
      appointmentRoute.action,
      formRequest("/account/appointment", b.cookie, {
        kind: "callback",
        slot: slot.start,
        note: "  Please call after lunch <b>thanks</b> ",
      }),
      t.db,
    );
    expect(res).toMatchObject({ status: 303, location: "/account/done/appointment" });
    const task = await t.db
      .selectFrom("tasks")
      .selectAll()
      .where("borrower_id", "=", b.borrower.id)
      .executeTakeFirstOrThrow();
    expect(task).toMatchObject({
      kind: "callback",
      account_id: b.account.id,
      status: "open",
      source_type: "appointment_request",
      borrower_note: "Please call after lunch <b>thanks</b>",
    });
    expect(task.slot_start?.toISOString()).toBe(slot.start);
    expect(task.slot_end!.getTime() - task.slot_start!.getTime()).toBe(3_600_000);
    expect(await auditActions(t.db, b.borrower.id)).toEqual(["appointment.requested"]);
    expect(await bankEvents(t.db, b.borrower.id)).toEqual([
      expect.objectContaining({
        type: "appointment.requested",
        payload: expect.objectContaining({ kind: "callback", slotStart: slot.start }),
      }),
    ]);
    const [text] = await queuedTexts(t.db, b.borrower.id);
    expect(text?.template_key).toBe("confirmation.callback_booked");
    expect(text?.body).toContain(formatSlotForSms(slot, "Asia/Hong_Kong", "zh-HK"));
    expect(text?.body).toMatch(/\d+月\d+日 \d\d:00-\d\d:00/);

    const done = await run(doneRoute.loader, getRequest("/account/done/appointment", b.cookie), t.db, {
      action: "appointment",
    });
    expect(done.data).toMatchObject({
      kind: "appointment",
      appointmentKind: "callback",
      start: slot.start,
      timeZone: "Asia/Hong_Kong",
    });
  });

  it("a branch visit is a visit task; a double submit of the same slot is one task and one text", async () => {
    const b = await signedInBorrower(t.db);
    const slot = (await slotsFor(b.cookie))[0]!;
    for (let i = 0; i < 2; i++) {
      const res = await run(
        appointmentRoute.action,
        formRequest("/account/appointment", b.cookie, { kind: "visit", slot: slot.start, note: "   " }),
        t.db,
      );
      expect(res.status).toBe(303);
    }
    const tasks = await t.db
      .selectFrom("tasks")
      .select(["kind", "borrower_note"])
      .where("borrower_id", "=", b.borrower.id)
      .execute();
    expect(tasks).toEqual([{ kind: "visit", borrower_note: null }]);
    expect(await queuedTexts(t.db, b.borrower.id)).toHaveLength(1);
    expect(await bankEvents(t.db, b.borrower.id)).toHaveLength(1);
  });

  it.each([
    ["no kind", (s: string) => ({ slot: s }), "kind", "actions:errors.kindRequired"],
    [
      "an unknown kind",
      (s: string) => ({ kind: "visit<script>", slot: s }),
      "kind",
      "actions:errors.kindRequired",
    ],
    ["no slot", () => ({ kind: "callback" }), "slot", "actions:errors.slotRequired"],
    [
      "a time we do not offer",
      () => ({ kind: "callback", slot: "2030-01-05T03:00:00.000Z" }),
      "slot",
      "actions:errors.slotUnavailable",
    ],
    [
      "a slot in the past",
      () => ({ kind: "callback", slot: new Date(Date.now() - 3_600_000).toISOString() }),
      "slot",
      "actions:errors.slotUnavailable",
    ],
    [
      "a 501-character note",
      (s: string) => ({ kind: "callback", slot: s, note: "n".repeat(501) }),
      "note",
      "actions:errors.textTooLong",
    ],
    [
      "10 KB of note",
      (s: string) => ({ kind: "callback", slot: s, note: TEN_KB }),
      "note",
      "actions:errors.textTooLong",
    ],
  ])("rejects %s and writes nothing", async (_name, fields, field, key) => {
    const b = await signedInBorrower(t.db);
    const slot = (await slotsFor(b.cookie))[5]!;
    const before = await footprint(t.db, b.borrower.id);
    const res = await run(
      appointmentRoute.action,
      formRequest("/account/appointment", b.cookie, fields(slot.start) as Record<string, string>),
      t.db,
    );
    expect(res.status).toBe(400);
    expect(fieldErrors(res)[field]).toEqual([key]);
    await expectNothingWritten(t.db, b.borrower.id, before);
  });
});
