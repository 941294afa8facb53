import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as preferencesRoute from "../../app/routes/account.preferences";
import * as doneRoute from "../../app/routes/account.done.$action";
import { optInToSms } from "../../app/engine/feedback.server";
import { createTestDatabase, type TestDatabase } from "../support/database";
import {
  auditActions,
  bankEvents,
  expectNothingWritten,
  fieldErrors,
  footprint,
  formRequest,
  getRequest,
  queuedReminder,
  queuedTexts,
  run,
  signedInBorrower,
} from "./action-helpers";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.destroy();
});

const save = (fields: Record<string, string | string[]>) => ({ intent: "save", ...fields });
const prefsOf = (borrowerId: string) =>
  t.db.selectFrom("contact_preferences").selectAll().where("borrower_id", "=", borrowerId).executeTakeFirst();

describe("contact preferences", () => {
  it("saves channels, window, language and weekly maximum; confirms in the new language; sets the locale cookie", async () => {
    const b = await signedInBorrower(t.db);
    const res = await run(
      preferencesRoute.action,
      formRequest(
        "/account/preferences",
        b.cookie,
        save({
          channels: ["sms", "phone"],
          windowStart: "09:30",
          windowEnd: "17:00",
          language: "zh-CN",
          maxPerWeek: "3",
        }),
      ),
      t.db,
    );
    expect(res.status).toBe(303);
    expect(res.location).toBe("/account/done/preferences");
    expect(res.headers.get("Set-Cookie")).toMatch(/^settle_lng=/);

    expect(await prefsOf(b.borrower.id)).toMatchObject({
      sms_allowed: true,
      email_allowed: false,
      phone_allowed: true,
      window_start: "09:30:00",
      window_end: "17:00:00",
      preferred_locale: "zh-CN",
      max_per_week: 3,
      sms_opted_out_at: null,
    });
    expect(await auditActions(t.db, b.borrower.id)).toEqual(["preferences.changed"]);
    const [event] = await bankEvents(t.db, b.borrower.id);
    expect(event).toMatchObject({
      type: "preferences.changed",
      payload: expect.objectContaining({
        changed: ["emailAllowed", "windowStart", "windowEnd", "language", "maxPerWeek"],
      }),
    });
    const texts = await queuedTexts(t.db, b.borrower.id);
    expect(texts).toEqual([
      expect.objectContaining({ template_key: "confirmation.preferences_updated", locale: "zh-CN" }),
    ]);

    const done = await run(doneRoute.loader, getRequest("/account/done/preferences", b.cookie), t.db, {
      action: "preferences",
    });
    expect(done.data).toMatchObject({
      kind: "preferences",
      windowStart: "09:30",
      windowEnd: "17:00",
      language: "zh-CN",
      maxPerWeek: 3,
      emailAllowed: false,
    });
  });

  it("turning SMS off cancels queued reminders and sends no text; saving the same again writes nothing", async () => {
    const b = await signedInBorrower(t.db);
    const reminder = await queuedReminder(t.db, b.account);
    const fields = save({ channels: ["email"], language: "en" });
    expect(
      (await run(preferencesRoute.action, formRequest("/account/preferences", b.cookie, fields), t.db))
        .status,
    ).toBe(303);
    expect(await prefsOf(b.borrower.id)).toMatchObject({
      sms_allowed: false,
      email_allowed: true,
      phone_allowed: false,
      sms_opted_out_at: null,
    });
    expect(
      (
        await t.db
          .selectFrom("messages")
          .select("status")
          .where("id", "=", reminder.id)
          .executeTakeFirstOrThrow()
      ).status,
    ).toBe("cancelled");
    expect(await queuedTexts(t.db, b.borrower.id)).toEqual([]);

    const before = await footprint(t.db, b.borrower.id);
    expect(
      (await run(preferencesRoute.action, formRequest("/account/preferences", b.cookie, fields), t.db))
        .status,
    ).toBe(303);
    await expectNothingWritten(t.db, b.borrower.id, before);
  });

  it.each([
    ["only a start time", { windowStart: "09:00" }, "windowEnd", "actions:errors.windowBoth"],
    ["only an end time", { windowEnd: "12:00" }, "windowStart", "actions:errors.windowBoth"],
    [
      "a start before 08:00",
      { windowStart: "07:30", windowEnd: "12:00" },
      "windowStart",
      "actions:errors.windowRange",
    ],
    [
      "an end after 21:00",
      { windowStart: "09:00", windowEnd: "21:30" },
      "windowEnd",
      "actions:errors.windowRange",
    ],
    [
      "an end before the start",
      { windowStart: "18:00", windowEnd: "09:00" },
      "windowEnd",
      "actions:errors.windowOrder",
    ],
    [
      "a malformed time",
      { windowStart: "9am", windowEnd: "12:00" },
      "windowStart",
      "actions:errors.timeInvalid",
    ],
    ["22 a week", { maxPerWeek: "22" }, "maxPerWeek", "actions:errors.maxPerWeekInvalid"],
    ["0 a week", { maxPerWeek: "0" }, "maxPerWeek", "actions:errors.maxPerWeekInvalid"],
    ["an unknown language", { language: "fr" }, "language", "actions:errors.languageRequired"],
    ["an unknown channel", { channels: ["sms", "<script>"] }, "channels[1]", "actions:errors.choiceInvalid"],
  ])("rejects %s and writes nothing", async (_name, fields, field, key) => {
    const b = await signedInBorrower(t.db);
    const before = await footprint(t.db, b.borrower.id);
    const res = await run(
      preferencesRoute.action,
      formRequest("/account/preferences", b.cookie, save({ language: "en", channels: ["sms"], ...fields })),
      t.db,
    );
    expect(res.status).toBe(400);
    expect(fieldErrors(res)[field]).toEqual([key]);
    expect(res.headers.get("Set-Cookie")).toBeNull();
    await expectNothingWritten(t.db, b.borrower.id, before);
  });
});

