import { randomBytes } from "node:crypto";
import twilio from "twilio";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as preferencesRoute from "../../app/routes/account.preferences";
import * as landingRoute from "../../app/routes/r.$code";
import * as bulk from "../../app/routes/api.v1.accounts.bulk";
import { action as twilioWebhook } from "../../app/routes/webhooks.twilio.$kind";
import {
  action as staffBorrowerAction,
  loader as staffBorrowerLoader,
} from "../../app/routes/staff.borrowers.$borrowerId";
import type { TimelineEntry } from "../../app/staff/timeline";
import { textVersion } from "../../app/i18n/text-version.server";
import { apiRequest, callRoute, createTestApiKey } from "../support/api";
import { insertAccount, insertBorrower } from "../support/builders";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { borrowerWithLink } from "../support/links";
import { syntheticRecord } from "../support/synthetic-import";
import { formRequest, run, signedInBorrower } from "../portal/action-helpers";
import { enrolledStaff, get, outcome, signedInCookie, staffContext } from "../staff/support";

/**
 * The consent ledger (issue #19 item 4, docs/product-rules.md §10.11): every path that changes a
 * borrower's consent, driven as it runs in production, writes its row in the same transaction: what,
 * how, by whom and under which wording. The ledger refuses to be rewritten.
 */
const AUTH_TOKEN = "test-auth-token-0123456789abcdef";
let t: TestDatabase;
let agentCookie: string;
let agentId: string;
beforeAll(async () => {
  process.env.SMS_PROVIDER = "twilio";
  process.env.TWILIO_ACCOUNT_SID = `AC${"a".repeat(32)}`;
  process.env.TWILIO_AUTH_TOKEN = AUTH_TOKEN;
  process.env.TWILIO_FROM = "#SettleBank";
  process.env.PUBLIC_BASE_URL = "https://pay.example.test";
  t = await createTestDatabase();
  const { user } = await enrolledStaff(t.db, "agent");
  agentId = user.id;
  agentCookie = await signedInCookie(t.db, user);
});
afterAll(async () => {
  await t.destroy();
});

const ledger = (borrowerId: string) =>
  t.db
    .selectFrom("consent_events")
    .select(["channel", "action", "method", "text_version", "actor_type", "actor_id", "detail"])
    .where("borrower_id", "=", borrowerId)
    .orderBy("id")
    .execute();

let phoneSeq = 0;
const freshPhone = () =>
  `+8526${String(process.pid % 1000).padStart(3, "0")}${String(++phoneSeq).padStart(4, "0")}`;

async function textUs(from: string, body: string) {
  const params = { MessageSid: `SM${randomBytes(16).toString("hex")}`, From: from, Body: body };
  const signature = twilio.getExpectedTwilioSignature(
    AUTH_TOKEN,
    "https://pay.example.test/webhooks/twilio/inbound",
    params,
  );
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
}

function staffAct(borrowerId: string, form: Record<string, string | string[]>) {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) for (const one of [v].flat()) body.append(k, one);
  const request = new Request(`http://portal.test/staff/borrowers/${borrowerId}`, {
    method: "POST",
    body,
    headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: agentCookie },
  });
  return outcome(() => staffBorrowerAction({ request, params: { borrowerId }, context: staffContext(t.db) }));
}

