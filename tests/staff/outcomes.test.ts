import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Account } from "../../db/schema";
import { loadOutcomes } from "../../app/staff/outcomes.server";
import { parseOutcomeFilters, type OutcomeFilters } from "../../app/staff/outcome-filters";
import { loader as csvLoader } from "../../app/routes/staff.outcomes[.]csv";
import { loader as dashboardLoader } from "../../app/routes/staff.dashboard";
import { createTestDatabase, type TestDatabase } from "../support/database";
import {
  insertAccount,
  insertBorrower,
  insertMessage,
  insertPayment,
  insertPlan,
  insertPromise,
} from "../support/builders";
import { enrolledStaff, get, outcome, signedInCookie, staffContext } from "./support";

/**
 * Each outcome figure (docs/outcomes.md) against a small book computed by hand, in UTC, for January 2030.
 *
 * A1 HKD credit card, HK, en: early reminder Jan 3 00:00 (verified 02:00), mid Jan 10, a receipt text;
 *    paid 300.00 in the portal on Jan 5; nothing overdue now. Cured, rolled, acted after 2 h; a visit.
 * A2 CNY personal loan, CN, zh-CN: late reminder Jan 4 (2 segments); promise made Jan 6 (48 h), broken
 *    Jan 12; 100.00 offline on Jan 20; still 400.00 overdue (balance as of Jan 1). Two calls in January.
 * A3 HKD credit card, HK, zh-HK: pre-due reminder Dec 30 (before), due reminder Jan 2 (2 segments);
 *    a promise made Dec 31, kept Jan 15. Not in arrears, not rolled, no action after Jan 2.
 * A4 HKD mortgage, HK, en: no reminders; plans started Jan 8 (completed) and Jan 9 (broken), one started
 *    in December (broken); a payment in February.
 * A5 HKD credit card: a failed payment and a plan still proposed in January.
 */
const FROM = "2030-01-01";
const TO = "2030-01-31";
const NOW = new Date("2030-02-15T00:00:00Z");
const at = (iso: string) => new Date(`${iso}Z`);

let t: TestDatabase;
let a1: Account;
let a2: Account;
let a3: Account;

async function reminder(account: Account, stage: string, sentAt: string, segments = 1) {
  return insertMessage(t.db, account, {
    stage,
    template_key: `reminder.${stage}.A`,
    status: "delivered",
    sent_at: at(sentAt),
    segments,
  });
}

