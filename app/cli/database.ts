import { join } from "node:path";
import { sql } from "kysely";
import { connectDatabase, type DatabaseHandle } from "../../db/connection";
import { seedDemoIntoEmptyDatabase } from "../demo/seed-empty.server";
import type { Config } from "../platform/config.server";
import {
  analyzeAsOwner,
  prepareDatabase,
  provisionDatabase,
  type ProvisionedDatabase,
} from "../server/database.server";

/** The database a command runs against, and what opening it did (a line for the user, or null). */
export interface OpenedDatabase {
  handle: DatabaseHandle;
  provisioned: ProvisionedDatabase;
  notice: string | null;
  close(): Promise<void>;
}

/** The database could not be provisioned, reached, migrated or seeded: an expected failure, told in one line. */
export class DatabaseOpenError extends Error {}

/**
 * Opens the database as `npm run dev` does (app/server/main.ts), so a command works on a fresh clone:
 * the embedded PostgreSQL in SETTLE_DATA_DIR/pg is started (created on first use) unless DATABASE_URL
 * is set, then migrated, and the embedded one gets the demo data where dev would seed it. An external
 * DATABASE_URL is never seeded here: an operator's shell may lack NODE_ENV=production, and demo
 * borrowers must not reach a real book by accident (`demo:seed` does it on purpose).
 * `migrate: false` only provisions and connects (db:migrate applies the migrations itself, to report them).
 */
export async function openDatabase(cfg: Config, opts: { migrate: boolean }): Promise<OpenedDatabase> {
  let provisioned: ProvisionedDatabase | undefined;
  let handle: DatabaseHandle | undefined;
  try {
    provisioned = await provisionDatabase(cfg);
    handle = connectDatabase(provisioned.url);
    await sql`select 1`.execute(handle.db);
    const notice = opts.migrate ? await prepare(handle, provisioned, cfg) : null;
    return { handle, provisioned, notice, close: closer(handle, provisioned) };
  } catch (error) {
    await closer(handle, provisioned)().catch(() => {
      // The failure being reported matters more than one in tidying up after it.
    });
    throw new DatabaseOpenError(`Could not open ${describe(cfg)}: ${oneLine(error)}`, { cause: error });
  }
}

async function prepare(
  handle: DatabaseHandle,
  provisioned: ProvisionedDatabase,
  cfg: Config,
): Promise<string | null> {
  // Migrations as the schema owner, then the application's role granted (app/server/database.server.ts).
  const applied = await prepareDatabase(provisioned, handle, { production: cfg.isProduction });
  const seeded = provisioned.embedded ? await seedDemoIntoEmptyDatabase(handle.db, cfg) : null;
  if (seeded) await analyzeAsOwner(provisioned, handle);
  const done = [
    applied.length ? `${applied.length} migrations applied` : "",
    seeded
      ? `demo data seeded (${seeded.borrowers} borrowers, ${seeded.history} more with a 60-day history, ${seeded.staff} staff)`
      : "",
  ].filter(Boolean);
  return done.length ? `Prepared ${describe(cfg)}: ${done.join("; ")}.` : null;
}

function closer(handle: DatabaseHandle | undefined, provisioned: ProvisionedDatabase | undefined) {
  return async () => {
    await handle?.close();
    await provisioned?.stop();
  };
}

function describe(cfg: Config): string {
  return cfg.DATABASE_URL
    ? "the database at DATABASE_URL"
    : `the embedded PostgreSQL in ${join(cfg.SETTLE_DATA_DIR, "pg")}`;
}

/** An error as one line: its message, or its first cause's (a refused connection is a message-less AggregateError). */
export function oneLine(error: unknown): string {
  if (error instanceof AggregateError && !error.message && error.errors.length)
    return oneLine(error.errors[0]);
  const text = error instanceof Error ? error.message || error.name : String(error);
  return text.replace(/\s*\n\s*/g, " ");
}
