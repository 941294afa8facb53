import { EventEmitter } from "node:events";
import { Logger, run, type Runner, type WorkerEvents } from "graphile-worker";
import type pg from "pg";
import type { Kysely } from "kysely";
import type { Database } from "../../db/schema";
import { config } from "../platform/config.server";
import { errorFields, logger } from "../platform/logger.server";
import { currentRequestId, payloadRequestId } from "../platform/request-context.server";
import { createWorkerLiveness, type WorkerLivenessOptions } from "./liveness.server";
import { CRONTAB, createTaskList } from "./tasks.server";

/**
 * graphile-worker's lines through our logger, one child per scope. A line about a job (started, completed,
 * failed) names the job by id and carries the request id its payload holds, never the payload itself; lines
 * a task writes while it runs get the request id from the job's context (job-context.server.ts).
 */
export const workerLogger = new Logger((scope) => (level, message, meta) => {
  const log = logger.child({ worker: scope.label ?? "worker", task: scope.taskIdentifier, job: scope.jobId });
  const fn =
    level === "error" ? log.error : level === "warning" ? log.warn : level === "debug" ? log.debug : log.info;
  fn.call(log, jobFields(meta, scope.jobId === undefined), message);
});

function jobFields(meta: Record<string, unknown> | undefined, nameJob: boolean): Record<string, unknown> {
  if (!meta) return {};
  const { job, error, ...rest } = meta as {
    job?: { id?: string; task_identifier?: string; payload?: unknown };
    error?: unknown;
  };
  const reqId = job && !currentRequestId() ? payloadRequestId(job.payload) : undefined;
  return {
    ...rest,
    ...(job && nameJob ? { task: job.task_identifier, job: job.id } : {}),
    ...(reqId ? { reqId } : {}),
    ...(error === undefined ? {} : { err: errorFields(error) }),
  };
}

/**
 * Starts graphile-worker on the given pool (it installs its own schema on first run).
 * Its workers advertise liveness, and jobs left locked by dead worker processes
 * are put back in the queue at start-up and periodically (see liveness.server.ts).
 */
export async function startWorker(opts: {
  pool: pg.Pool;
  db: Kysely<Database>;
  concurrency?: number;
  liveness?: WorkerLivenessOptions;
}): Promise<Runner> {
  const liveness = createWorkerLiveness(opts.pool, opts.liveness);
  const events: WorkerEvents = new EventEmitter();
  events.on("worker:create", ({ worker }) => liveness.register(worker.workerId));
  let runner: Runner;
  try {
    runner = await run({
      pgPool: opts.pool,
      concurrency: opts.concurrency ?? config().WORKER_CONCURRENCY,
      noHandleSignals: true,
      pollInterval: 1_000,
      // Completions and failures through graphile-worker's batcher (flushed at once, delay 0), because a
      // graceful stop waits for the batcher: unbatched, the completion of a job that finished during the
      // drain was sent without being awaited and lost when the process exited, leaving the job locked to a
      // dead worker until liveness handed it back (tests/reliability/multi-process.test.ts).
      preset: { worker: { completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
      taskList: createTaskList(opts.db),
      crontab: CRONTAB,
      logger: workerLogger,
      events,
    });
  } catch (error) {
    await liveness.close();
    throw error;
  }
  void runner.promise.finally(() => liveness.close()).catch(() => undefined);
  await liveness
    .sweep()
    .catch((error) =>
      logger.warn(
        { err: error instanceof Error ? error.message : String(error) },
        "worker liveness sweep failed",
      ),
    );
  return runner;
}
