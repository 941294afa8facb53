import { randomBytes } from "node:crypto";
import twilio from "twilio";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handleInboundSms } from "../../app/engine/inbound.server";
import * as complaintRoute from "../../app/routes/account.complaint";
import * as hardshipRoute from "../../app/routes/account.hardship";
import { action as twilioWebhook } from "../../app/routes/webhooks.twilio.$kind";
import { loadCase } from "../../app/staff/case-views.server";
import { moveCase } from "../../app/staff/cases.server";
import type { StaffUser } from "../../db/schema";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { formRequest, run, signedInBorrower } from "../portal/action-helpers";
import { enrolledStaff } from "./support";

/**
 * A borrower's reply moves a case out of `awaiting_borrower` (docs/product-rules.md §8.13, "Replies"),
 * driven through the real entry points: the Twilio inbound webhook and the portal's complaint and
 * hardship actions. The move is a system event on the case's history without the borrower's words,
 * audited as the system, and written in the reply's own transaction.
 */
const AUTH_TOKEN = "test-auth-token-0123456789abcdef";
let t: TestDatabase;
let ann: StaffUser;
beforeAll(async () => {
  process.env.SMS_PROVIDER = "twilio";
  process.env.TWILIO_ACCOUNT_SID = `AC${"a".repeat(32)}`;
  process.env.TWILIO_AUTH_TOKEN = AUTH_TOKEN;
  process.env.TWILIO_FROM = "#SettleBank";
  process.env.PUBLIC_BASE_URL = "https://pay.example.test";
  t = await createTestDatabase();
  ({ user: ann } = await enrolledStaff(t.db, "agent", { display_name: "Ann Agent" }));
});
afterAll(async () => {
  await t.destroy();
});

const me = (u: StaffUser) => ({ id: u.id, email: u.email, displayName: u.display_name, role: u.role });

async function textUs(from: string, body: string) {
  const params = { MessageSid: `SM${randomBytes(16).toString("hex")}`, From: from, Body: body };
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
}

/** A signed-in borrower with a case of `type` that staff took up and then asked them for more. */
async function awaitingCase(type: "complaint" | "hardship") {
  const b = await signedInBorrower(t.db);
  const res =
    type === "complaint"
      ? await run(
          complaintRoute.action,
          formRequest("/account/complaint", b.cookie, { category: "conduct", text: "The caller was rude." }),
          t.db,
        )
      : await run(
          hardshipRoute.action,
          formRequest("/account/hardship", b.cookie, { reason: "illness", details: "In hospital." }),
          t.db,
        );
  expect(res.status).toBe(303);
  const table = type === "complaint" ? "complaints" : "hardship_reports";
  const { id } = await t.db
    .selectFrom(table)
    .select("id")
    .where("borrower_id", "=", b.borrower.id)
    .executeTakeFirstOrThrow();
  for (const action of ["acknowledge", "await_borrower"] as const)
    expect(await moveCase(t.db, { staff: me(ann), caseId: id, action })).toEqual({ status: "ok" });
  return { ...b, caseId: id, table };
}

async function statusOf(table: "complaints" | "hardship_reports", id: string) {
  const row = await t.db.selectFrom(table).select("status").where("id", "=", id).executeTakeFirstOrThrow();
  return row.status;
}

async function replyEvents(caseId: string) {
  return t.db
    .selectFrom("case_events")
    .select(["kind", "staff_user_id", "from_status", "to_status", "body", "reply_via", "reply_ref"])
    .where("case_id", "=", caseId)
    .where("kind", "=", "borrower_reply")
    .execute();
}

async function systemAudits(caseId: string) {
  return t.db
    .selectFrom("audit_events")
    .select(["actor_type", "actor_id", "detail"])
    .where("subject_id", "=", caseId)
    .where("action", "=", "case.borrower_replied")
    .execute();
}

