import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Jurisdiction } from "../../db/schema";
import { DEFAULT_CONTACT_POLICY, type ContactPolicy } from "../../app/domain/contact-policy";
import { decideForAccount } from "../../app/engine/planner.server";
import { applyBorrowerAction } from "../../app/staff/borrower-actions.server";
import type { StaffIdentity } from "../../app/staff/session.server";
import { insertAccount, insertBorrower, insertStaffUser } from "../support/builders";
import { createTestDatabase, type TestDatabase } from "../support/database";

/**
 * Call caps by source (docs/product-rules.md §4.16), each driven through the console's call log and the
 * schedule's decision: only logged calls count, the schedule never places a call past a cap, and an agent
 * logging one is warned and must give a reason.
 */
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ZONES: Partial<Record<Jurisdiction, string>> = {
  HK: "Asia/Hong_Kong",
  CN: "Asia/Shanghai",
  US: "America/New_York",
  UK: "Europe/London",
};
// 13:30 in Hong Kong and Shanghai, 08:30 in New York (EST).
const NOW = new Date("2026-11-23T05:30:00Z");
const NY_NOON = new Date("2026-11-23T17:00:00Z");

let t: TestDatabase;
let agent: StaffIdentity;
beforeAll(async () => {
  t = await createTestDatabase();
  const user = await insertStaffUser(t.db);
  agent = { id: user.id, email: user.email, displayName: user.display_name, role: "agent" };
});
afterAll(async () => {
  await t.destroy();
});

/** A D35 borrower who opted out of texts, so the schedule's contact is a call. */
async function lateBorrower(jurisdiction: Jurisdiction) {
  const borrower = await insertBorrower(t.db, { jurisdiction, time_zone: ZONES[jurisdiction] });
  const account = await insertAccount(t.db, { borrower_id: borrower.id, dpd: 35 });
  await t.db
    .insertInto("contact_preferences")
    .values({ borrower_id: borrower.id, sms_opted_out_at: NOW })
    .execute();
  return { borrower, account };
}

function logCall(borrowerId: string, accountId: string, outcome: string, now: Date, overrideReason?: string) {
  return applyBorrowerAction(t.db, {
    staff: agent,
    borrowerId,
    now,
    action: { intent: "log_call", accountId, outcome: outcome as "no_answer", overrideReason },
  });
}

async function decision(accountId: string, now: Date) {
  return (await decideForAccount(t.db, accountId, now))!.decision;
}

async function withPolicy(edit: (p: ContactPolicy) => void, body: () => Promise<void>) {
  const policy = structuredClone(DEFAULT_CONTACT_POLICY);
  edit(policy);
  const row = await t.db
    .insertInto("contact_policies")
    .values({ version: 900 + Math.floor(Math.random() * 1000), policy: JSON.stringify(policy), active: true })
    .returning("id")
    .executeTakeFirstOrThrow();
  try {
    await body();
  } finally {
    await t.db.deleteFrom("contact_policies").where("id", "=", row.id).execute();
  }
}

describe("US Reg F", () => {
  it("Reg F 1006.14(b)(2): no 8th call in 7 days", async () => {
    const { borrower, account } = await lateBorrower("US");
    // Seven unanswered calls, one a day at 11:00 New York time, over the past seven days.
    for (let i = 6; i >= 0; i--) {
      const at = new Date(NY_NOON.getTime() - i * DAY - HOUR);
      expect(await logCall(borrower.id, account.id, "no_answer", at)).toEqual({ status: "ok" });
    }
    expect(await decision(account.id, NY_NOON)).toMatchObject({
      action: "defer",
      channel: "call",
      reason: "call_cap_weekly",
    });
    // The agent who calls anyway is warned; with a reason the call is logged and the override recorded.
    expect(await logCall(borrower.id, account.id, "no_answer", NY_NOON)).toMatchObject({
      status: "refused",
      httpStatus: 409,
      fieldErrors: { overrideReason: ["errors.callBlocked.call_cap_weekly"] },
    });
    expect(
      await logCall(borrower.id, account.id, "right_party_contact", NY_NOON, "Borrower rang in"),
    ).toEqual({
      status: "ok",
    });
    const overridden = await t.db
      .selectFrom("call_attempts")
      .select(["override_reason", "override_blocker"])
      .where("borrower_id", "=", borrower.id)
      .where("override_reason", "is not", null)
      .execute();
    expect(overridden).toEqual([
      { override_reason: "Borrower rang in", override_blocker: "call_cap_weekly" },
    ]);
    const audit = await t.db
      .selectFrom("audit_events")
      .select("detail")
      .where("borrower_id", "=", borrower.id)
      .where("action", "=", "staff.call_logged")
      .execute();
    expect(
      audit.filter((a) => (a.detail as { overrode?: string }).overrode === "call_cap_weekly"),
    ).toHaveLength(1);
  });

  it("Reg F 1006.14(b)(2): no call within 7 days after a conversation", async () => {
    const { borrower, account } = await lateBorrower("US");
    await logCall(borrower.id, account.id, "right_party_contact", NY_NOON);
    const later = new Date(NY_NOON.getTime() + 3 * DAY);
    expect(await decision(account.id, later)).toMatchObject({
      action: "defer",
      channel: "call",
      reason: "call_cooldown",
      until: new Date(NY_NOON.getTime() + 7 * DAY),
    });
    expect(await decision(account.id, new Date(NY_NOON.getTime() + 7 * DAY))).toMatchObject({
      action: "send",
      channel: "call",
    });
  });

  it("Reg F 1006.6(b)(1)(i): no call before 08:00 local", async () => {
    const { borrower, account } = await lateBorrower("US");
    const early = new Date("2026-11-23T12:30:00Z"); // 07:30 in New York
    expect(await decision(account.id, early)).toMatchObject({
      action: "defer",
      channel: "call",
      reason: "quiet_hours",
    });
    expect(await logCall(borrower.id, account.id, "no_answer", early)).toMatchObject({
      fieldErrors: { overrideReason: ["errors.callBlocked.quiet_hours"] },
    });
  });
});

