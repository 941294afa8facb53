import { randomUUID } from "node:crypto";
import type { Runner } from "graphile-worker";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signatureHeader } from "../../app/bank/webhook-signature.server";
import { sendDecidedEmail } from "../../app/engine/email-send.server";
import { unsubscribeToken } from "../../app/messaging/email-unsubscribe.server";
import {
  action as unsubscribeAction,
  loader as unsubscribeLoader,
} from "../../app/routes/email.unsubscribe.$token";
import { action as emailWebhook } from "../../app/routes/webhooks.email";
import { createTaskList } from "../../app/worker/tasks.server";
import type { Locale } from "../../db/schema";
import { insertAccount, insertBorrower } from "../support/builders";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { startSmtpServer } from "../support/smtp-server";
import { startTestWorker } from "../support/worker";

const WEBHOOK_SECRET = "email-webhook-secret-for-tests-0123456789";
let t: TestDatabase;
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;

beforeAll(async () => {
  smtp = await startSmtpServer();
  // Read once by the app's configuration, on first use below.
  process.env.SMTP_URL = smtp.url;
  process.env.EMAIL_FROM = "Settle Bank <reminders@bank.test>";
  process.env.EMAIL_WEBHOOK_SECRET = WEBHOOK_SECRET;
  process.env.PUBLIC_BASE_URL = "https://pay.example.test";
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.destroy();
  await smtp.close();
});

