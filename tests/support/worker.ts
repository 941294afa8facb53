import { Logger, run, type Runner, type TaskList } from "graphile-worker";
import { sql, type Kysely } from "kysely";
import type pg from "pg";
import { expect } from "vitest";
import type { Database } from "../../db/schema";

/**
 * A graphile-worker runner inside the test process, on the test database's pool: two jobs at once,
 * polling every 100 ms, silent unless given a logger, and leaving signals to the test runner. Stop it in
 * the test's cleanup.
 */
export function startTestWorker(pool: pg.Pool, taskList: TaskList, logger?: Logger): Promise<Runner> {
  return run({
    pgPool: pool,
    concurrency: 2,
    pollInterval: 100,
    noHandleSignals: true,
    logger: logger ?? new Logger(() => () => {}),
    taskList,
  });
}

/**
 * Runs a test worker until the job queue is empty, retries included. A failed attempt's retry is made due
 * at once rather than after graphile-worker's backoff: the retry is what such tests check, not the
 * backoff's seconds.
 */
export async function drainJobs(
  t: { pool: pg.Pool; db: Kysely<Database> },
  taskList: TaskList,
  logger?: Logger,
): Promise<void> {
  const runner = await startTestWorker(t.pool, taskList, logger);
  try {
    const remaining = async () => {
      await sql`update graphile_worker._private_jobs set run_at = now() where attempts > 0 and locked_at is null`.execute(
        t.db,
      );
      return (await sql<{ n: number }>`select count(*)::int as n from graphile_worker.jobs`.execute(t.db))
        .rows[0]!.n;
    };
    await expect.poll(remaining, { interval: 100 }).toBe(0);
  } finally {
    await runner.stop();
  }
}
