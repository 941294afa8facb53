import { Logger, run, type Runner, type TaskList } from "graphile-worker";
import type pg from "pg";

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
