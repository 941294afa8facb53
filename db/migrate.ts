import { Logger, runMigrations } from "graphile-worker";
import { Migrator, type Kysely, type MigrationResultSet } from "kysely";
import type pg from "pg";
import { migrations } from "./migrations/index";

/** Migrations are imported statically so the same list works under tsx, Vite and vitest. */
export function createMigrator(db: Kysely<any>) {
  return new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
  });
}

async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  return applied(await createMigrator(db).migrateToLatest());
}

function applied({ error, results }: MigrationResultSet): string[] {
  const failed = results?.find((r) => r.status === "Error");
  if (error || failed) {
    const name = failed ? ` in ${failed.migrationName}` : "";
    throw new Error(`Migration failed${name}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}

/** A key of our own for pg_advisory_lock: "settle:migrate". */
export const MIGRATION_LOCK = 0x5e771e00;

/**
 * Our schema plus graphile-worker's (its add_job() is called from our transactions), under one advisory
 * lock: when several processes start together (a deploy's web and worker processes, `db:migrate` beside
 * them), one migrates and the others wait for it, then find nothing left to do. `thenUnderLock` runs before
 * the lock is released: the grants, since two sessions granting on one table at once can fail with "tuple
 * concurrently updated" (tests/reliability/multi-process.test.ts starts four processes together).
 */
export async function migrateAll(
  db: Kysely<any>,
  pool: pg.Pool,
  thenUnderLock?: () => Promise<void>,
): Promise<string[]> {
  const lock = await pool.connect();
  try {
    await lock.query("select pg_advisory_lock($1)", [MIGRATION_LOCK]);
    const applied = await migrateToLatest(db);
    await runMigrations({ pgPool: pool, logger: quietLogger });
    await thenUnderLock?.();
    return applied;
  } finally {
    await lock.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK]).catch(() => {});
    lock.release();
  }
}

const quietLogger = new Logger(() => () => {});
