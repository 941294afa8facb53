import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { connectDatabase } from "../../db/connection";
import { createMigrator, migrateAll, MIGRATION_LOCK } from "../../db/migrate";
import { migrations } from "../../db/migrations/index";
import { createTestDatabase, type TestDatabase } from "../support/database";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.destroy();
});

async function publicTables(): Promise<string[]> {
  const { rows } = await sql<{ table_name: string }>`
    select table_name from information_schema.tables
    where table_schema = 'public' and table_name not like 'kysely_%'
    order by table_name
  `.execute(t.db);
  return rows.map((r) => r.table_name);
}

describe("migrations", () => {
  it("lists every migration in name order", () => {
    const names = Object.keys(migrations);
    expect(names).toEqual([...names].sort());
    expect(names[0]).toBe("0001_initial");
  });

  it("migrates down to nothing and back up to the same schema", async () => {
    const migrator = createMigrator(t.db);
    const before = await publicTables();
    expect(before).toContain("audit_events");
    expect(before.length).toBeGreaterThanOrEqual(27);

    for (let i = 0; i < Object.keys(migrations).length; i++) {
      const { error } = await migrator.migrateDown();
      expect(error).toBeUndefined();
    }
    expect(await publicTables()).toEqual([]);

    const { error, results } = await migrator.migrateToLatest();
    expect(error).toBeUndefined();
    expect(results?.every((r) => r.status === "Success")).toBe(true);
    expect(await publicTables()).toEqual(before);
  });
});

describe("migrations run once per deploy", () => {
  /** An empty database on the run's server (the template would already be migrated). */
  async function emptyDatabase() {
    const adminUrl = inject("pgAdminUrl");
    const name = `settle_empty_${randomBytes(6).toString("hex")}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`create database ${admin.escapeIdentifier(name)}`);
    await admin.end();
    return adminUrl.replace(/\/postgres$/, `/${name}`);
  }

  it("processes starting together migrate one at a time: one applies everything, the others nothing", async () => {
    const url = await emptyDatabase();
    const processes = [
      connectDatabase(url, { max: 3 }),
      connectDatabase(url, { max: 3 }),
      connectDatabase(url, { max: 3 }),
    ];
    try {
      const results = await Promise.all(processes.map((p) => migrateAll(p.db, p.pool)));
      const counts = results.map((applied) => applied.length).sort((a, b) => a - b);
      expect(counts).toEqual([0, 0, Object.keys(migrations).length]);
      const { rows } = await sql<{ n: string }>`select count(*) as n from kysely_migration`.execute(
        processes[0]!.db,
      );
      expect(Number(rows[0]!.n)).toBe(Object.keys(migrations).length);
    } finally {
      await Promise.all(processes.map((p) => p.close()));
    }
  });

  it("a migration waits while another process holds the migration lock", async () => {
    const url = await emptyDatabase();
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    const me = connectDatabase(url, { max: 3 });
    try {
      // Another process is migrating: it holds the lock migrateAll takes.
      const key = String(MIGRATION_LOCK);
      await other.query("select pg_advisory_lock($1)", [key]);
      let settled = false;
      const running = migrateAll(me.db, me.pool).finally(() => (settled = true));
      await waitForLockWaiter(other, key);
      expect(settled).toBe(false);
      expect(await tableExists(other, "kysely_migration")).toBe(false);
      await other.query("select pg_advisory_unlock($1)", [key]);
      expect((await running).length).toBe(Object.keys(migrations).length);
    } finally {
      await other.end();
      await me.close();
    }
  });
});

async function waitForLockWaiter(client: pg.Client, key: string) {
  for (;;) {
    const { rows } = await client.query(
      "select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted and objid = $1::bigint",
      [key],
    );
    if (rows[0].n > 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function tableExists(client: pg.Client, table: string): Promise<boolean> {
  const { rows } = await client.query("select to_regclass($1) is not null as exists", [table]);
  return rows[0].exists;
}
