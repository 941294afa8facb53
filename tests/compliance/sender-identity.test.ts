import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_CONTACT_POLICY } from "../../app/domain/contact-policy";
import { dispatchSms } from "../../app/engine/dispatcher.server";
import { queueSms } from "../../app/messaging/outbound-sms.server";
import type { OutgoingSms, SmsProvider } from "../../app/messaging/providers/provider";
import { insertAccount, insertBorrower } from "../support/builders";
import { createTestDatabase, type TestDatabase } from "../support/database";

/**
 * Sender identity per jurisdiction (issue #19 item 2), through the real queue and dispatcher: what the
 * provider is asked to send from, for a text that asks for no reply and one that does.
 */
const SENDERS = {
  HK: { oneWay: "#SettleBank", twoWay: "+85230001234" },
  US: { twoWay: "+12025550123" },
};
let t: TestDatabase;
const sent: OutgoingSms[] = [];
const provider: SmsProvider = {
  name: "twilio",
  send: async (sms) => {
    sent.push(sms);
    return { providerMessageId: `SM${sent.length}`, status: "sent" };
  },
};

// A bank's edited confirmation without the opt-out wording (only reminders must carry it, §1.2).
const EDITED = "{{bank}}: {{name}}, your contact preferences have been updated. Questions? Call {{hotline}}.";

beforeAll(async () => {
  process.env.SMS_SENDERS = JSON.stringify(SENDERS);
  t = await createTestDatabase();
  await t.db
    .insertInto("sms_templates")
    .values({
      stage: "preferences_updated",
      locale: "en",
      variant: "A",
      body: EDITED,
      version: 1,
      active: true,
    })
    .execute();
});
afterAll(async () => {
  await t.destroy();
});

/** Queues a confirmation (no reply asked) and a keyword answer (a reply is asked) for a new borrower of `jurisdiction`, sends both. */
async function sendersSeenFor(jurisdiction: "HK" | "US") {
  const borrower = await insertBorrower(t.db, {
    jurisdiction,
    ...(jurisdiction === "US" ? { time_zone: "America/New_York", phone_e164: "+12025550199" } : {}),
  });
  const account = await insertAccount(t.db, { borrower_id: borrower.id });
  const queue = (templateKey: "confirmation.preferences_updated" | "confirmation.help") =>
    t.db.transaction().execute((trx) =>
      queueSms(trx, {
        borrowerId: borrower.id,
        accountId: account.id,
        templateKey,
        purpose: templateKey === "confirmation.help" ? "keyword_reply" : "confirmation",
      }),
    );
  const from: string[] = [];
  const bodies: string[] = [];
  for (const key of ["confirmation.preferences_updated", "confirmation.help"] as const) {
    const queued = await queue(key);
    if (queued.status !== "queued") throw new Error(`not queued: ${queued.reason}`);
    expect((await dispatchSms(t.db, provider, queued.messageId)).status).toBe("sent");
    const sms = sent.find((s) => s.messageId === queued.messageId)!;
    from.push(sms.from ?? "(provider default)");
    bodies.push(sms.body);
  }
  return { from, bodies };
}

describe("who a text comes from", () => {
  it("OFCA sender registration (HK): a text that asks for no reply comes from the registered # ID; one that asks for a reply, from the two-way number", async () => {
    const hk = await sendersSeenFor("HK");
    expect(hk.from).toEqual(["#SettleBank", "+85230001234"]);
    expect(hk.bodies[0]).not.toContain("STOP");
  });

  it("Reg F 1006.6(e) (US): a confirmation the bank wrote without an opt-out notice gets one", async () => {
    const us = await sendersSeenFor("US");
    expect(us.bodies[0]).toMatch(/updated\. Questions\? Call .+\. Reply STOP to opt out$/);
  });

  it("Reg F 1006.6(e) (US): a text that reaches the send without its notice is not sent", async () => {
    const borrower = await insertBorrower(t.db, { jurisdiction: "US", time_zone: "America/New_York" });
    const account = await insertAccount(t.db, { borrower_id: borrower.id });
    const queued = await t.db.transaction().execute((trx) =>
      queueSms(trx, {
        borrowerId: borrower.id,
        accountId: account.id,
        templateKey: "confirmation.preferences_updated",
        purpose: "confirmation",
      }),
    );
    if (queued.status !== "queued") throw new Error("not queued");
    // As if the text had been queued before the borrower's jurisdiction was corrected to US.
    await t.db
      .updateTable("messages")
      .set({ body: sql`replace(body, ' Reply STOP to opt out', '')` })
      .where("id", "=", queued.messageId)
      .execute();
    expect(await dispatchSms(t.db, provider, queued.messageId)).toEqual({
      status: "failed",
      reason: "opt_out_notice_missing",
    });
    expect(sent.some((s) => s.messageId === queued.messageId)).toBe(false);
  });

  it("a market without sender registration never uses a one-way ID: both go from its two-way number", async () => {
    expect((await sendersSeenFor("US")).from).toEqual(["+12025550123", "+12025550123"]);
  });

  it("turning the HK profile's registered sender off in the policy sends HK confirmations from the two-way number", async () => {
    const policy = structuredClone(DEFAULT_CONTACT_POLICY);
    policy.jurisdictions.HK.registeredSenderId = false;
    await t.db
      .insertInto("contact_policies")
      .values({ version: 2, policy: JSON.stringify(policy), active: true })
      .execute();
    expect((await sendersSeenFor("HK")).from).toEqual(["+85230001234", "+85230001234"]);
  });

  it("records the sender on the message's sending event", async () => {
    const events = await t.db
      .selectFrom("message_status_events")
      .select("detail")
      .where("status", "=", "sending")
      .execute();
    expect(events.map((e) => (e.detail as { from?: string }).from)).toContain("#SettleBank");
  });
});