describe("mainland China (NIFA)", () => {
  it("NIFA: at most 3 connected calls a day (CN)", async () => {
    await withPolicy(
      (p) => {
        p.caps.callsPerDay = 10;
        p.jurisdictions.CN.caps = { connectedCallsPerDay: 3 };
      },
      async () => {
        const cn = await lateBorrower("CN");
        const hk = await lateBorrower("HK");
        for (const { borrower, account } of [cn, hk])
          for (let i = 3; i >= 1; i--)
            await logCall(borrower.id, account.id, "right_party_contact", new Date(NOW.getTime() - i * HOUR));
        expect(await decision(cn.account.id, NOW)).toMatchObject({
          action: "defer",
          channel: "call",
          reason: "call_cap_connected_daily",
        });
        // The same three conversations in Hong Kong, where the cap is not law, leave calls open.
        expect(await decision(hk.account.id, NOW)).toMatchObject({ action: "send", channel: "call" });
        // Unanswered attempts are not connected calls.
        const other = await lateBorrower("CN");
        for (let i = 3; i >= 1; i--)
          await logCall(other.borrower.id, other.account.id, "no_answer", new Date(NOW.getTime() - i * HOUR));
        expect(await decision(other.account.id, NOW)).toMatchObject({ action: "send", channel: "call" });
      },
    );
  });

  it("NIFA: no collection call 22:00-08:00 (CN)", async () => {
    const { account } = await lateBorrower("CN");
    const night = new Date("2026-11-23T15:00:00Z"); // 23:00 in Shanghai
    expect(await decision(account.id, night)).toMatchObject({
      action: "defer",
      channel: "call",
      reason: "quiet_hours",
    });
  });
});

describe("HKMA Code of Banking Practice", () => {
  it("HKMA CBP s.43: no persistent calls (at most 3 attempts a day)", async () => {
    const { borrower, account } = await lateBorrower("HK");
    for (let i = 3; i >= 1; i--)
      await logCall(borrower.id, account.id, "no_answer", new Date(NOW.getTime() - i * HOUR));
    expect(await decision(account.id, NOW)).toMatchObject({
      action: "defer",
      channel: "call",
      reason: "call_cap_daily",
      until: new Date("2026-11-24T01:00:00Z"), // 09:00 the next day in Hong Kong
    });
  });
});

describe("refusals and outcomes", () => {
  it("a borrower who does not allow calls gets no call (phone_allowed false)", async () => {
    const { borrower, account } = await lateBorrower("HK");
    await t.db
      .updateTable("contact_preferences")
      .set({ phone_allowed: false })
      .where("borrower_id", "=", borrower.id)
      .execute();
    const d = await decision(account.id, NOW);
    expect(d.action).toBe("suppress");
    expect(d).not.toMatchObject({ channel: "call" });
  });

  it("a wrong_number call outcome suppresses the phone: no more calls or texts to it", async () => {
    const { borrower, account } = await lateBorrower("HK");
    await logCall(borrower.id, account.id, "wrong_number", new Date(NOW.getTime() - HOUR));
    expect(await decision(account.id, NOW)).toMatchObject({ action: "suppress", reason: "wrong_number" });
  });
});
