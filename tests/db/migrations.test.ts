import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMigrator } from "../../db/migrate";
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
