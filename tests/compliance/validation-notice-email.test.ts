import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendValidationNoticeEmail } from "../../app/borrower/validation-notice-email.server";
import { unsubscribeFromEmail } from "../../app/engine/email-feedback.server";
import { runSchedule, type DecisionLine } from "../../app/engine/planner.server";
import * as statuses from "../../app/routes/api.v1.statuses";
import { action as borrowerPageAction } from "../../app/routes/staff.borrowers.$borrowerId";
import { createTaskList } from "../../app/worker/tasks.server";
import type { Locale } from "../../db/schema";
import { apiRequest, callRoute, createTestApiKey } from "../support/api";
import { insertAccount, insertBorrower } from "../support/builders";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { startSmtpServer } from "../support/smtp-server";
import { drainJobs as drainQueue } from "../support/worker";
import { enrolledStaff, outcome, post, signedInCookie, staffContext } from "../staff/support";

/**
 * A dispute's validation notice by email (docs/product-rules.md §4.23, Reg F 1006.34): the bank sets a
 * dispute with `validation_notice: "email"` through the API; the `validation-notice:email` job sends the
 * notice's recorded text through the real SMTP test server (the one tests/engine/email.test.ts uses), in
 * the borrower's language, retried when the server refuses, though the dispute pauses every reminder; never
 * to a suppressed address, where the notice stays recorded for the bank to print.
 */
let t: TestDatabase;
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
let key: string;

beforeAll(async () => {
  smtp = await startSmtpServer();
  // Read once by the app's configuration, on first use below.
  process.env.SMTP_URL = smtp.url;
  process.env.EMAIL_FROM = "Settle Bank <notices@bank.test>";
  process.env.PUBLIC_BASE_URL = "https://pay.example.test";
  t = await createTestDatabase();
  key = (await createTestApiKey(t.db, ["accounts:write"])).key;
});
afterAll(async () => {
  await t.destroy();
  await smtp.close();
});

const receivedBy = (address: string) => smtp.received.filter((m) => m.to.includes(address));

/** Runs the worker until the job queue is empty, a failed attempt's retry made due at once. */
const drainJobs = () => drainQueue(t, createTaskList(t.db));

/** A US borrower at D10 (reminded at noon but for the dispute), with an email address unless told. */
async function usBorrower(opts: { locale?: Locale; email?: string | null } = {}) {
  const email = opts.email === undefined ? `d-${randomBytes(4).toString("hex")}@example.test` : opts.email;
  const borrower = await insertBorrower(t.db, {
    jurisdiction: "US",
    locale: opts.locale ?? "en",
    email,
    full_name: opts.locale && opts.locale !== "en" ? "陳大文" : "Chris Wong",
  });
  const account = await insertAccount(t.db, { borrower_id: borrower.id, dpd: 10, last4: "4321" });
  return { borrower, account, email };
}

async function dispute(b: Awaited<ReturnType<typeof usBorrower>>, notice: "email" | "letter" = "email") {
  const res = await callRoute(
    statuses.action,
    t.db,
    apiRequest("/api/v1/statuses", {
      key,
      json: {
        external_ref: `VN${randomBytes(5).toString("hex")}`,
        borrower_ref: b.borrower.external_ref,
        account_ref: b.account.external_ref,
        kind: "dispute",
        reason: "Borrower disputes the amount",
        validation_notice: notice,
      },
    }),
  );
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return t.db
    .selectFrom("validation_notices")
    .selectAll()
    .where("account_id", "=", b.account.id)
    .executeTakeFirstOrThrow();
}

const noticeRow = (id: string) =>
  t.db.selectFrom("validation_notices").selectAll().where("id", "=", id).executeTakeFirstOrThrow();

