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

/** Our schema plus graphile-worker's (its add_job() is called from our transactions). */
export async function migrateAll(db: Kysely<any>, pool: pg.Pool): Promise<string[]> {
  const applied = await migrateToLatest(db);
  await runMigrations({ pgPool: pool, logger: quietLogger });
  return applied;
}

const quietLogger = new Logger(() => () => {});