beforeAll(async () => {
  t = await createTestDatabase();
  const hk = await insertBorrower(t.db, { jurisdiction: "HK", locale: "en" });
  const cn = await insertBorrower(t.db, { jurisdiction: "CN", locale: "zh-CN", time_zone: "Asia/Shanghai" });
  const hk2 = await insertBorrower(t.db, { jurisdiction: "HK", locale: "zh-HK" });
  const common = { balance_as_of: at("2030-01-01T00:00:00") };
  a1 = await insertAccount(t.db, { ...common, borrower_id: hk.id, overdue_minor: 0, status: "current" });
  a2 = await insertAccount(t.db, {
    ...common,
    borrower_id: cn.id,
    product: "personal_loan",
    currency: "CNY",
    overdue_minor: 40_000,
  });
  a3 = await insertAccount(t.db, { ...common, borrower_id: hk2.id, overdue_minor: 0, status: "current" });
  const a4 = await insertAccount(t.db, { ...common, borrower_id: hk.id, product: "mortgage" });
  const a5 = await insertAccount(t.db, { ...common, borrower_id: hk.id });

  const first = await reminder(a1, "early", "2030-01-03T00:00:00");
  await reminder(a1, "mid", "2030-01-10T00:00:00");
  await insertMessage(t.db, a1, {
    template_key: "payment_receipt",
    status: "delivered",
    sent_at: at("2030-01-05T01:00:00"),
    segments: 1,
  });
  await insertMessage(t.db, a1, {
    direction: "inbound",
    status: "received",
    sent_at: at("2030-01-06T00:00:00"),
  });
  const link = await t.db
    .insertInto("short_links")
    .values({
      code_hash: "h1",
      key_id: "k",
      borrower_id: a1.borrower_id,
      account_id: a1.id,
      message_id: first.id,
      expires_at: at("2030-03-01T00:00:00"),
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await t.db
    .insertInto("verification_attempts")
    .values([
      { link_id: link.id, succeeded: false, attempted_at: at("2030-01-03T01:00:00") },
      { link_id: link.id, succeeded: true, attempted_at: at("2030-01-03T02:00:00") },
    ])
    .execute();
  await insertPayment(t.db, a1, {
    amount_minor: 30_000,
    status: "succeeded",
    succeeded_at: at("2030-01-05T00:00:00"),
  });
  await t.db
    .insertInto("tasks")
    .values({
      kind: "visit",
      borrower_id: a1.borrower_id,
      account_id: a1.id,
      status: "done",
      resolved_at: at("2030-01-20T00:00:00"),
    })
    .execute();

  await reminder(a2, "late", "2030-01-04T00:00:00", 2);
  await insertPromise(t.db, a2, {
    promised_date: "2030-01-12",
    status: "broken",
    created_at: at("2030-01-06T00:00:00"),
  });
  await insertPayment(t.db, a2, {
    amount_minor: 10_000,
    source: "offline_transfer",
    status: "succeeded",
    succeeded_at: at("2030-01-20T00:00:00"),
  });
  for (const when of ["2030-01-05T00:00:00", "2030-01-25T00:00:00", "2029-12-20T00:00:00"])
    await t.db
      .insertInto("call_attempts")
      .values({ borrower_id: a2.borrower_id, account_id: a2.id, outcome: "no_answer", occurred_at: at(when) })
      .execute();

  await reminder(a3, "pre_due", "2029-12-30T00:00:00");
  await reminder(a3, "due", "2030-01-02T00:00:00", 2);
  await insertPromise(t.db, a3, {
    promised_date: "2030-01-15",
    status: "kept",
    created_at: at("2029-12-31T00:00:00"),
  });
  await insertPromise(t.db, a3, {
    promised_date: "2030-01-20",
    status: "cancelled",
    created_at: at("2029-12-31T00:00:00"),
  });

  await insertPlan(t.db, a4, { status: "completed", decided_at: at("2030-01-08T00:00:00") });
  await insertPlan(t.db, a4, { status: "broken", decided_at: at("2030-01-09T00:00:00") });
  await insertPlan(t.db, a4, { status: "broken", decided_at: at("2029-12-20T00:00:00") });
  await insertPayment(t.db, a4, {
    amount_minor: 5_000,
    status: "succeeded",
    succeeded_at: at("2030-02-03T00:00:00"),
  });
  await insertPayment(t.db, a5, {
    amount_minor: 7_000,
    status: "failed",
    created_at: at("2030-01-07T00:00:00"),
  });
  await insertPlan(t.db, a5, { status: "proposed", created_at: at("2030-01-07T00:00:00") });
});
afterAll(async () => {
  await t.destroy();
});

function filters(query: Record<string, string> = {}): OutcomeFilters {
  const parsed = parseOutcomeFilters(new URLSearchParams({ from: FROM, to: TO, ...query }), "2030-02-15");
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.filters;
}
const outcomes = (query: Record<string, string> = {}) =>
  loadOutcomes(t.db, filters(query), { timeZone: "UTC", now: NOW });

describe("outcome figures against a hand-computed book (docs/outcomes.md)", () => {
  it("amount collected by source and contact counts, per currency", async () => {
    const o = await outcomes();
    expect(o.byCurrency).toEqual([
      {
        currency: "CNY",
        portalMinor: 0,
        offlineMinor: 10_000,
        totalMinor: 10_000,
        texts: 1,
        segments: 2,
        calls: 2,
        visits: 0,
      },
      {
        currency: "HKD",
        portalMinor: 30_000,
        offlineMinor: 0,
        totalMinor: 30_000,
        texts: 4,
        segments: 5,
        calls: 0,
        visits: 1,
      },
    ]);
  });

  it("cure, roll, promise-kept and plan rates with their numerators and denominators", async () => {
    const o = await outcomes();
    expect(o.cure).toEqual({ numerator: 1, denominator: 2 });
    expect(o.roll).toEqual({ numerator: 1, denominator: 3 });
    expect(o.promiseKept).toEqual({ numerator: 1, denominator: 2 });
    expect(o.planCompleted).toEqual({ numerator: 1, denominator: 2 });
    expect(o.planBroken).toEqual({ numerator: 1, denominator: 2 });
  });

  it("median time from the first text in the period to the first action (2 h and 48 h)", async () => {
    expect((await outcomes()).firstAction).toEqual({ accounts: 3, acted: 2, medianHours: 25 });
  });

  it("liquidation per monthly cohort and currency: cumulative collected against placed", async () => {
    expect((await outcomes()).cohorts).toEqual([
      {
        month: "2030-01",
        currency: "CNY",
        accounts: 1,
        placedMinor: 40_000,
        curve: [
          { monthsSinceEntry: 0, collectedMinor: 10_000 },
          { monthsSinceEntry: 1, collectedMinor: 10_000 },
        ],
      },
      {
        month: "2030-01",
        currency: "HKD",
        accounts: 1,
        placedMinor: 30_000,
        curve: [
          { monthsSinceEntry: 0, collectedMinor: 30_000 },
          { monthsSinceEntry: 1, collectedMinor: 30_000 },
        ],
      },
    ]);
  });

  it("filters by product, jurisdiction, language and entry stage", async () => {
    const cards = await outcomes({ product: "credit_card" });
    expect([cards.cure, cards.roll]).toEqual([
      { numerator: 1, denominator: 1 },
      { numerator: 1, denominator: 2 },
    ]);
    expect(cards.planCompleted.denominator).toBe(0);
    const cn = await outcomes({ jurisdiction: "CN" });
    expect(cn.byCurrency.map((c) => [c.currency, c.offlineMinor])).toEqual([["CNY", 10_000]]);
    expect((await outcomes({ language: "zh-HK" })).roll).toEqual({ numerator: 0, denominator: 1 });
    const early = await outcomes({ stage: "early" });
    expect([early.cure, early.firstAction.acted]).toEqual([{ numerator: 1, denominator: 1 }, 1]);
    expect((await outcomes({ stage: "due" })).roll).toEqual({ numerator: 0, denominator: 1 });
  });

  it("a period that leaves the events out shows zeros, not errors", async () => {
    const o = await outcomes({ from: "2029-06-01", to: "2029-06-30" });
    expect([o.byCurrency, o.cohorts, o.cure, o.firstAction.accounts]).toEqual([
      [],
      [],
      { numerator: 0, denominator: 0 },
      0,
    ]);
  });
});

describe("the outcome filters", () => {
  it("default to the last 60 days and refuse what the user must fix, with a message key", () => {
    expect(parseOutcomeFilters(new URLSearchParams(), "2030-02-15")).toMatchObject({
      ok: true,
      filters: { from: "2029-12-18", to: "2030-02-15", stage: null },
    });
    const bad = (q: Record<string, string>) => parseOutcomeFilters(new URLSearchParams(q), "2030-02-15");
    expect(bad({ from: "2030-02-30" })).toEqual({ ok: false, errors: { from: "outcomes.errors.date" } });
    expect(bad({ stage: "worst" })).toEqual({ ok: false, errors: { stage: "outcomes.errors.choice" } });
    expect(bad({ from: "2030-02-10", to: "2030-02-01" })).toEqual({
      ok: false,
      errors: { to: "outcomes.errors.order" },
    });
    expect(bad({ from: "2028-01-01", to: "2030-01-01" })).toEqual({
      ok: false,
      errors: { from: "outcomes.errors.span" },
    });
    expect(bad({ product: "" })).toMatchObject({ ok: true });
  });
});

describe("the dashboard and the CSV download", () => {
  it("the dashboard answers 400 with what to fix for a bad filter, and the figures for good ones", async () => {
    const { user } = await enrolledStaff(t.db, "supervisor");
    const cookie = await signedInCookie(t.db, user);
    const run = (q: string) =>
      outcome(() =>
        dashboardLoader({
          request: get(`/staff/dashboard?${q}`, cookie),
          params: {},
          context: staffContext(t.db),
        } as never),
      );
    const bad = await run("from=yesterday");
    expect(bad.status).toBe(400);
    expect((bad.data as { outcomes: unknown }).outcomes).toMatchObject({
      status: "invalid",
      errors: { from: "outcomes.errors.date" },
    });
    const good = await run(`from=${FROM}&to=${TO}&jurisdiction=CN`);
    expect(good.status).toBe(200);
    expect(
      (good.data as { outcomes: { view: { byCurrency: unknown[] } } }).outcomes.view.byCurrency,
    ).toHaveLength(1);
  });

  it("the CSV is for supervisors and admins only, and every download is audited with its filters", async () => {
    const { user: agent } = await enrolledStaff(t.db, "agent");
    const refused = await outcome(() =>
      csvLoader({
        request: get(`/staff/outcomes.csv?from=${FROM}&to=${TO}`, undefined),
        params: {},
        context: staffContext(t.db),
      } as never),
    );
    expect(refused.status).toBe(302);
    const forbidden = await outcome(async () =>
      csvLoader({
        request: get(`/staff/outcomes.csv`, await signedInCookie(t.db, agent)),
        params: {},
        context: staffContext(t.db),
      } as never),
    );
    expect(forbidden.status).toBe(403);

    const { user } = await enrolledStaff(t.db, "admin");
    const response = (await csvLoader({
      request: get(
        `/staff/outcomes.csv?from=${FROM}&to=${TO}&product=credit_card`,
        await signedInCookie(t.db, user),
      ),
      params: {},
      context: staffContext(t.db),
    } as never)) as Response;
    expect(response.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    const body = await response.text();
    expect(body).toContain("collected_portal_minor,HKD,,,,30000\r\n");
    expect(body).toContain("cure_rate,,,1,1,100\r\n");
    const audit = await t.db
      .selectFrom("audit_events")
      .selectAll()
      .where("action", "=", "staff.exported_outcomes")
      .execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      actor_id: user.id,
      detail: { from: FROM, to: TO, product: "credit_card" },
    });

    const invalid = await outcome(async () =>
      csvLoader({
        request: get(`/staff/outcomes.csv?to=soon`, await signedInCookie(t.db, user)),
        params: {},
        context: staffContext(t.db),
      } as never),
    );
    expect(invalid.status).toBe(400);
  });
});