describe("Reg F 1006.34: a validation notice by email", () => {
  it("sends the notice's recorded text once through SMTP, in the borrower's language, though the dispute pauses reminders", async () => {
    const b = await usBorrower({ locale: "zh-HK" });
    const notice = await dispute(b);
    expect(notice).toMatchObject({ channel: "email", locale: "zh-HK", email_status: "queued" });
    // Queued in the status's transaction, retried up to 10 times; the payload names the notice only.
    const jobs = await sql<{ max_attempts: number; payload: Record<string, unknown> }>`
      select j.max_attempts, j.payload from graphile_worker._private_jobs j join graphile_worker._private_tasks k
        on k.id = j.task_id where k.identifier = 'validation-notice:email'`.execute(t.db);
    expect(jobs.rows.map((j) => [j.max_attempts, j.payload.noticeId])).toEqual([[10, notice.id]]);

    await drainJobs();
    const mails = receivedBy(b.email!);
    expect(mails).toHaveLength(1);
    const mail = mails[0]!;
    expect(mail.headers).toContain("Content-Language: zh-HK");
    expect(mail.headers).toMatch(/From: Settle Bank <notices@bank\.test>/);
    expect(mail.parts["text/plain"]!.startsWith(notice.body)).toBe(true);
    expect(mail.parts["text/plain"]).toContain("您已通知我們，您對您在");
    expect(mail.parts["text/html"]).toContain('<html lang="zh-HK">');
    expect(mail.parts["text/html"]).toContain("尾號4321賬戶爭議的債務核實通知");
    expect(await noticeRow(notice.id)).toMatchObject({
      email_status: "sent",
      email_provider: "smtp",
      email_reason: null,
      body: notice.body,
    });
    expect((await noticeRow(notice.id)).emailed_at).toBeInstanceOf(Date);

    // The schedule still contacts the borrower about the debt on no channel while the dispute lasts.
    const lines: DecisionLine[] = [];
    await runSchedule(t.db, { onDecision: (l) => lines.push(l) });
    expect(lines.find((l) => l.account === b.account.external_ref)).toMatchObject({
      action: "suppress",
      reason: "dispute",
    });
    // Run again, the job does nothing: one email.
    expect(await sendValidationNoticeEmail(t.db, { noticeId: notice.id })).toEqual({
      status: "already_done",
    });
    expect(receivedBy(b.email!)).toHaveLength(1);
    const audit = await t.db
      .selectFrom("audit_events")
      .select(["action", "detail"])
      .where("subject_id", "=", notice.id)
      .execute();
    expect(audit).toEqual([{ action: "status.validation_notice_emailed", detail: { provider: "smtp" } }]);
    expect(JSON.stringify(audit)).not.toContain(b.email!);

    // Its opt-out (Reg F 1006.6(e)) works like a reminder's: email turns off for the borrower.
    const token = /\/email\/unsubscribe\/([A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{22})\?lng=zh-HK/.exec(
      mail.headers,
    )?.[1];
    expect(token).toBeDefined();
    expect(await unsubscribeFromEmail(t.db, token!, { via: "one_click" })).toEqual({
      status: "unsubscribed",
      locale: "zh-HK",
    });
  });

  it("never to a suppressed address: the notice stays recorded for the bank to print", async () => {
    const b = await usBorrower();
    await t.db
      .insertInto("email_suppressions")
      .values({ address: b.email!.toLowerCase(), reason: "hard_bounce", suppressed_at: new Date() })
      .execute();
    const notice = await dispute(b);
    await drainJobs();
    expect(receivedBy(b.email!)).toHaveLength(0);
    expect(await noticeRow(notice.id)).toMatchObject({
      email_status: "skipped",
      email_reason: "address_suppressed",
      emailed_at: null,
      body: notice.body,
    });
    // Without an address it is skipped the same way; a letter is never emailed.
    const none = await usBorrower({ email: null });
    const skipped = await dispute(none);
    await drainJobs();
    expect(await noticeRow(skipped.id)).toMatchObject({
      email_status: "skipped",
      email_reason: "no_email_address",
    });
    const letter = await usBorrower();
    expect(await dispute(letter, "letter")).toMatchObject({ channel: "letter", email_status: null });
    await drainJobs();
    expect(receivedBy(letter.email!)).toHaveLength(0);
  });

  it("skipped, and left for the bank to print, for a borrower who turned email off or where no email is set up", async () => {
    const off = await usBorrower();
    await t.db
      .insertInto("contact_preferences")
      .values({ borrower_id: off.borrower.id, email_allowed: false })
      .execute();
    const offNotice = await dispute(off);
    const unset = await usBorrower();
    const unsetNotice = await dispute(unset);
    await sql`delete from graphile_worker._private_jobs`.execute(t.db); // run by hand below
    expect(await sendValidationNoticeEmail(t.db, { noticeId: offNotice.id })).toEqual({
      status: "skipped",
      reason: "email_not_allowed",
    });
    expect(await sendValidationNoticeEmail(t.db, { noticeId: unsetNotice.id }, { transport: null })).toEqual({
      status: "skipped",
      reason: "email_not_configured",
    });
    expect(receivedBy(off.email!).length + receivedBy(unset.email!).length).toBe(0);
    const audit = await t.db
      .selectFrom("audit_events")
      .select(["action", "detail"])
      .where("subject_id", "in", [offNotice.id, unsetNotice.id])
      .orderBy("id")
      .execute();
    expect(audit).toEqual([
      {
        action: "status.validation_notice_not_emailed",
        detail: { status: "skipped", reason: "email_not_allowed" },
      },
      {
        action: "status.validation_notice_not_emailed",
        detail: { status: "skipped", reason: "email_not_configured" },
      },
    ]);
  });

  it("a refused send is tried again by the worker and goes once; the last attempt records the failure", async () => {
    const b = await usBorrower();
    smtp.refuseNext(2);
    const notice = await dispute(b);
    await drainJobs();
    expect(receivedBy(b.email!)).toHaveLength(1);
    expect(await noticeRow(notice.id)).toMatchObject({ email_status: "sent" });

    const last = await usBorrower();
    const failing = await dispute(last);
    await sql`delete from graphile_worker._private_jobs`.execute(t.db); // this attempt is run by hand
    smtp.refuseNext(1);
    expect(await sendValidationNoticeEmail(t.db, { noticeId: failing.id }, { finalAttempt: true })).toEqual({
      status: "failed",
    });
    expect(receivedBy(last.email!)).toHaveLength(0);
    expect(await noticeRow(failing.id)).toMatchObject({ email_status: "failed", email_reason: "smtp_error" });
  });

  it("an agent's dispute from the console with a notice by email is emailed too; by letter it is not", async () => {
    const { user } = await enrolledStaff(t.db, "agent");
    const cookie = await signedInCookie(t.db, user);
    const setDispute = (b: Awaited<ReturnType<typeof usBorrower>>, validationNotice: string) =>
      outcome(() =>
        borrowerPageAction({
          request: post(
            `/staff/borrowers/${b.borrower.id}`,
            {
              intent: "set_status",
              kind: "dispute",
              accountId: b.account.id,
              reason: "Call",
              validationNotice,
            },
            cookie,
          ),
          params: { borrowerId: b.borrower.id },
          context: staffContext(t.db),
        }),
      );
    const byEmail = await usBorrower();
    const byLetter = await usBorrower();
    expect((await setDispute(byEmail, "fax")).status).toBe(400);
    expect((await setDispute(byEmail, "email")).status).toBe(303);
    expect((await setDispute(byLetter, "letter")).status).toBe(303);
    await drainJobs();
    expect(receivedBy(byEmail.email!)).toHaveLength(1);
    expect(receivedBy(byLetter.email!)).toHaveLength(0);
    const notices = await t.db
      .selectFrom("validation_notices")
      .select(["account_id", "channel", "email_status"])
      .where("account_id", "in", [byEmail.account.id, byLetter.account.id])
      .execute();
    expect(notices).toEqual(
      expect.arrayContaining([
        { account_id: byEmail.account.id, channel: "email", email_status: "sent" },
        { account_id: byLetter.account.id, channel: "letter", email_status: null },
      ]),
    );
  });
});
