import type pg from "pg";
import { logger } from "../platform/logger.server";

/**
 * Recovering jobs from a worker process that died (SIGKILL, OOM, lost host).
 *
 * graphile-worker 0.17 locks a job to a worker id when it fetches it and only
 * hands it to another worker after the lock is 4 hours old; it has no
 * heartbeat. Settle gives every worker id a liveness signal: a session-level
 * advisory lock on (namespace, hashtext(workerId)) held on one dedicated
 * connection for as long as the process lives. When a process dies, Postgres
 * ends its session and the advisory locks go with it. A sweep (at start-up and
 * every `sweepMs`) looks at the worker ids holding jobs for longer than
 * `graceMs`, tries each one's advisory lock from a pool connection: if it can
 * take it, nobody holds it, so that worker is dead and
 * `graphile_worker.force_unlock_workers` puts its jobs back in the queue at
 * once. The grace period covers the instant between a worker's creation and
 * its lock being taken. A hash collision can only make a dead worker look
 * alive (its jobs then wait for graphile-worker's own 4-hour reset), never the
 * reverse. Re-running an unlocked job is safe: `sms:send` locks the message
 * row and sends only a `queued` message (see dispatchSms).
 */
const LIVENESS_NAMESPACE = 0x5e771e; // advisory lock classid reserved for worker liveness

export interface WorkerLivenessOptions {
  /** A job must have been locked this long before its worker can be declared dead. */
  graceMs?: number;
  /** How often to sweep. */
  sweepMs?: number;
}

export interface WorkerLiveness {
  register(workerId: string): void;
  sweep(): Promise<string[]>;
  close(): Promise<void>;
}

export function createWorkerLiveness(pool: pg.Pool, opts: WorkerLivenessOptions = {}): WorkerLiveness {
  const graceMs = opts.graceMs ?? 60_000;
  const sweepMs = opts.sweepMs ?? 30_000;
  const ids = new Set<string>();
  let holder: pg.PoolClient | null = null;
  let connecting: Promise<pg.PoolClient> | null = null;
  let closed = false;
  let dropHolder = () => {};

  // One session holds every lock of this process; if it breaks (Postgres restart), the next sweep re-takes them.
  async function ensureHolder(): Promise<pg.PoolClient> {
    if (holder) return holder;
    connecting ??= (async () => {
      const client = await pool.connect();
      let released = false;
      const drop = () => {
        if (holder === client) holder = null;
        if (!released) client.release(true);
        released = true;
      };
      client.on("error", drop);
      dropHolder = drop;
      try {
        for (const id of ids)
          await client.query("select pg_advisory_lock($1, hashtext($2))", [LIVENESS_NAMESPACE, id]);
      } catch (error) {
        drop();
        throw error;
      }
      holder = client;
      return client;
    })().finally(() => {
      connecting = null;
    });
    return connecting;
  }

  // One query at a time on the holding connection (pg deprecates overlapping queries on one client):
  // workers of a pool start together, so their locks are taken in turn.
  let holding: Promise<void> = Promise.resolve();
  function hold(workerId: string): Promise<void> {
    const next = holding.then(async () => {
      // Closed while this worker's lock waited its turn (a stop right after start-up): a session taken now
      // would never be released, and the pool's end would wait for it forever.
      if (closed) return;
      const client = await ensureHolder();
      if (holder === client && !closed)
        await client.query("select pg_advisory_lock($1, hashtext($2))", [LIVENESS_NAMESPACE, workerId]);
    });
    holding = next.catch(() => {});
    return next;
  }

  async function sweep(): Promise<string[]> {
    if (closed) return [];
    await ensureHolder();
    return releaseDeadWorkers(pool, ids, graceMs);
  }

  const timer = setInterval(() => {
    sweep().catch((error) =>
      logger.warn(
        { err: error instanceof Error ? error.message : String(error) },
        "worker liveness sweep failed",
      ),
    );
  }, sweepMs);
  timer.unref();

  return {
    register(workerId) {
      ids.add(workerId);
      hold(workerId).catch((error) =>
        logger.warn(
          { err: error instanceof Error ? error.message : String(error) },
          "worker liveness lock failed",
        ),
      );
    },
    sweep,
    async close() {
      closed = true;
      clearInterval(timer);
      await holding;
      await connecting?.catch(() => undefined);
      dropHolder(); // ending the session releases its advisory locks
    },
  };
}

/**
 * Finds the worker ids that have held jobs longer than the grace period and whose advisory lock nobody
 * holds (their process is gone), and puts their jobs back in the queue. `ours` are this process's own ids.
 */
async function releaseDeadWorkers(
  pool: pg.Pool,
  ours: ReadonlySet<string>,
  graceMs: number,
): Promise<string[]> {
  const client = await pool.connect();
  try {
    const { rows } = await client.query<{ locked_by: string }>(
      `select locked_by from (
         select distinct locked_by from graphile_worker._private_jobs
          where locked_by is not null and locked_at < now() - make_interval(secs => $2::double precision / 1000)
         union
         select distinct locked_by from graphile_worker._private_job_queues
          where locked_by is not null and locked_at < now() - make_interval(secs => $2::double precision / 1000)
       ) held
       where pg_try_advisory_lock($1, hashtext(locked_by))`,
      [LIVENESS_NAMESPACE, graceMs],
    );
    const dead = rows.map((r) => r.locked_by).filter((id) => !ours.has(id));
    for (const r of rows)
      await client.query("select pg_advisory_unlock($1, hashtext($2))", [LIVENESS_NAMESPACE, r.locked_by]);
    if (dead.length) {
      await client.query("select graphile_worker.force_unlock_workers($1::text[])", [dead]);
      logger.warn({ workers: dead.length }, "released jobs held by dead workers");
    }
    return dead;
  } finally {
    client.release();
  }
}
