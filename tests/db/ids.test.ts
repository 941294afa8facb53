import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { timeOrderedId } from "../../app/platform/ids.server";
import { UUIDV7_FALLBACK } from "../../db/migrations/0011_time_ordered_book_ids";
import { createTestDatabase, type TestDatabase } from "../support/database";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.destroy();
});

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The creation time a UUIDv7 carries: its first 48 bits, in milliseconds. */
const millisOf = (id: string) => parseInt(id.replace(/-/g, "").slice(0, 12), 16);

describe("timeOrderedId", () => {
  it("is a UUIDv7 carrying the time it was made, and ids made one after another ascend even within a millisecond", () => {
    const before = Date.now();
    const ids = Array.from({ length: 20_000 }, () => timeOrderedId());
    const after = Date.now();
    for (const id of ids) expect(id).toMatch(V7);
    expect(new Set(ids).size).toBe(ids.length);
    // 20,000 ids take a few milliseconds: many share one, and still sort in the order they were made.
    expect([...ids].sort()).toEqual(ids);
    expect(millisOf(ids[0]!)).toBeGreaterThanOrEqual(before);
    expect(millisOf(ids.at(-1)!)).toBeLessThanOrEqual(after);
  });
});

describe("borrower and account ids drawn by Postgres (migration 0011)", () => {
  it("are UUIDv7 in the order the rows were inserted, one set-based insert or several", async () => {
    const before = Date.now();
    const { rows } = await sql<{ borrower: string; account: string }>`
      with b as (
        insert into borrowers (external_ref, full_name, phone_e164, locale, time_zone, jurisdiction)
        select 'IDS-B' || i, 'Chan Tai Man', '+8529' || lpad(i::text, 7, '0'), 'en', 'Asia/Hong_Kong', 'HK' from generate_series(1, 500) i
        returning id, external_ref
      ), a as (
        insert into accounts (borrower_id, external_ref, product, last4, currency, balance_minor, overdue_minor, minimum_due_minor, dpd, status, balance_as_of)
        select b.id, 'IDS-A' || substr(b.external_ref, 6), 'credit_card', '1234', 'HKD', 1000, 0, 0, 0, 'current', now() from b
        returning id, borrower_id, external_ref
      )
      select a.borrower_id as borrower, a.id as account from a order by substr(a.external_ref, 6)::int`.execute(
      t.db,
    );
    const after = Date.now();
    expect(rows).toHaveLength(500);
    for (const r of rows) {
      expect(r.borrower).toMatch(V7);
      expect(r.account).toMatch(V7);
      expect(millisOf(r.account)).toBeGreaterThanOrEqual(before - 1);
      expect(millisOf(r.account)).toBeLessThanOrEqual(after + 1);
    }
    expect(new Set(rows.map((r) => r.account)).size).toBe(500);
    // Drawn in insert order (Postgres 18's uuidv7() ascends within a millisecond too).
    expect(rows.map((r) => r.borrower)).toEqual(rows.map((r) => r.borrower).sort());
    expect(rows.map((r) => r.account)).toEqual(rows.map((r) => r.account).sort());
  });

  it("the fallback for a server without uuidv7() lays out the same: version 7, RFC variant, the current millisecond first", async () => {
    const before = Date.now();
    const { rows } = await sql<{
      id: string;
    }>`select ${UUIDV7_FALLBACK} as id from generate_series(1, 200)`.execute(t.db);
    const after = Date.now();
    for (const { id } of rows) {
      expect(id).toMatch(V7);
      expect(millisOf(id)).toBeGreaterThanOrEqual(before - 1);
      expect(millisOf(id)).toBeLessThanOrEqual(after + 1);
    }
    expect(new Set(rows.map((r) => r.id)).size).toBe(200);
  });
});