describe("stop texts and start again from the portal", () => {
  it("stop: opts out (shared optOutOfSms), cancels queued texts, tells the bank, sends nothing", async () => {
    const b = await signedInBorrower(t.db);
    const reminder = await queuedReminder(t.db, b.account);
    const res = await run(
      preferencesRoute.action,
      formRequest("/account/preferences", b.cookie, { intent: "stop_texts" }),
      t.db,
    );
    expect(res).toMatchObject({ status: 303, location: "/account/done/texts-stopped" });
    const prefs = await prefsOf(b.borrower.id);
    expect(prefs?.sms_allowed).toBe(false);
    expect(prefs?.sms_opted_out_at).not.toBeNull();
    expect(
      (
        await t.db
          .selectFrom("messages")
          .select("status")
          .where("id", "=", reminder.id)
          .executeTakeFirstOrThrow()
      ).status,
    ).toBe("cancelled");
    expect(await auditActions(t.db, b.borrower.id)).toEqual(["preferences.sms_opted_out"]);
    expect((await bankEvents(t.db, b.borrower.id)).map((e) => e.type)).toEqual(["sms.opted_out"]);
    expect(await queuedTexts(t.db, b.borrower.id)).toEqual([]);
    const done = await run(doneRoute.loader, getRequest("/account/done/texts-stopped", b.cookie), t.db, {
      action: "texts-stopped",
    });
    expect(done.data).toEqual({ kind: "texts", smsOptedOut: true });

    // Stopping twice records nothing new.
    const before = await footprint(t.db, b.borrower.id);
    await run(
      preferencesRoute.action,
      formRequest("/account/preferences", b.cookie, { intent: "stop_texts" }),
      t.db,
    );
    await expectNothingWritten(t.db, b.borrower.id, before);

    // While opted out, ticking SMS in the preferences form cannot switch texts back on.
    await run(
      preferencesRoute.action,
      formRequest("/account/preferences", b.cookie, save({ channels: ["sms", "email"], language: "zh-HK" })),
      t.db,
    );
    expect(await prefsOf(b.borrower.id)).toMatchObject({ sms_allowed: false, preferred_locale: "zh-HK" });
    expect((await prefsOf(b.borrower.id))?.sms_opted_out_at).not.toBeNull();
    expect(await queuedTexts(t.db, b.borrower.id)).toEqual([]);
  });

  it("start again: clears the opt-out, audits, tells the bank and sends one confirmation", async () => {
    const b = await signedInBorrower(t.db);
    await run(
      preferencesRoute.action,
      formRequest("/account/preferences", b.cookie, { intent: "stop_texts" }),
      t.db,
    );
    const res = await run(
      preferencesRoute.action,
      formRequest("/account/preferences", b.cookie, { intent: "start_texts" }),
      t.db,
    );
    expect(res).toMatchObject({ status: 303, location: "/account/done/texts-resumed" });
    expect(await prefsOf(b.borrower.id)).toMatchObject({ sms_allowed: true, sms_opted_out_at: null });
    expect(await auditActions(t.db, b.borrower.id)).toEqual([
      "preferences.sms_opted_out",
      "preferences.sms_opted_in",
    ]);
    expect((await bankEvents(t.db, b.borrower.id)).map((e) => e.type)).toEqual([
      "sms.opted_out",
      "sms.opted_in",
    ]);
    expect((await queuedTexts(t.db, b.borrower.id)).map((m) => m.template_key)).toEqual([
      "confirmation.opted_in",
    ]);
    const done = await run(doneRoute.loader, getRequest("/account/done/texts-resumed", b.cookie), t.db, {
      action: "texts-resumed",
    });
    expect(done.data).toEqual({ kind: "texts", smsOptedOut: false });
  });

  it("optInToSms does nothing for a borrower who never opted out", async () => {
    const b = await signedInBorrower(t.db);
    const before = await footprint(t.db, b.borrower.id);
    const result = await t.db
      .transaction()
      .execute((trx) =>
        optInToSms(trx, { borrowerId: b.borrower.id, source: { actor: "borrower", via: "sms_keyword" } }),
      );
    expect(result).toEqual({ changed: false });
    await expectNothingWritten(t.db, b.borrower.id, before);
  });
});

