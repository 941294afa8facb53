import { Logger, run, type Runner } from "graphile-worker";
import type pg from "pg";
import type { Kysely } from "kysely";
import type { Database } from "../../db/schema";
import { logger } from "../services/logger.server";
import { CRONTAB, createTaskList } from "./tasks.server";

const workerLogger = new Logger((scope) => (level, message, meta) => {
  const log = logger.child({ worker: scope.label ?? "worker", task: scope.taskIdentifier, job: scope.jobId });
  const fn = level === "error" ? log.error : level === "warning" ? log.warn : level === "debug" ? log.debug : log.info;
  fn.call(log, meta ?? {}, message);
});

/** Starts graphile-worker on the given pool (it installs its own schema on first run). */
export async function startWorker(opts: { pool: pg.Pool; db: Kysely<Database>; concurrency?: number }): Promise<Runner> {
  return run({
    pgPool: opts.pool,
    concurrency: opts.concurrency ?? 4,
    noHandleSignals: true,
    pollInterval: 1_000,
    taskList: createTaskList(opts.db),
    crontab: CRONTAB,
    logger: workerLogger,
  });
}
