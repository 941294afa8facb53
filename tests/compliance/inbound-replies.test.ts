import { randomBytes } from "node:crypto";
import twilio from "twilio";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handleInboundSms } from "../../app/engine/inbound.server";
import { decideForAccount } from "../../app/engine/planner.server";
import * as bulk from "../../app/routes/api.v1.accounts.bulk";
import { action as twilioWebhook } from "../../app/routes/webhooks.twilio.$kind";
import { apiRequest, callRoute, createTestApiKey } from "../support/api";
import { insertAccount, insertBorrower } from "../support/builders";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { syntheticRecord } from "../support/synthetic-import";

/**
 * Replies from phones (issue #19 item 3), each rule driven through the webhook, the bank API and the
 * schedule: what a number we do not know is answered, and which replies a person must read.
 */
const AUTH_TOKEN = "test-auth-token-0123456789abcdef";
let t: TestDatabase;
beforeAll(async () => {
  process.env.SMS_PROVIDER = "twilio";
  process.env.TWILIO_ACCOUNT_SID = `AC${"a".repeat(32)}`;
  process.env.TWILIO_AUTH_TOKEN = AUTH_TOKEN;
  process.env.TWILIO_FROM = "#SettleBank";
  process.env.PUBLIC_BASE_URL = "https://pay.example.test";
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.destroy();
});

const sid = () => `SM${randomBytes(16).toString("hex")}`;
let phoneSeq = 0;
const strangerPhone = () =>
  `+8526${String(process.pid % 1000).padStart(3, "0")}${String(++phoneSeq).padStart(4, "0")}`;

async function textUs(from: string, body: string) {
  const params = { MessageSid: sid(), From: from, Body: body };
  const url = "https://pay.example.test/webhooks/twilio/inbound";
  const signature = twilio.getExpectedTwilioSignature(AUTH_TOKEN, url, params);
  const response = await twilioWebhook({
    request: new Request("http://internal/webhooks/twilio/inbound", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature },
      body: new URLSearchParams(params).toString(),
    }),
    params: { kind: "inbound" },
    context: { db: t.db, cspNonce: "x", publicBaseUrl: "https://pay.example.test" },
  });
  expect(response.status).toBe(200);
  return response.text();
}

/** The bank sends a new overdue account whose borrower holds `phone`. */
async function bankSendsBorrowerWith(phone: string) {
  const key = (await createTestApiKey(t.db, ["accounts:write"])).key;
  const record = { ...syntheticRecord(1, { prefix: `IN${randomBytes(3).toString("hex")}` }), phone, dpd: 10 };
  const res = await callRoute(
    bulk.action,
    t.db,
    apiRequest("/api/v1/accounts/bulk", { key, json: [record] }),
  );
  expect(res.status).toBeLessThan(300);
  return t.db
    .selectFrom("accounts")
    .select(["id", "borrower_id"])
    .where("external_ref", "=", String(record.account_ref))
    .executeTakeFirstOrThrow();
}

// 11:00 in Hong Kong on a weekday: inside every window, so only consent decides.
const MORNING = new Date("2026-12-08T03:00:00Z");

describe("a number we do not know", () => {
  it("CTIA Messaging Principles §5.1.2: STOP from an unknown number is answered once, in its language, and the number is never texted", async () => {
    const phone = strangerPhone();
    const twiml = await textUs(phone, "退訂");
    expect(twiml).toContain("<Message>");
    expect(twiml).toContain("START"); // the zh-HK opt-out confirmation tells them how to come back
    expect(
      await t.db.selectFrom("messages").select("id").where("from_address", "=", phone).execute(),
    ).toEqual([]);

    const account = await bankSendsBorrowerWith(phone);
    const decided = await decideForAccount(t.db, account.id, MORNING);
    expect(decided?.decision.action).not.toBe("send");
    const prefs = await t.db
      .selectFrom("contact_preferences")
      .select("sms_opted_out_at")
      .where("borrower_id", "=", account.borrower_id)
      .executeTakeFirstOrThrow();
    expect(prefs.sms_opted_out_at).not.toBeNull();
  });

  it("CTIA Messaging Principles §5.1.1: HELP from an unknown number is answered with the bank and its hotline", async () => {
    const twiml = await textUs(strangerPhone(), "help");
    expect(twiml).toMatch(/<Message>.*2233 8000.*<\/Message>/s);
  });

  it("START from the number lifts its suppression: a borrower given it later may be texted", async () => {
    const phone = strangerPhone();
    await textUs(phone, "STOP");
    await textUs(phone, "START");
    const account = await bankSendsBorrowerWith(phone);
    expect((await decideForAccount(t.db, account.id, MORNING))?.decision.action).toBe("send");
  });

  it("any other text from an unknown number gets no answer and stores nothing about the sender", async () => {
    const phone = strangerPhone();
    const twiml = await textUs(phone, "who is this?");
    expect(twiml).not.toContain("<Message>");
    expect(
      await t.db
        .selectFrom("sms_suppressions")
        .select("phone_e164")
        .where("phone_e164", "=", phone)
        .execute(),
    ).toEqual([]);
  });
});

describe("a reply a person must read", () => {
  it("FCC 24-24 (revocation in any reasonable way): 'please stop texting me' opens a review task", async () => {
    const borrower = await insertBorrower(t.db, { phone_e164: strangerPhone() });
    await insertAccount(t.db, { borrower_id: borrower.id, dpd: 10 });
    const outcome = await handleInboundSms(t.db, {
      from: borrower.phone_e164,
      body: "Please stop texting me",
      provider: "twilio",
      providerMessageId: sid(),
    });
    expect(outcome).toMatchObject({ kind: "other", reviews: 1, replies: 0 });
    const tasks = await t.db
      .selectFrom("tasks")
      .select(["kind", "status", "source_type"])
      .where("borrower_id", "=", borrower.id)
      .execute();
    expect(tasks).toEqual([{ kind: "inbound_review", status: "open", source_type: "message" }]);
  });

  it("a reply that reads like a complaint opens a review task; a retry of it opens no second one", async () => {
    const borrower = await insertBorrower(t.db, { phone_e164: strangerPhone() });
    const providerMessageId = sid();
    for (let i = 0; i < 2; i++)
      await handleInboundSms(t.db, {
        from: borrower.phone_e164,
        body: "我要投訴你們",
        provider: "twilio",
        providerMessageId,
      });
    const tasks = await t.db
      .selectFrom("tasks")
      .select("kind")
      .where("borrower_id", "=", borrower.id)
      .execute();
    expect(tasks).toEqual([{ kind: "inbound_review" }]);
  });

  it("an ordinary reply opens nothing", async () => {
    const borrower = await insertBorrower(t.db, { phone_e164: strangerPhone() });
    const outcome = await handleInboundSms(t.db, {
      from: borrower.phone_e164,
      body: "I paid yesterday, thanks",
      provider: "twilio",
      providerMessageId: sid(),
    });
    expect(outcome.reviews).toBe(0);
  });
});
