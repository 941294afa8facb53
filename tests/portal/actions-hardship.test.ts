import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as hardshipRoute from "../../app/routes/account.hardship";
import * as doneRoute from "../../app/routes/account.done.$action";
import { reportHardship } from "../../app/borrower/hardship.server";
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
const input = {
  reason: "illness" as const,
  details: "",
  monthlyIncomeMinor: null,
  monthlyExpensesMinor: null,
  wantsPause: true,
  wantsLowerPayments: false,
};

describe("hardship", () => {
  it("records the report as given, pauses reminders 30 days, opens a review task, audits, tells the bank and texts", async () => {
    const b = await signedInBorrower(t.db);
    const reminder = await queuedReminder(t.db, b.account);
    const details = "  Lost my job <script>alert('x')</script> & need time\n  ";
    const started = Date.now();
    const res = await run(
      hardshipRoute.action,
      formRequest("/account/hardship", b.cookie, {
        reason: "job_loss",
        details,
        monthlyIncome: "12,000",
        monthlyExpenses: "9500.5",
        help: ["pause", "lower_payments"],
      }),
      t.db,
    );
    expect(res.status).toBe(303);
    expect(res.location).toBe("/account/done/hardship");

    const report = await t.db
      .selectFrom("hardship_reports")
      .selectAll()
      .where("borrower_id", "=", b.borrower.id)
      .executeTakeFirstOrThrow();
    expect(report).toMatchObject({
      account_id: b.account.id,
      reason: "job_loss",
      details: details.trim(),
      monthly_income_minor: 1_200_000,
      monthly_expenses_minor: 950_050,
      currency: "HKD",
      wants_pause: true,
      wants_lower_payments: true,
      status: "open",
    });
    const pauseMs = report.pause_until!.getTime() - report.created_at.getTime();
    expect(pauseMs).toBe(30 * DAY);
    expect(report.created_at.getTime()).toBeGreaterThanOrEqual(started - 1000);

    const tasks = await t.db
      .selectFrom("tasks")
      .selectAll()
      .where("borrower_id", "=", b.borrower.id)
      .execute();
    expect(tasks).toEqual([
      expect.objectContaining({
        kind: "hardship_review",
        status: "open",
        source_type: "hardship_report",
        source_id: report.id,
        account_id: b.account.id,
      }),
    ]);
    expect(await auditActions(t.db, b.borrower.id)).toEqual(["hardship.reported"]);
    const audit = await t.db
      .selectFrom("audit_events")
      .select("detail")
      .where("borrower_id", "=", b.borrower.id)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(audit.detail)).not.toContain("Lost my job"); // free text stays out of the append-only log
    expect(await bankEvents(t.db, b.borrower.id)).toEqual([
      expect.objectContaining({
        type: "hardship.reported",
        payload: expect.objectContaining({
          reason: "job_loss",
          pauseGranted: true,
          monthlyIncomeMinor: 1_200_000,
        }),
      }),
    ]);
    expect((await queuedTexts(t.db, b.borrower.id)).map((m) => m.template_key)).toEqual([
      "confirmation.hardship_received",
    ]);
    expect(
      (
        await t.db
          .selectFrom("messages")
          .select("status")
          .where("id", "=", reminder.id)
          .executeTakeFirstOrThrow()
      ).status,
    ).toBe("cancelled");

    const done = await run(doneRoute.loader, getRequest("/account/done/hardship", b.cookie), t.db, {
      action: "hardship",
    });
    expect(done.data).toMatchObject({ kind: "hardship", pauseGranted: true });
    expect(done.data.pausedUntil).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it("pauses at most once per 180 days: a later report is recorded and reviewed but does not extend the pause", async () => {
    const b = await signedInBorrower(t.db);
    const t0 = new Date("2031-03-01T02:00:00Z");
    const first = await reportHardship(t.db, b.session, input, t0);
    expect(first).toMatchObject({ pauseGranted: true, pausedUntil: new Date(t0.getTime() + 30 * DAY) });

    // Inside the first pause: recorded, not extended; reminders are still paused, so the text is true and goes out.
    const second = await reportHardship(t.db, b.session, input, new Date(t0.getTime() + 10 * DAY));
    expect(second).toMatchObject({ pauseGranted: false, pausedUntil: new Date(t0.getTime() + 30 * DAY) });
    expect(second.sms?.status).toBe("queued");

    // After the pause but inside 180 days: no new pause, and no text claiming one.
    const third = await reportHardship(t.db, b.session, input, new Date(t0.getTime() + 100 * DAY));
    expect(third).toMatchObject({ pauseGranted: false, pausedUntil: null, sms: null });

    // 180 days after the pause started: a new pause.
    const fourth = await reportHardship(t.db, b.session, input, new Date(t0.getTime() + 180 * DAY));
    expect(fourth.pauseGranted).toBe(true);

    const reports = await t.db
      .selectFrom("hardship_reports")
      .select(["pause_until"])
      .where("borrower_id", "=", b.borrower.id)
      .orderBy("created_at")
      .execute();
    expect(reports.map((r) => r.pause_until !== null)).toEqual([true, false, false, true]);
    const tasks = await t.db
      .selectFrom("tasks")
      .select("kind")
      .where("borrower_id", "=", b.borrower.id)
      .execute();
    expect(tasks.map((k) => k.kind)).toEqual([
      "hardship_review",
      "hardship_review",
      "hardship_review",
      "hardship_review",
    ]);
    expect(
      (await bankEvents(t.db, b.borrower.id)).map(
        (e) => (e.payload as { pauseGranted: boolean }).pauseGranted,
      ),
    ).toEqual([true, false, false, true]);
  });

  it("the confirmation page says when a report did not pause reminders again", async () => {
    const b = await signedInBorrower(t.db);
    await reportHardship(t.db, b.session, input, new Date(Date.now() - 60 * DAY));
    const res = await run(
      hardshipRoute.action,
      formRequest("/account/hardship", b.cookie, { reason: "other" }),
      t.db,
    );
    expect(res.status).toBe(303);
    const done = await run(doneRoute.loader, getRequest("/account/done/hardship", b.cookie), t.db, {
      action: "hardship",
    });
    expect(done.data).toEqual({ kind: "hardship", pauseGranted: false, pausedUntil: null });
  });

  it("simultaneous reports cannot both start a pause", async () => {
    const b = await signedInBorrower(t.db);
    const outcomes = await Promise.all([1, 2, 3].map(() => reportHardship(t.db, b.session, input)));
    expect(outcomes.filter((o) => o.pauseGranted)).toHaveLength(1);
  });

  it.each([
    ["no reason", { details: "help" }, "reason", "actions:errors.reasonRequired"],
    ["an unknown reason", { reason: "<script>" }, "reason", "actions:errors.reasonRequired"],
    ["10 KB of text", { reason: "other", details: TEN_KB }, "details", "actions:errors.textTooLong"],
    [
      "2001 characters",
      { reason: "other", details: "a".repeat(2001) },
      "details",
      "actions:errors.textTooLong",
    ],
    ["a NUL character", { reason: "other", details: "a\u0000b" }, "details", "actions:errors.textInvalid"],
    [
      "negative income",
      { reason: "other", monthlyIncome: "-100" },
      "monthlyIncome",
      "actions:errors.amountInvalid",
    ],
    [
      "an oversized expense",
      { reason: "other", monthlyExpenses: "9999999999.99" },
      "monthlyExpenses",
      "actions:errors.amountTooLarge",
    ],
    [
      "an unknown kind of help",
      { reason: "other", help: ["pause", "forgive"] },
      "help[1]",
      "actions:errors.choiceInvalid",
    ],
  ])("rejects %s and writes nothing", async (_name, fields, field, key) => {
    const b = await signedInBorrower(t.db);
    const before = await footprint(t.db, b.borrower.id);
    const res = await run(
      hardshipRoute.action,
      formRequest("/account/hardship", b.cookie, fields as Record<string, string>),
      t.db,
    );
    expect(res.status).toBe(400);
    expect(fieldErrors(res)[field]).toEqual([key]);
    await expectNothingWritten(t.db, b.borrower.id, before);
  });

  it("accepts exactly 2000 characters", async () => {
    const b = await signedInBorrower(t.db);
    const res = await run(
      hardshipRoute.action,
      formRequest("/account/hardship", b.cookie, { reason: "other", details: "字".repeat(2000) }),
      t.db,
    );
    expect(res.status).toBe(303);
  });
});
