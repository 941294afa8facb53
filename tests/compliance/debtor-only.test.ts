import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importAccountsFile } from "../../app/bank/import.server";
import { runSchedule, type DecisionLine } from "../../app/engine/planner.server";
import { config } from "../../app/platform/config.server";
import * as bulk from "../../app/routes/api.v1.accounts.bulk";
import { applyBorrowerAction } from "../../app/staff/borrower-actions.server";
import { apiRequest, callRoute, createTestApiKey } from "../support/api";
import { insertStaffUser } from "../support/builders";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { syntheticRecord } from "../support/synthetic-import";

/**
 * Debtor-only contact (docs/product-rules.md §4.20), by source: where the jurisdiction allows contact with
 * the debtor only, no text and no call goes to a number not known to be the borrower's own. Whose the number
 * is comes from the bank (API, import) or from an agent; each test then drives the real planner.
 */
// 13:30 in Hong Kong, Shanghai; 00:30 in New York (the US borrower is checked at 12:30 local below).
const NOW = new Date("2026-11-23T05:30:00Z");

let t: TestDatabase;
let dir: string;
beforeAll(async () => {
  t = await createTestDatabase();
  dir = mkdtempSync(join(tmpdir(), "settle-debtor-only-"));
  chmodSync(dir, 0o755);
});
afterAll(async () => {
  await t.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const MARKETS = {
  HK: { time_zone: "Asia/Hong_Kong", currency: "HKD", phone: "+85291234567" },
  CN: { time_zone: "Asia/Shanghai", currency: "CNY", phone: "+8613812345678" },
  US: { time_zone: "America/New_York", currency: "USD", phone: "+12025550123" },
} as const;

function recordFor(market: keyof typeof MARKETS, dpd: number, extra: Record<string, unknown> = {}) {
  return {
    ...syntheticRecord(0, { prefix: `D${market}${randomBytes(3).toString("hex")}` }),
    ...MARKETS[market],
    jurisdiction: market,
    locale: "en",
    dpd,
    status: "delinquent",
    overdue_minor: 50_000,
    ...extra,
  } as Record<string, unknown>;
}

async function viaApi(record: Record<string, unknown>) {
  const key = (await createTestApiKey(t.db, ["accounts:write"])).key;
  const res = await callRoute(
    bulk.action,
    t.db,
    apiRequest("/api/v1/accounts/bulk", { key, json: [record] }),
  );
  expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
  return accountOf(record);
}

async function viaImport(record: Record<string, unknown>) {
  const columns = Object.keys(record).filter((k) => record[k] !== undefined);
  const file = join(dir, `${String(record.account_ref)}.csv`);
  writeFileSync(file, `${columns.join(",")}\n${columns.map((c) => String(record[c])).join(",")}\n`);
  const summary = await importAccountsFile(t.db, { file, hashKey: config().verificationHashKey });
  expect(summary.rejected).toBe(0);
  return accountOf(record);
}

function accountOf(record: Record<string, unknown>) {
  return t.db
    .selectFrom("accounts")
    .select(["id", "borrower_id", "external_ref"])
    .where("external_ref", "=", String(record.account_ref))
    .executeTakeFirstOrThrow();
}

async function run(now = NOW) {
  const lines: DecisionLine[] = [];
  await runSchedule(t.db, { now, onDecision: (l) => lines.push(l) });
  return new Map(lines.map((l) => [l.account, l]));
}

const textsTo = (accountId: string) =>
  t.db.selectFrom("messages").select("id").where("account_id", "=", accountId).execute();
const callTasks = (accountId: string) =>
  t.db
    .selectFrom("tasks")
    .select("id")
    .where("account_id", "=", accountId)
    .where("kind", "=", "call")
    .execute();

describe("debtor-only contact", () => {
  it("HKMA Code of Banking Practice: no contact to a third party's number (HK)", async () => {
    // D35: the late stage texts and calls. The bank says the number is a relative's.
    const record = recordFor("HK", 35, { phone_owner: "third_party" });
    const account = await viaApi(record);
    const lines = await run();
    expect(lines.get(account.external_ref)).toMatchObject({
      action: "suppress",
      reason: "not_borrowers_number",
    });
    expect(await textsTo(account.id)).toEqual([]);
    expect(await callTasks(account.id)).toEqual([]);
    // The bank corrects it: the number is the borrower's own, and the schedule texts again.
    await viaApi({ ...record, phone_owner: "borrower" });
    const after = await run(new Date(NOW.getTime() + 60_000));
    expect(after.get(account.external_ref)).toMatchObject({ action: "send", channel: "sms" });
    expect(await textsTo(account.id)).toHaveLength(1);
  });

  it("NIFA collection guideline: contact the debtor only, an unknown number is not texted (CN)", async () => {
    const account = await viaImport(recordFor("CN", 10, { phone_owner: "unknown" }));
    const lines = await run();
    expect(lines.get(account.external_ref)).toMatchObject({
      action: "suppress",
      reason: "not_borrowers_number",
    });
    expect(await textsTo(account.id)).toEqual([]);
  });

  it("a number the bank does not mark is the borrower's; a US borrower's third-party number is not debtor-only", async () => {
    const unmarked = await viaImport(recordFor("CN", 10));
    const us = await viaApi(recordFor("US", 10, { phone_owner: "third_party" }));
    expect((await run()).get(unmarked.external_ref)).toMatchObject({ action: "send", channel: "sms" });
    // 12:30 in New York: the US profile allows contact with others (FDCPA's own rules are not modelled here).
    expect((await run(new Date("2026-11-23T17:30:00Z"))).get(us.external_ref)).toMatchObject({
      action: "send",
      channel: "sms",
    });
  });

  it("an agent who learns on a call that the number is someone else's stops texts and calls (HK)", async () => {
    const user = await insertStaffUser(t.db);
    const agent = { id: user.id, email: user.email, displayName: user.display_name, role: "agent" as const };
    const record = recordFor("HK", 35);
    const account = await viaApi(record);
    const logged = await applyBorrowerAction(t.db, {
      staff: agent,
      borrowerId: account.borrower_id,
      now: NOW,
      action: { intent: "log_call", accountId: account.id, outcome: "no_answer", phoneOwner: "third_party" },
    });
    expect(logged).toEqual({ status: "ok" });
    expect((await run()).get(account.external_ref)).toMatchObject({
      action: "suppress",
      reason: "not_borrowers_number",
    });
    // The bank's next push without a mark keeps the agent's finding for the same number...
    await viaApi(record);
    expect((await run()).get(account.external_ref)).toMatchObject({ reason: "not_borrowers_number" });
    // ...and a new number it sends is the borrower's.
    await viaApi({ ...record, phone: "+85291239999" });
    expect((await run(new Date(NOW.getTime() + 60_000))).get(account.external_ref)).toMatchObject({
      action: "send",
    });
    const audit = await t.db
      .selectFrom("audit_events")
      .select("detail")
      .where("borrower_id", "=", account.borrower_id)
      .where("action", "=", "staff.phone_owner_set")
      .execute();
    expect(audit).toEqual([{ detail: { from: "borrower", to: "third_party", via: "call" } }]);
  });

  it("debtor-only leaves a visit open where the stage has one (HK, D65)", async () => {
    const account = await viaApi(
      recordFor("HK", 65, {
        phone_owner: "third_party",
        address_line1: "8 Harbour Road",
        address_country: "HK",
      }),
    );
    expect((await run()).get(account.external_ref)).toMatchObject({ action: "send", channel: "visit" });
  });
});