/** A borrower with an address, an overdue account, and the schedule's email decision for it. */
async function emailDecision(opts: { locale?: Locale; email?: string; stage?: string } = {}) {
  const email = opts.email ?? `b-${randomUUID().slice(0, 8)}@example.test`;
  const borrower = await insertBorrower(t.db, {
    locale: opts.locale ?? "en",
    email,
    full_name: opts.locale === "en" || !opts.locale ? "Chris Wong" : "陳大文",
  });
  const account = await insertAccount(t.db, {
    borrower_id: borrower.id,
    last4: "4321",
    overdue_minor: 123_400,
  });
  const decision = await t.db
    .insertInto("contact_decisions")
    .values({
      run_id: randomUUID(),
      account_id: account.id,
      action: "send",
      reason: "stage_due",
      channel: "email",
      template_key: `reminder.${opts.stage ?? "early"}.A`,
      stage: opts.stage ?? "early",
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return { borrower, account, email, payload: { accountId: account.id, decisionId: String(decision.id) } };
}

const receivedBy = (address: string) => smtp.received.filter((m) => m.to.includes(address));

async function emailRow(decisionId: string) {
  return t.db
    .selectFrom("emails")
    .selectAll()
    .where("decision_id", "=", Number(decisionId))
    .executeTakeFirstOrThrow();
}

function signedWebhook(body: string, signature = signatureHeader(WEBHOOK_SECRET, body)) {
  return new Request("https://pay.example.test/webhooks/email", {
    method: "POST",
    headers: { "Content-Type": "application/json", "Settle-Signature": signature },
    body,
  });
}

const routeArgs = (request: Request, token: string) =>
  ({ request, params: { token }, context: { db: t.db } }) as never;

describe("email:send through a real SMTP server", () => {
  it("delivers both parts with the signed link, the amount, the unsubscribe headers, in the borrower's language", async () => {
    const d = await emailDecision();
    expect(await sendDecidedEmail(t.db, d.payload)).toMatchObject({ status: "sent" });
    const [message] = receivedBy(d.email);
    expect(message).toBeDefined();
    const row = await emailRow(d.payload.decisionId);
    expect(row).toMatchObject({ status: "sent", provider: "smtp", to_address: d.email, locale: "en" });
    const token = unsubscribeToken(row.id);
    expect(message!.headers).toContain(
      `List-Unsubscribe: <https://pay.example.test/email/unsubscribe/${token}?lng=en>`,
    );
    expect(message!.headers).toContain("List-Unsubscribe-Post: List-Unsubscribe=One-Click");
    expect(message!.headers).toContain("Content-Language: en");
    expect(message!.headers).toMatch(/From: Settle Bank <reminders@bank\.test>/);
    const text = message!.parts["text/plain"]!;
    const html = message!.parts["text/html"]!;
    expect(text).toMatch(/https:\/\/pay\.example\.test\/r\/[0-9A-Za-z]{16}/);
    expect(text).toContain("HK$1,234.00");
    expect(text).toContain("ending 4321");
    expect(html).toContain('<html lang="en">');
    expect(html).toMatch(/<a href="https:\/\/pay\.example\.test\/r\/[0-9A-Za-z]{16}">/);
    expect(html).toContain(`/email/unsubscribe/${token}?lng=en`);
    // The link opens this borrower's account, bound to it like an SMS link.
    const links = await t.db
      .selectFrom("short_links")
      .select("account_id")
      .where("account_id", "=", d.account.id)
      .execute();
    expect(links).toHaveLength(1);
  });

  it("writes zh-HK for a zh-HK borrower, and escapes the name in the HTML part", async () => {
    const d = await emailDecision({ locale: "zh-HK" });
    await t.db
      .updateTable("borrowers")
      .set({ full_name: "<b>陳</b>" })
      .where("id", "=", d.borrower.id)
      .execute();
    expect(await sendDecidedEmail(t.db, d.payload)).toMatchObject({ status: "sent" });
    const [message] = receivedBy(d.email);
    expect(message!.headers).toContain("Content-Language: zh-HK");
    expect(message!.parts["text/plain"]).toContain("您尾號4321帳戶");
    expect(message!.parts["text/html"]).toContain("&lt;b&gt;陳&lt;/b&gt;您好");
    expect(message!.parts["text/html"]).not.toContain("<b>陳</b>");
  });

  it("run twice by the worker for one decision, sends once", async () => {
    const d = await emailDecision();
    const runner: Runner = await startTestWorker(t.pool, createTaskList(t.db));
    try {
      for (let i = 0; i < 2; i++)
        await sql`select graphile_worker.add_job('email:send', ${JSON.stringify(d.payload)}::json)`.execute(
          t.db,
        );
      await expect
        .poll(async () =>
          Number(
            (await sql<{ n: string }>`select count(*) as n from graphile_worker.jobs`.execute(t.db)).rows[0]!
              .n,
          ),
        )
        .toBe(0);
    } finally {
      await runner.stop();
    }
    expect(receivedBy(d.email)).toHaveLength(1);
    expect(await sendDecidedEmail(t.db, d.payload)).toEqual({ status: "duplicate" });
    expect(receivedBy(d.email)).toHaveLength(1);
  });

  it("sends nothing to a borrower who turned email off, and records why", async () => {
    const d = await emailDecision();
    await t.db
      .insertInto("contact_preferences")
      .values({ borrower_id: d.borrower.id, email_allowed: false })
      .execute();
    expect(await sendDecidedEmail(t.db, d.payload)).toMatchObject({
      status: "skipped",
      reason: "email_not_allowed",
    });
    expect(receivedBy(d.email)).toHaveLength(0);
    expect(await emailRow(d.payload.decisionId)).toMatchObject({ status: "skipped", to_address: null });
  });

  it("refuses a decision for another channel or another account", async () => {
    const d = await emailDecision();
    const other = await insertAccount(t.db);
    expect(await sendDecidedEmail(t.db, { ...d.payload, accountId: other.id })).toEqual({
      status: "unknown_decision",
    });
    await t.db
      .updateTable("contact_decisions")
      .set({ channel: "sms" })
      .where("id", "=", Number(d.payload.decisionId))
      .execute();
    expect(await sendDecidedEmail(t.db, d.payload)).toMatchObject({ reason: "not_an_email_decision" });
    expect(receivedBy(d.email)).toHaveLength(0);
  });
});

describe("unsubscribing", () => {
  async function sentEmail() {
    const d = await emailDecision();
    await sendDecidedEmail(t.db, d.payload);
    const row = await emailRow(d.payload.decisionId);
    return { ...d, token: unsubscribeToken(row.id) };
  }
  const emailAllowed = async (borrowerId: string) =>
    (
      await t.db
        .selectFrom("contact_preferences")
        .select(["email_allowed", "email_opted_out_at"])
        .where("borrower_id", "=", borrowerId)
        .executeTakeFirst()
    )?.email_allowed ?? true;
  const url = (token: string) => `https://pay.example.test/email/unsubscribe/${token}`;

  it("the page confirms, then its form post turns email off and the next email is not sent", async () => {
    const s = await sentEmail();
    const page = (await unsubscribeLoader(routeArgs(new Request(url(s.token)), s.token))) as unknown as {
      data: { state: string };
    };
    expect(page.data.state).toBe("confirm");
    expect(await emailAllowed(s.borrower.id)).toBe(true); // a GET (a link scanner) changes nothing
    const form = new Request(url(s.token), {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "confirm=yes",
    });
    const done = (await unsubscribeAction(routeArgs(form, s.token))) as unknown as {
      data: { state: string };
    };
    expect(done.data.state).toBe("done");
    expect(await emailAllowed(s.borrower.id)).toBe(false);
    const audit = await t.db
      .selectFrom("audit_events")
      .select("detail")
      .where("action", "=", "email.unsubscribed")
      .where("borrower_id", "=", s.borrower.id)
      .execute();
    expect(audit).toHaveLength(1);

    const next = await t.db
      .insertInto("contact_decisions")
      .values({
        run_id: randomUUID(),
        account_id: s.account.id,
        action: "send",
        reason: "stage_due",
        channel: "email",
        stage: "early",
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const again = await sendDecidedEmail(t.db, { accountId: s.account.id, decisionId: String(next.id) });
    expect(again).toMatchObject({ status: "skipped", reason: "email_not_allowed" });
    expect(receivedBy(s.email)).toHaveLength(1);
  });

  it("a mail client's one-click POST (RFC 8058, multipart) opts out", async () => {
    const s = await sentEmail();
    const body = new FormData();
    body.set("List-Unsubscribe", "One-Click");
    const response = (await unsubscribeAction(
      routeArgs(new Request(url(s.token), { method: "POST", body }), s.token),
    )) as Response;
    expect(response.status).toBe(200);
    expect(await emailAllowed(s.borrower.id)).toBe(false);
  });

  it("a forged or altered token gets 404 and changes nothing", async () => {
    const s = await sentEmail();
    const forged = `${s.token.slice(0, 23)}${s.token[23] === "A" ? "B" : "A"}${s.token.slice(24)}`;
    for (const token of [forged, "nonsense", `${s.token}x`]) {
      const oneClick = (await unsubscribeAction(
        routeArgs(new Request(url(token), { method: "POST", body: "List-Unsubscribe=One-Click" }), token),
      )) as Response;
      expect(oneClick.status).toBe(404);
      const page = (await unsubscribeLoader(routeArgs(new Request(url(token)), token))) as unknown as {
        init: { status: number };
      };
      expect(page.init.status).toBe(404);
    }
    expect(await emailAllowed(s.borrower.id)).toBe(true);
  });
});

describe("the bounce and complaint webhook", () => {
  const bounce = (email: string, type = "bounce", bounceType = "hard") =>
    JSON.stringify({
      events: [
        {
          id: `evt_${randomUUID()}`,
          type,
          bounce_type: bounceType,
          email,
          occurred_at: new Date().toISOString(),
        },
      ],
    });

  it("refuses a bad or missing signature with 401 and suppresses nothing", async () => {
    const d = await emailDecision();
    const body = bounce(d.email);
    for (const signature of [
      signatureHeader("another-secret-of-enough-length-000000", body),
      "",
      "t=1,v1=00",
    ]) {
      const response = await emailWebhook(routeArgs(signedWebhook(body, signature), ""));
      expect(response.status).toBe(401);
    }
    expect(
      await t.db.selectFrom("email_suppressions").selectAll().where("address", "=", d.email).execute(),
    ).toEqual([]);
  });

  it("a signed hard bounce suppresses the address (in any case), and the next email is not sent", async () => {
    const d = await emailDecision();
    const response = await emailWebhook(routeArgs(signedWebhook(bounce(` ${d.email.toUpperCase()} `)), ""));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: 1, suppressed: 1 });
    expect(await sendDecidedEmail(t.db, d.payload)).toMatchObject({
      status: "skipped",
      reason: "address_suppressed",
    });
    expect(receivedBy(d.email)).toHaveLength(0);
  });

  it("a complaint suppresses; a soft bounce does not; a malformed body is 400", async () => {
    const soft = await emailDecision();
    await emailWebhook(routeArgs(signedWebhook(bounce(soft.email, "bounce", "soft")), ""));
    expect(await sendDecidedEmail(t.db, soft.payload)).toMatchObject({ status: "sent" });
    const complained = await emailDecision();
    await emailWebhook(routeArgs(signedWebhook(bounce(complained.email, "complaint")), ""));
    expect(await sendDecidedEmail(t.db, complained.payload)).toMatchObject({ reason: "address_suppressed" });
    const bad = await emailWebhook(
      routeArgs(signedWebhook(JSON.stringify({ events: [{ type: "bounce" }] })), ""),
    );
    expect(bad.status).toBe(400);
  });
});
