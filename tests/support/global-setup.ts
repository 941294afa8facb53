import type { TestProject } from "vitest/node";
import { mkdtempSync, rmSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmbeddedPostgres, ensureDatabase } from "../../db/embedded";
import { connectDatabase } from "../../db/connection";
import { migrateAll } from "../../db/migrate";
import { freePort } from "./free-port";

export const TEMPLATE_DATABASE = "settle_template";

declare module "vitest" {
  export interface ProvidedContext {
    pgAdminUrl: string;
    pgTemplate: string;
  }
}

/**
 * One real PostgreSQL for the whole run. The schema is migrated once into a
 * template database; every test file clones it (CREATE DATABASE ... TEMPLATE),
 * which takes milliseconds and isolates files from each other.
 */
export default async function setup(project: TestProject) {
  const root = mkdtempSync(join(tmpdir(), "settle-test-pg-"));
  chmodSync(root, 0o755);
  const server = await startEmbeddedPostgres({
    dataDir: join(root, "data"),
    port: await freePort(),
    persistent: false,
  });
  await ensureDatabase(server.adminUrl, TEMPLATE_DATABASE);
  const handle = connectDatabase(server.urlFor(TEMPLATE_DATABASE));
  try {
    await migrateAll(handle.db, handle.pool);
  } finally {
    await handle.close();
  }
  project.provide("pgAdminUrl", server.adminUrl);
  project.provide("pgTemplate", TEMPLATE_DATABASE);
  return async () => {
    await server.stop();
    rmSync(root, { recursive: true, force: true });
  };
}
