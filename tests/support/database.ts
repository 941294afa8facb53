import { inject } from "vitest";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { connectDatabase, type DatabaseHandle } from "../../db/connection";

export interface TestDatabase {
  db: DatabaseHandle["db"];
  pool: DatabaseHandle["pool"];
  url: string;
  destroy(): Promise<void>;
}

/** A fresh, fully migrated database of its own, cloned from the run's template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = inject("pgAdminUrl");
  const template = inject("pgTemplate");
  const name = `settle_test_${randomBytes(6).toString("hex")}`;
  await adminQuery(
    adminUrl,
    (c) => `create database ${c.escapeIdentifier(name)} template ${c.escapeIdentifier(template)}`,
  );
  const url = adminUrl.replace(/\/postgres$/, `/${name}`);
  const handle = connectDatabase(url);
  return {
    db: handle.db,
    pool: handle.pool,
    url,
    async destroy() {
      await handle.close();
      await adminQuery(adminUrl, (c) => `drop database if exists ${c.escapeIdentifier(name)} with (force)`);
    },
  };
}

async function adminQuery(adminUrl: string, build: (c: pg.Client) => string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(build(client));
  } finally {
    await client.end();
  }
}