describe("visits (docs/product-rules.md §4.19)", () => {
  it("a borrower refuses visits from the form, and allows them again by unticking; the form shows the choice", async () => {
    const b = await signedInBorrower(t.db);
    const post = (fields: Record<string, string | string[]>) =>
      run(preferencesRoute.action, formRequest("/account/preferences", b.cookie, save(fields)), t.db);
    expect((await post({ channels: ["sms"], language: "en", noVisits: "on" })).status).toBe(303);
    expect(await prefsOf(b.borrower.id)).toMatchObject({ visit_allowed: false, sms_allowed: true });
    const page = await run(preferencesRoute.loader, getRequest("/account/preferences", b.cookie), t.db);
    expect(page.data).toMatchObject({ visitAllowed: false });
    const [event] = await bankEvents(t.db, b.borrower.id);
    expect(event).toMatchObject({
      payload: expect.objectContaining({ changed: expect.arrayContaining(["visitAllowed"]) }),
    });
    expect((await post({ channels: ["sms"], language: "en" })).status).toBe(303);
    expect(await prefsOf(b.borrower.id)).toMatchObject({ visit_allowed: true });
  });

  it("refuses anything but the tick, writing nothing", async () => {
    const b = await signedInBorrower(t.db);
    const before = await footprint(t.db, b.borrower.id);
    const res = await run(
      preferencesRoute.action,
      formRequest("/account/preferences", b.cookie, save({ language: "en", noVisits: "maybe" })),
      t.db,
    );
    expect(res.status).toBe(400);
    expect(fieldErrors(res)).toMatchObject({ noVisits: ["actions:errors.choiceInvalid"] });
    await expectNothingWritten(t.db, b.borrower.id, before);
  });
});