describe("a text from the borrower", () => {
  it("moves their waiting complaint back to in progress, with a system event naming the message and no words", async () => {
    const c = await awaitingCase("complaint");
    const words = "I sent the statement by post yesterday";
    await textUs(c.borrower.phone_e164, words);
    expect(await statusOf("complaints", c.caseId)).toBe("in_progress");
    const message = await t.db
      .selectFrom("messages")
      .select("id")
      .where("borrower_id", "=", c.borrower.id)
      .where("direction", "=", "inbound")
      .executeTakeFirstOrThrow();
    expect(await replyEvents(c.caseId)).toEqual([
      {
        kind: "borrower_reply",
        staff_user_id: null,
        from_status: "awaiting_borrower",
        to_status: "in_progress",
        body: null,
        reply_via: "sms",
        reply_ref: message.id,
      },
    ]);
    const audits = await systemAudits(c.caseId);
    expect(audits).toEqual([expect.objectContaining({ actor_type: "system", actor_id: null })]);
    expect(JSON.stringify(audits)).not.toContain("statement");
    // The case page shows it, written by the system.
    const page = await loadCase(t.db, c.caseId);
    expect(page?.events.at(-1)).toMatchObject({ kind: "borrower_reply", staffName: null, replyVia: "sms" });
    // Staff can ask again, and the next reply moves it again.
    await moveCase(t.db, { staff: me(ann), caseId: c.caseId, action: "await_borrower" });
    await textUs(c.borrower.phone_e164, "Did you get it?");
    expect(await statusOf("complaints", c.caseId)).toBe("in_progress");
    expect(await replyEvents(c.caseId)).toHaveLength(2);
  });

  it("moves a waiting hardship case too, but a keyword such as HELP is no answer", async () => {
    const c = await awaitingCase("hardship");
    await textUs(c.borrower.phone_e164, "HELP");
    expect(await statusOf("hardship_reports", c.caseId)).toBe("awaiting_borrower");
    await textUs(c.borrower.phone_e164, "My discharge letter is attached to the email");
    expect(await statusOf("hardship_reports", c.caseId)).toBe("in_progress");
    expect(await replyEvents(c.caseId)).toEqual([expect.objectContaining({ reply_via: "sms" })]);
  });

  it("leaves a case staff are still working on where it is", async () => {
    const b = await signedInBorrower(t.db);
    await run(
      complaintRoute.action,
      formRequest("/account/complaint", b.cookie, { category: "conduct", text: "Rude caller." }),
      t.db,
    );
    const { id } = await t.db
      .selectFrom("complaints")
      .select("id")
      .where("borrower_id", "=", b.borrower.id)
      .executeTakeFirstOrThrow();
    await moveCase(t.db, { staff: me(ann), caseId: id, action: "acknowledge" });
    await textUs(b.borrower.phone_e164, "Any news?");
    expect(await statusOf("complaints", id)).toBe("in_progress");
    expect(await replyEvents(id)).toEqual([]);
  });

  it("is one transaction with the stored reply: when the reply's write fails, the case still waits", async () => {
    const c = await awaitingCase("complaint");
    const failing = handleInboundSms(
      t.db,
      { from: c.borrower.phone_e164, body: "Here it is", provider: "twilio", providerMessageId: "SMfail" },
      {
        within: async () => {
          throw new Error("the reply's transaction fails");
        },
      },
    );
    await expect(failing).rejects.toThrow("the reply's transaction fails");
    expect(await statusOf("complaints", c.caseId)).toBe("awaiting_borrower");
    expect(await replyEvents(c.caseId)).toEqual([]);
    expect(await systemAudits(c.caseId)).toEqual([]);
  });
});

describe("a new portal submission on the same subject", () => {
  it("a further complaint about the account answers the complaint waiting for the borrower", async () => {
    const c = await awaitingCase("complaint");
    const res = await run(
      complaintRoute.action,
      formRequest("/account/complaint", c.cookie, {
        category: "other",
        text: "Following up on my complaint.",
      }),
      t.db,
    );
    expect(res.status).toBe(303);
    expect(await statusOf("complaints", c.caseId)).toBe("in_progress");
    const further = await t.db
      .selectFrom("complaints")
      .select(["id", "status"])
      .where("borrower_id", "=", c.borrower.id)
      .where("id", "!=", c.caseId)
      .executeTakeFirstOrThrow();
    expect(further.status).toBe("open");
    expect(await replyEvents(c.caseId)).toEqual([
      expect.objectContaining({ reply_via: "complaint", reply_ref: further.id, body: null }),
    ]);
    expect(await systemAudits(c.caseId)).toHaveLength(1);
  });

  it("a new hardship report answers the hardship case waiting, and not a waiting complaint", async () => {
    const h = await awaitingCase("hardship");
    const complaintRes = await run(
      complaintRoute.action,
      formRequest("/account/complaint", h.cookie, { category: "conduct", text: "Rude." }),
      t.db,
    );
    expect(complaintRes.status).toBe(303);
    const complaint = await t.db
      .selectFrom("complaints")
      .select("id")
      .where("borrower_id", "=", h.borrower.id)
      .executeTakeFirstOrThrow();
    await moveCase(t.db, { staff: me(ann), caseId: complaint.id, action: "acknowledge" });
    await moveCase(t.db, { staff: me(ann), caseId: complaint.id, action: "await_borrower" });
    const res = await run(
      hardshipRoute.action,
      formRequest("/account/hardship", h.cookie, { reason: "illness", details: "Still in hospital." }),
      t.db,
    );
    expect(res.status).toBe(303);
    expect(await statusOf("hardship_reports", h.caseId)).toBe("in_progress");
    expect(await replyEvents(h.caseId)).toEqual([
      expect.objectContaining({ reply_via: "hardship_report", staff_user_id: null }),
    ]);
    expect(await statusOf("complaints", complaint.id)).toBe("awaiting_borrower");
  });
});
