import twilio from "twilio";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dispatchSms } from "../../app/engine/dispatcher.server";
import { handleInboundSms } from "../../app/engine/inbound.server";
import { outboxProvider } from "../../app/messaging/providers/outbox.server";
import { ProviderError, type SmsProvider } from "../../app/messaging/providers/provider";
import { classifyTwilioError } from "../../app/messaging/providers/twilio.server";
import { queueSms, queueSmsBatch } from "../../app/messaging/outbound-sms.server";
import { action } from "../../app/routes/webhooks.twilio.$kind";
import { insertAccount, insertBorrower } from "../support/builders";
import { createTestDatabase, type TestDatabase } from "../support/database";

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

async function queuedConfirmation(borrowerId: string, accountId: string) {
  const r = await t.db.transaction().execute((trx) =>
    queueSms(trx, {
      borrowerId,
      accountId,
      templateKey: "confirmation.preferences_updated",
      purpose: "confirmation",
    }),
  );
  if (r.status !== "queued") throw new Error("not queued");
  return r.messageId;
}

describe("queueing with a recipient the caller already read (the planner's page)", () => {
  it("renders and addresses the text from it, and refuses on its consent, without reading the borrower again", async () => {
    const account = await insertAccount(t.db, { last4: "1357" });
    const recipient = {
      fullName: "Chan Tai Man",
      phoneE164: "+85291234567",
      locale: "en" as const,
      smsRefused: false,
      account: { last4: "1357", wrongNumber: false },
    };
    const input = {
      borrowerId: account.borrower_id,
      accountId: account.id,
      templateKey: "confirmation.preferences_updated" as const,
      purpose: "confirmation" as const,
    };
    const [queued, refused, wrongNumber] = await t.db.transaction().execute((trx) =>
      queueSmsBatch(trx, [
        { ...input, recipient },
        { ...input, recipient: { ...recipient, smsRefused: true } },
        { ...input, recipient: { ...recipient, account: { last4: "1357", wrongNumber: true } } },
      ]),
    );
    expect(refused).toEqual({ status: "skipped", reason: "sms_opted_out" });
    expect(wrongNumber).toEqual({ status: "skipped", reason: "wrong_number" });
    if (queued?.status !== "queued") throw new Error("not queued");
    const row = await t.db
      .selectFrom("messages")
      .select(["to_address", "locale", "body"])
      .where("id", "=", queued.messageId)
      .executeTakeFirstOrThrow();
    // The builder's borrower has another phone number: the text goes where the caller's read said.
    expect(row).toMatchObject({ to_address: "+85291234567", locale: "en" });
  });

  it("an unknown borrower or someone else's account still aborts when the recipient is read here", async () => {
    const account = await insertAccount(t.db);
    const other = await insertAccount(t.db);
    const input = {
      templateKey: "confirmation.preferences_updated" as const,
      purpose: "confirmation" as const,
    };
    await expect(
      t.db
        .transaction()
        .execute((trx) =>
          queueSmsBatch(trx, [{ ...input, borrowerId: other.borrower_id, accountId: account.id }]),
        ),
    ).rejects.toThrow(/not found for borrower/);
    await expect(
      t.db
        .transaction()
        .execute((trx) =>
          queueSmsBatch(trx, [
            { ...input, borrowerId: "00000000-0000-4000-8000-000000000000", accountId: null },
          ]),
        ),
    ).rejects.toThrow(/borrower .* not found/);
  });
});

