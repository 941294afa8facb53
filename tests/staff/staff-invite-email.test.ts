import { Logger } from "graphile-worker";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { action as usersAction } from "../../app/routes/staff.users";
import { action as inviteAction, loader as inviteLoader } from "../../app/routes/staff_.invite";
import { inviteStaff } from "../../app/staff/staff-invites.server";
import { sendStaffInviteEmail } from "../../app/staff/staff-invite-email.server";
import { createTaskList } from "../../app/worker/tasks.server";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { startSmtpServer } from "../support/smtp-server";
import { drainJobs as drainQueue } from "../support/worker";
import { enrolledStaff, outcome, post, signedInCookie, staffContext } from "./support";

/**
 * Staff invitations by email (docs/product-rules.md §8.17): the invitation queues a `staff:invite-email`
 * job, the worker sends the set-up link through the real SMTP test server (the one the reminder emails use),
 * in the language chosen, retried when the server refuses, never logging the link; the link works.
 */
let t: TestDatabase;
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;

beforeAll(async () => {
  smtp = await startSmtpServer();
  // Read once by the app's configuration, on first use below.
  process.env.SMTP_URL = smtp.url;
  process.env.EMAIL_FROM = "Settle Bank <staff@bank.test>";
  process.env.PUBLIC_BASE_URL = "https://pay.example.test";
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.destroy();
  await smtp.close();
});

const receivedBy = (address: string) => smtp.received.filter((m) => m.to.includes(address));
const LINK = /https:\/\/pay\.example\.test\/staff\/invite\?token=([A-Za-z0-9_-]{43})/;

/** Runs the worker until the job queue is empty (retries included), with what it logged. */
async function drainJobs(): Promise<string[]> {
  const lines: string[] = [];
  const logger = new Logger(() => (level, message, meta) => {
    lines.push(`${level} ${message} ${JSON.stringify(meta ?? {})}`);
  });
  await drainQueue(t, createTaskList(t.db), logger);
  return lines;
}

const inviteRow = (staffUserId: string) =>
  t.db
    .selectFrom("staff_invites")
    .selectAll()
    .where("staff_user_id", "=", staffUserId)
    .orderBy("created_at", "desc")
    .execute();

describe("staff invitations by email", () => {
  it("an admin's invitation emails the set-up link in the language chosen, and the link works", async () => {
    const { user: admin } = await enrolledStaff(t.db, "admin");
    const cookie = await signedInCookie(t.db, admin);
    const address = "new.agent@bank.test";
    const result = await outcome(() =>
      usersAction({
        request: post(
          "/staff/users",
          { intent: "invite", email: address, name: "陳小明", role: "agent", language: "zh-HK" },
          cookie,
        ),
        params: {},
        context: staffContext(t.db),
      } as never),
    );
    expect(result.status).toBe(200);
    const invited = (result.data as { invited: { url: string; emailing: boolean } }).invited;
    expect(invited.emailing).toBe(true);
    // Queued in the invitation's transaction, retried up to 10 times.
    const jobs = await sql<{ max_attempts: number; payload: unknown }>`
      select j.max_attempts, j.payload from graphile_worker._private_jobs j
        join graphile_worker._private_tasks k on k.id = j.task_id where k.identifier = 'staff:invite-email'`.execute(
      t.db,
    );
    expect(jobs.rows).toHaveLength(1);
    expect(jobs.rows[0]!.max_attempts).toBe(10);
    expect(JSON.stringify(jobs.rows[0]!.payload)).not.toContain(invited.url.split("token=")[1]!);

    await drainJobs();
    const [mail] = receivedBy(address);
    expect(mail).toBeDefined();
    expect(mail!.headers).toMatch(/From: Settle Bank <staff@bank\.test>/);
    expect(mail!.headers).toContain("Content-Language: zh-HK");
    const text = mail!.parts["text/plain"]!;
    expect(text).toContain("陳小明，您好");
    expect(text).toContain("客戶服務員");
    const link = LINK.exec(text)?.[0];
    // The same token the admin was shown (the console's context names its own base URL).
    expect(LINK.exec(text)?.[1]).toBe(invited.url.split("token=")[1]);
    expect(mail!.parts["text/html"]).toContain(`<a href="${link}">`);

    const [row] = await inviteRow(
      (
        await t.db
          .selectFrom("staff_users")
          .select("id")
          .where("email", "=", address)
          .executeTakeFirstOrThrow()
      ).id,
    );
    expect(row!.emailed_at).not.toBeNull();
    expect(row!.token_sealed).toBeNull();

    // The link from the email opens the set-up page, and its button starts the first sign-in.
    const landing = await outcome(() =>
      inviteLoader({ request: new Request(link!), params: {}, context: staffContext(t.db) } as never),
    );
    expect((landing.data as { token: string | null }).token).toBe(LINK.exec(link!)![1]);
    const spent = await outcome(() =>
      inviteAction({
        request: post("/staff/invite", { token: LINK.exec(link!)![1]! }),
        params: {},
        context: staffContext(t.db),
      } as never),
    );
    expect(spent.status).toBe(303);
    expect(spent.location).toBe("/staff/setup");
  });

  it("a refused send is tried again by the worker, and neither the link nor the address reaches a log", async () => {
    const address = "retry.approver@bank.test";
    const invited = await inviteStaff(t.db, {
      actor: { kind: "cli" },
      email: address,
      role: "approver",
      language: "en",
    });
    if (invited.status === "exists") throw new Error("expected a new member");
    smtp.refuseNext(1);
    const lines = await drainJobs();
    expect(lines.some((l) => l.includes("SMTP send failed"))).toBe(true);
    expect(receivedBy(address)).toHaveLength(1);
    expect(receivedBy(address)[0]!.parts["text/plain"]).toContain(invited.token);
    expect(receivedBy(address)[0]!.parts["text/plain"]).toContain("as an approver");
    for (const line of lines) {
      expect(line).not.toContain(invited.token);
      expect(line).not.toContain(address);
    }
  });

  it("only the newest link is emailed when an invitation is sent again before the first email went", async () => {
    const address = "twice.supervisor@bank.test";
    const first = await inviteStaff(t.db, { actor: { kind: "cli" }, email: address, role: "supervisor" });
    const second = await inviteStaff(t.db, { actor: { kind: "cli" }, email: address, role: "supervisor" });
    if (first.status === "exists" || second.status === "exists") throw new Error("expected invitations");
    await drainJobs();
    const mails = receivedBy(address);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.parts["text/plain"]).toContain(second.token);
    const rows = await inviteRow(second.user.id);
    expect(rows.map((r) => r.token_sealed)).toEqual([null, null]);
    expect(rows.filter((r) => r.emailed_at !== null)).toHaveLength(1);
    // Run again by hand: already sent, nothing more goes out.
    expect(await sendStaffInviteEmail(t.db, { inviteId: rows[0]!.id })).toEqual({ status: "already_sent" });
    expect(receivedBy(address)).toHaveLength(1);
  });
});
