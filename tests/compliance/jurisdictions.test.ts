import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_CONTACT_POLICY } from "../../app/domain/contact-policy";
import { decideForAccount } from "../../app/engine/planner.server";
import * as bulk from "../../app/routes/api.v1.accounts.bulk";
import { apiRequest, callRoute, createTestApiKey } from "../support/api";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { syntheticRecord } from "../support/synthetic-import";

/**
 * Jurisdiction profiles as behaviour (issue #19 item 2): borrowers of each market come in through the bank
 * API, and the schedule decides their contact under their profile, whatever the policy around it allows.
 */
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.destroy();
});

const MARKETS = {
  HK: { time_zone: "Asia/Hong_Kong", currency: "HKD", phone: "+85291234567" },
  SG: { time_zone: "Asia/Singapore", currency: "SGD", phone: "+6591234567" },
  MO: { time_zone: "Asia/Macau", currency: "MOP", phone: "+85366123456" },
  TW: { time_zone: "Asia/Taipei", currency: "TWD", phone: "+886912345678" },
} as const;

/** The bank sends an account 10 days past due for a borrower in `market`; returns the account's id. */
async function bankSends(market: keyof typeof MARKETS): Promise<string> {
  const key = (await createTestApiKey(t.db, ["accounts:write"])).key;
  const record = {
    ...syntheticRecord(0, { prefix: `J${market}${randomBytes(3).toString("hex")}` }),
    ...MARKETS[market],
    jurisdiction: market,
    locale: "en",
    dpd: 10,
    status: "delinquent",
    overdue_minor: 50_000,
  };
  const res = await callRoute(
    bulk.action,
    t.db,
    apiRequest("/api/v1/accounts/bulk", { key, json: [record] }),
  );
  expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
  const row = await t.db
    .selectFrom("accounts")
    .select("id")
    .where("external_ref", "=", String(record.account_ref))
    .executeTakeFirstOrThrow();
  return row.id;
}

/**
 * A supervisor widens the contact window to 06:00-23:00, in a policy stored the way policies were before
 * Singapore, Macao and Taiwan existed (no profile for them): their shipped profiles must still apply.
 */
async function activateWidePolicyWithoutNewMarkets() {
  const { SG: _sg, MO: _mo, TW: _tw, ...older } = DEFAULT_CONTACT_POLICY.jurisdictions;
  const policy = {
    ...DEFAULT_CONTACT_POLICY,
    contactWindow: { start: "06:00", end: "23:00" },
    jurisdictions: older,
  };
  await t.db.updateTable("contact_policies").set({ active: false }).where("active", "=", true).execute();
  await t.db
    .insertInto("contact_policies")
    .values({ version: 2, policy: JSON.stringify(policy), active: true })
    .execute();
}

const decide = async (accountId: string, at: string) =>
  (await decideForAccount(t.db, accountId, new Date(at)))!.decision;

describe("jurisdiction profiles, driven through the bank API and the schedule", () => {
  let accounts: Record<keyof typeof MARKETS, string>;
  beforeAll(async () => {
    accounts = {
      HK: await bankSends("HK"),
      SG: await bankSends("SG"),
      MO: await bankSends("MO"),
      TW: await bankSends("TW"),
    };
  });

  it("Singapore, Macao and Taiwan borrowers are accepted, and texted inside the default 09:00-20:00", async () => {
    // Tuesday 8 December 2026, 08:30 local in each market (all UTC+8): before the policy's window.
    for (const market of ["SG", "MO", "TW"] as const) {
      expect(await decide(accounts[market], "2026-12-08T00:30:00Z")).toMatchObject({
        action: "defer",
        reason: "quiet_hours",
      });
      expect((await decide(accounts[market], "2026-12-08T02:00:00Z")).action).toBe("send"); // 10:00
    }
  });

  it("Taiwan FSC rules for outsourced collection: no contact before 07:00, even where the policy allows 06:00", async () => {
    await activateWidePolicyWithoutNewMarkets();
    const early = "2026-12-08T22:30:00Z"; // Wednesday 06:30 in Taipei and Hong Kong
    // The wider policy is in force: Hong Kong, whose profile names no hours, is texted at 06:30.
    expect((await decide(accounts.HK, early)).action).toBe("send");
    const tw = await decide(accounts.TW, early);
    expect(tw).toMatchObject({ action: "defer", reason: "quiet_hours" });
    expect(tw.action === "defer" && tw.until.toISOString()).toBe("2026-12-08T23:00:00.000Z"); // 07:00
    expect((await decide(accounts.TW, "2026-12-08T23:30:00Z")).action).toBe("send"); // 07:30
    // ... and none after 22:00 (22:30 in Taipei), where the policy would allow until 23:00.
    expect((await decide(accounts.TW, "2026-12-09T14:30:00Z")).action).toBe("defer");
  });
});