describe("inbound keywords", () => {
  it("STOP opts out with exactly one confirmation; retries and repeats add nothing; START opts back in", async () => {
    const b = await insertBorrower(t.db, { phone_e164: "+85290001111" });
    const stop = await handleInboundSms(t.db, {
      from: "+852 9000 1111",
      body: " stop ",
      provider: "twilio",
      providerMessageId: `SM${"1".repeat(32)}`,
    });
    expect(stop).toMatchObject({ kind: "opt_out", borrowers: 1, replies: 1, reviews: 0 });
    const prefs = await t.db
      .selectFrom("contact_preferences")
      .selectAll()
      .where("borrower_id", "=", b.id)
      .executeTakeFirstOrThrow();
    expect(prefs.sms_opted_out_at).not.toBeNull();
    // The same webhook delivered again, and a second STOP: no second confirmation.
    expect(
      (
        await handleInboundSms(t.db, {
          from: "+85290001111",
          body: "STOP",
          provider: "twilio",
          providerMessageId: `SM${"1".repeat(32)}`,
        })
      ).replies,
    ).toBe(0);
    expect(
      (
        await handleInboundSms(t.db, {
          from: "+85290001111",
          body: "退訂",
          provider: "twilio",
          providerMessageId: `SM${"2".repeat(32)}`,
        })
      ).replies,
    ).toBe(0);
    const replies = await t.db
      .selectFrom("messages")
      .select(["template_key", "status"])
      .where("borrower_id", "=", b.id)
      .where("direction", "=", "outbound")
      .execute();
    expect(replies).toEqual([{ template_key: "confirmation.opted_out", status: "queued" }]);
    // The opt-out confirmation is still delivered although the borrower is now opted out (CTIA).
    const confirmation = await t.db
      .selectFrom("messages")
      .select("id")
      .where("borrower_id", "=", b.id)
      .where("direction", "=", "outbound")
      .executeTakeFirstOrThrow();
    expect((await dispatchSms(t.db, outboxProvider, confirmation.id)).status).toBe("delivered");

    const start = await handleInboundSms(t.db, {
      from: "+85290001111",
      body: "START",
      provider: "twilio",
      providerMessageId: `SM${"3".repeat(32)}`,
    });
    expect(start).toMatchObject({ kind: "opt_in", borrowers: 1, replies: 1, reviews: 0 });
    const after = await t.db
      .selectFrom("contact_preferences")
      .selectAll()
      .where("borrower_id", "=", b.id)
      .executeTakeFirstOrThrow();
    expect(after.sms_opted_out_at).toBeNull();
    expect(after.sms_allowed).toBe(true);
  });

  it("HELP answers with bank and hotline; other text is only stored", async () => {
    const b = await insertBorrower(t.db, { phone_e164: "+85290002222" });
    expect(
      (
        await handleInboundSms(t.db, {
          from: "+85290002222",
          body: "help",
          provider: "outbox",
          providerMessageId: null,
        })
      ).replies,
    ).toBe(1);
    expect(
      (
        await handleInboundSms(t.db, {
          from: "+85290002222",
          body: "I will pay on Friday",
          provider: "outbox",
          providerMessageId: null,
        })
      ).replies,
    ).toBe(0);
    const help = await t.db
      .selectFrom("messages")
      .select("body")
      .where("borrower_id", "=", b.id)
      .where("template_key", "=", "confirmation.help")
      .executeTakeFirstOrThrow();
    expect(help.body).toContain("Settle Bank");
    expect(help.body).toContain("2233 8000");
  });
});

describe("dispatcher against a failing provider", () => {
  const failing = (kind: ProviderError["kind"]): SmsProvider => ({
    name: "twilio",
    send: async () => {
      throw new ProviderError("boom", kind);
    },
  });

  it("a retryable failure puts the message back in the queue and asks for a retry; a later attempt sends once", async () => {
    const account = await insertAccount(t.db);
    const id = await queuedConfirmation(account.borrower_id, account.id);
    await expect(dispatchSms(t.db, failing("retryable"), id)).rejects.toThrow("boom");
    expect(
      (await t.db.selectFrom("messages").select("status").where("id", "=", id).executeTakeFirstOrThrow())
        .status,
    ).toBe("queued");
    let calls = 0;
    const ok: SmsProvider = {
      name: "twilio",
      send: async () => ({ providerMessageId: `SM${String(++calls).padStart(32, "0")}`, status: "sent" }),
    };
    expect((await dispatchSms(t.db, ok, id)).status).toBe("sent");
    expect((await dispatchSms(t.db, ok, id)).status).toBe("skipped");
    expect(calls).toBe(1);
  });

  it("an ambiguous failure (timeout) is never re-sent", async () => {
    const account = await insertAccount(t.db);
    const id = await queuedConfirmation(account.borrower_id, account.id);
    expect(await dispatchSms(t.db, failing("ambiguous"), id)).toEqual({
      status: "failed",
      reason: "ambiguous",
    });
    expect((await dispatchSms(t.db, outboxProvider, id)).status).toBe("skipped");
  });

  it("a message left 'sending' by a crashed worker is parked as in doubt, not sent again", async () => {
    const account = await insertAccount(t.db);
    const id = await queuedConfirmation(account.borrower_id, account.id);
    await t.db.updateTable("messages").set({ status: "sending" }).where("id", "=", id).execute();
    expect(await dispatchSms(t.db, outboxProvider, id)).toEqual({
      status: "failed",
      reason: "in_doubt_after_interrupted_send",
    });
  });

  it("classifies Twilio errors", () => {
    expect(classifyTwilioError({ status: 500, message: "x" }).kind).toBe("retryable");
    expect(classifyTwilioError({ status: 429, message: "x" }).kind).toBe("retryable");
    expect(classifyTwilioError({ status: 400, code: 21211, message: "invalid To" }).kind).toBe("permanent");
    expect(classifyTwilioError({ code: "ECONNREFUSED" }).kind).toBe("retryable");
    expect(classifyTwilioError({ code: "ETIMEDOUT" }).kind).toBe("ambiguous");
  });
});

