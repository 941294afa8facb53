import { randomBytes, randomUUID } from "node:crypto";
import { sql, type Kysely } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { connectDatabase, type DatabaseHandle } from "../../db/connection";
import { createMigrator } from "../../db/migrate";
import { migrations } from "../../db/migrations/index";
import type { Database } from "../../db/schema";
import { getAccountOverview } from "../../app/borrower/overview.server";
import { runSchedule } from "../../app/engine/planner.server";
import { applySucceededPayment } from "../../app/payments/apply-payment.server";
import { viewBorrowerPage } from "../../app/staff/borrower-page.server";
import { insertAccount, insertBorrower, insertStaffUser } from "../support/builders";

/**
 * The upgrade rule (docs/architecture.md, "Upgrades"): a migration is safe to apply while the previous
 * release serves. Checked for the last migration: a database at the one before it, where the
 * previous-release smoke calls (the planner, the borrower's overview, a payment credited, the staff
 * borrower page) run; then the last migration is applied, and the same calls must still succeed. The
 * schema check beside it: nothing the previous schema had is dropped, renamed or retyped, and each column
 * the migration adds is nullable or has a default, so the previous release's inserts still work.
 */

const names = Object.keys(migrations);
const LAST = names.at(-1)!;
const PREVIOUS = names.at(-2)!;
const NOON = new Date("2026-03-04T04:00:00Z"); // 12:00 in Hong Kong: the send window is open

let handle: DatabaseHandle;
let name: string;

beforeAll(async () => {
  name = `settle_upgrade_${randomBytes(6).toString("hex")}`;
  await admin(
    (c) => `create database ${c.escapeIdentifier(name)} template ${c.escapeIdentifier(inject("pgTemplate"))}`,
  );
  handle = connectDatabase(inject("pgAdminUrl").replace(/\/postgres$/, `/${name}`));
  const down = await createMigrator(handle.db).migrateTo(PREVIOUS);
  expect(down.error).toBeUndefined();
});
afterAll(async () => {
  await handle?.close();
  await admin((c) => `drop database if exists ${c.escapeIdentifier(name)} with (force)`);
});

async function admin(statement: (c: pg.Client) => string) {
  const client = new pg.Client({ connectionString: inject("pgAdminUrl") });
  await client.connect();
  try {
    await client.query(statement(client));
  } finally {
    await client.end();
  }
}

/** What the previous release does on every deploy's busiest paths, each call on fresh rows of its own. */
const SMOKE_CALLS: Record<string, (db: Kysely<Database>) => Promise<unknown>> = {
  "send planner": async (db) => {
    await insertAccount(db, { dpd: 5 });
    const run = await runSchedule(db, { now: NOON });
    expect(run.queued).toBeGreaterThan(0);
  },
  "borrower overview load": async (db) => {
    const account = await insertAccount(db);
    await getAccountOverview(db, { borrowerId: account.borrower_id, accountId: account.id });
  },
  "payment credit": async (db) => {
    const account = await insertAccount(db);
    const credited = await db.transaction().execute((trx) =>
      applySucceededPayment(trx, {
        accountId: account.id,
        borrowerId: account.borrower_id,
        amountMinor: 12_345,
        currency: account.currency,
        source: "offline_branch",
        idempotencyKey: `upgrade:${randomUUID()}`,
      }),
    );
    expect(credited.applied).toBe(true);
  },
  "staff borrower page": async (db) => {
    const borrower = await insertBorrower(db);
    await insertAccount(db, { borrower_id: borrower.id });
    const staff = await insertStaffUser(db);
    const page = await viewBorrowerPage(db, {
      borrowerId: borrower.id,
      staff: { id: staff.id, email: staff.email, displayName: staff.display_name, role: staff.role },
      locale: "en",
      timeZone: "Asia/Hong_Kong",
    });
    expect(page).not.toBeNull();
  },
};

async function runSmokeCalls(db: Kysely<Database>) {
  for (const [call, run] of Object.entries(SMOKE_CALLS)) {
    await run(db).catch((error: unknown) => {
      throw new Error(`${call}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    });
  }
}

interface Column {
  table_name: string;
  column_name: string;
  data_type: string;
  is_nullable: string;
  column_default: string | null;
}

async function columns(db: Kysely<Database>): Promise<Map<string, Column>> {
  const { rows } = await sql<Column>`
    select table_name, column_name, data_type, is_nullable, column_default
      from information_schema.columns
     where table_schema = 'public' and table_name not like 'kysely_%'`.execute(db);
  return new Map(rows.map((c) => [`${c.table_name}.${c.column_name}`, c]));
}

describe(`the last migration (${LAST}) under the previous release`, () => {
  it("the previous release's smoke calls succeed before and after it is applied", async () => {
    await runSmokeCalls(handle.db);
    const before = await columns(handle.db);

    const up = await createMigrator(handle.db).migrateToLatest();
    expect(up.error).toBeUndefined();
    expect(up.results?.map((r) => r.migrationName)).toEqual([LAST]);
    await runSmokeCalls(handle.db);

    const after = await columns(handle.db);
    for (const [key, column] of before)
      expect(after.get(key), key).toMatchObject({ data_type: column.data_type });
    // Columns added to tables the previous release writes; a new table is one it never inserts into.
    const oldTables = new Set([...before.values()].map((c) => c.table_name));
    const added = [...after.values()].filter(
      (c) => oldTables.has(c.table_name) && !before.has(`${c.table_name}.${c.column_name}`),
    );
    for (const c of added)
      expect(c.is_nullable === "YES" || c.column_default !== null, `${c.table_name}.${c.column_name}`).toBe(
        true,
      );
  });
});