describe("the consent ledger", () => {
  it("portal: unticking email and calls withdraws each, stop and start texts withdraw and grant SMS, under the page's wording", async () => {
    const b = await signedInBorrower(t.db);
    const prefs = await run(
      preferencesRoute.action,
      formRequest("/account/preferences", b.cookie, { intent: "save", channels: ["sms"], language: "en" }),
      t.db,
    );
    expect(prefs.status).toBe(303);
    await run(
      preferencesRoute.action,
      formRequest("/account/preferences", b.cookie, { intent: "stop_texts" }),
      t.db,
    );
    await run(
      preferencesRoute.action,
      formRequest("/account/preferences", b.cookie, { intent: "start_texts" }),
      t.db,
    );
    const rows = await ledger(b.borrower.id);
    expect(rows.map((r) => [r.channel, r.action, r.method])).toEqual([
      ["email", "withdrawn", "portal"],
      ["call", "withdrawn", "portal"],
      ["sms", "withdrawn", "portal"],
      ["sms", "granted", "portal"],
    ]);
    expect(rows[0]!.text_version).toBe(textVersion("actions:preferences", "en"));
    expect(rows[2]!.text_version).toBe(textVersion("actions:texts", "en"));
    expect(rows[2]!.text_version).toMatch(/^actions:texts@[0-9a-f]{12}$/);
    expect(rows.every((r) => r.actor_type === "borrower" && r.actor_id === b.borrower.id)).toBe(true);
  });

  it("the wording's version follows the borrower's language, so a change of wording is a new version", () => {
    expect(textVersion("actions:texts", "zh-HK")).not.toBe(textVersion("actions:texts", "en"));
    expect(textVersion("actions:texts", "en")).toBe(textVersion("actions:texts", "en"));
  });

  it("the link's landing: 'stop texts' withdraws SMS; 'not me' withdraws SMS and calls for that account", async () => {
    const stop = await borrowerWithLink(t.db);
    const code = stop.link.code.split("/").pop()!;
    const res = await run(
      landingRoute.action,
      formRequest(`/r/${code}`, null, { intent: "stop_texts" }),
      t.db,
      { code },
    );
    expect(res.status).toBe(303);
    expect(await ledger(stop.borrower.id)).toEqual([
      expect.objectContaining({
        channel: "sms",
        action: "withdrawn",
        method: "link",
        text_version: textVersion("portal:landing.stopTextsHint", "en"),
      }),
    ]);

    const notMe = await borrowerWithLink(t.db);
    const notMeCode = notMe.link.code.split("/").pop()!;
    await run(landingRoute.action, formRequest(`/r/${notMeCode}`, null, { intent: "not_me" }), t.db, {
      code: notMeCode,
    });
    const rows = await ledger(notMe.borrower.id);
    expect(rows.map((r) => [r.channel, r.action, r.method])).toEqual([
      ["sms", "withdrawn", "link"],
      ["call", "withdrawn", "link"],
    ]);
    expect(rows[0]!.detail).toMatchObject({ reason: "wrong_number", accountId: notMe.account.id });
  });

  it("inbound STOP and START through the provider's webhook withdraw and grant SMS by keyword", async () => {
    const borrower = await insertBorrower(t.db, { phone_e164: freshPhone(), locale: "en" });
    await insertAccount(t.db, { borrower_id: borrower.id });
    await textUs(borrower.phone_e164, "STOP");
    await textUs(borrower.phone_e164, "START");
    const rows = await ledger(borrower.id);
    expect(rows.map((r) => [r.channel, r.action, r.method, r.text_version])).toEqual([
      ["sms", "withdrawn", "sms_keyword", textVersion("sms:confirmation.opted_out", "en")],
      ["sms", "granted", "sms_keyword", textVersion("sms:confirmation.opted_in", "en")],
    ]);
    expect(rows[0]!.detail).toMatchObject({ via: "sms_keyword:STOP" });
  });

  it("staff on the phone: an opt-out heard on a call and channels changed for the borrower name the staff member", async () => {
    const { borrower, account } = await borrowerWithLink(t.db);
    expect((await staffAct(borrower.id, { intent: "record_opt_out", accountId: account.id })).status).toBe(
      303,
    );
    const res = await staffAct(borrower.id, {
      intent: "update_preferences",
      accountId: account.id,
      channels: ["phone"],
      language: "zh-HK",
    });
    expect(res.status).toBe(303);
    const rows = await ledger(borrower.id);
    expect(rows.map((r) => [r.channel, r.action, r.method, r.actor_type, r.actor_id])).toEqual([
      ["sms", "withdrawn", "staff", "staff", agentId],
      ["email", "withdrawn", "staff", "staff", agentId],
    ]);
    expect(rows[0]!.text_version).toBe(textVersion("staff:act.optOutHint", "en"));

    // The borrower page's timeline shows the ledger, newest first.
    const page = await outcome(() =>
      staffBorrowerLoader({
        request: get(`/staff/borrowers/${borrower.id}`, agentCookie),
        params: { borrowerId: borrower.id },
        context: staffContext(t.db),
      }),
    );
    const timeline = (page.data as { timeline: TimelineEntry[] }).timeline.filter(
      (e) => e.kind === "consent",
    );
    expect(timeline.map((e) => e.kind === "consent" && [e.channel, e.action, e.method, e.byStaff])).toEqual([
      ["email", "withdrawn", "staff", true],
      ["sms", "withdrawn", "staff", true],
    ]);
  });

  it("bank import: a borrower the bank gives a number that said STOP starts with an SMS withdrawal in the ledger", async () => {
    const phone = freshPhone();
    await textUs(phone, "STOP");
    const key = (await createTestApiKey(t.db, ["accounts:write"])).key;
    const record = {
      ...syntheticRecord(1, { prefix: `CL${randomBytes(3).toString("hex")}` }),
      phone,
      dpd: 10,
    };
    const res = await callRoute(
      bulk.action,
      t.db,
      apiRequest("/api/v1/accounts/bulk", { key, json: [record] }),
    );
    expect(res.status).toBeLessThan(300);
    const { borrower_id } = await t.db
      .selectFrom("accounts")
      .select("borrower_id")
      .where("external_ref", "=", String(record.account_ref))
      .executeTakeFirstOrThrow();
    expect(await ledger(borrower_id)).toEqual([
      expect.objectContaining({ channel: "sms", action: "withdrawn", method: "bank", text_version: null }),
    ]);
  });

  it("is append-only: an entry can be neither changed nor deleted", async () => {
    const b = await signedInBorrower(t.db);
    await run(
      preferencesRoute.action,
      formRequest("/account/preferences", b.cookie, { intent: "stop_texts" }),
      t.db,
    );
    await expect(
      t.db
        .updateTable("consent_events")
        .set({ action: "granted" })
        .where("borrower_id", "=", b.borrower.id)
        .execute(),
    ).rejects.toThrow(/append-only/);
    await expect(
      t.db.deleteFrom("consent_events").where("borrower_id", "=", b.borrower.id).execute(),
    ).rejects.toThrow(/append-only/);
  });
});