describe("Twilio webhooks", () => {
  const call = (kind: string, params: Record<string, string>, signature?: string) => {
    const url = `https://pay.example.test/webhooks/twilio/${kind}`;
    const sig = signature ?? twilio.getExpectedTwilioSignature(AUTH_TOKEN, url, params);
    const request = new Request(`http://internal/webhooks/twilio/${kind}`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": sig },
      body: new URLSearchParams(params).toString(),
    });
    return action({
      request,
      params: { kind },
      context: { db: t.db, cspNonce: "x", publicBaseUrl: "https://pay.example.test" },
    });
  };

  it("applies signed delivery receipts in order-independent fashion and rejects forged ones", async () => {
    const account = await insertAccount(t.db);
    const id = await queuedConfirmation(account.borrower_id, account.id);
    const sid = `SM${"b".repeat(32)}`;
    await dispatchSms(
      t.db,
      { name: "twilio", send: async () => ({ providerMessageId: sid, status: "sent" }) },
      id,
    );
    expect((await call("status", { MessageSid: sid, MessageStatus: "delivered" })).status).toBe(204);
    expect((await call("status", { MessageSid: sid, MessageStatus: "sent" })).status).toBe(204); // late, older status
    expect(
      (await t.db.selectFrom("messages").select("status").where("id", "=", id).executeTakeFirstOrThrow())
        .status,
    ).toBe("delivered");
    const forged = await call("status", { MessageSid: sid, MessageStatus: "failed" }, "bm90LWEtc2lnbmF0dXJl");
    expect(forged.status).toBe(403);
    expect(
      (await t.db.selectFrom("messages").select("status").where("id", "=", id).executeTakeFirstOrThrow())
        .status,
    ).toBe("delivered");
  });

  it("a malformed but signed keyword webhook gets 400 and changes nothing", async () => {
    const before = await t.db.selectFrom("messages").select("id").execute();
    const res = await call("inbound", { MessageSid: "nope", From: "12345", Body: "STOP" });
    expect(res.status).toBe(400);
    expect(await t.db.selectFrom("messages").select("id").execute()).toHaveLength(before.length);
  });

  it("a signed STOP through the webhook opts out and answers with TwiML", async () => {
    const b = await insertBorrower(t.db, { phone_e164: "+85290003333" });
    const res = await call("inbound", {
      MessageSid: `SM${"c".repeat(32)}`,
      From: "+85290003333",
      Body: "TD",
    });
    expect(res.status).toBe(200);
    // A known number's confirmation is queued as a text; the webhook's own answer is empty.
    expect(await res.text()).toMatch(/<Response\/>|<Response><\/Response>/);
    const prefs = await t.db
      .selectFrom("contact_preferences")
      .selectAll()
      .where("borrower_id", "=", b.id)
      .executeTakeFirstOrThrow();
    expect(prefs.sms_opted_out_at).not.toBeNull();
  });
});
