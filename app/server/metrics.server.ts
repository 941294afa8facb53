import cluster from "node:cluster";
import { createServer, type Server } from "node:http";
import { sql, type Kysely } from "kysely";
import type pg from "pg";
import { AggregatorRegistry, collectDefaultMetrics, Gauge } from "prom-client";
import type { Database } from "../../db/schema";
import { errorFields, logger } from "../platform/logger.server";
import { metrics } from "../platform/metrics.server";

/**
 * GET /metrics (Prometheus text format) on METRICS_PORT, a port of its own: the public port never answers
 * it (docs/decisions/015-metrics-on-a-separate-port.md). Besides the counters the features keep
 * (app/platform/metrics.server.ts), a scrape reads the job queue from Postgres, the pools' use and the
 * process's own figures (heap, event loop delay, GC).
 */
export interface MetricsSources {
  /** Where the job queue is read (any of the process's handles). */
  db: Kysely<Database>;
  /** The process's pools, by role. */
  pools: Record<string, pg.Pool>;
}

export async function serveMetrics(port: number, host: string, from: MetricsSources): Promise<Server> {
  registerScrapeGauges(from);
  return listen(port, host, () => metrics.metrics(), metrics.contentType);
}

/**
 * Under node's cluster module (several web processes behind one port) the primary serves the metrics:
 * its workers' registries merged (prom-client's AggregatorRegistry: counters and histograms summed, the
 * queue's gauges by max), so every scrape sees the whole, not whichever worker the connection reached.
 */
export function serveClusterMetrics(port: number, host: string): Promise<Server> {
  const aggregator = new AggregatorRegistry();
  return listen(port, host, () => aggregator.clusterMetrics(), aggregator.contentType);
}

async function listen(port: number, host: string, render: () => Promise<string>, contentType: string) {
  const server = createServer((req, res) => {
    if (req.method !== "GET" || (req.url ?? "").split("?")[0] !== "/metrics") {
      res.writeHead(404, { "Content-Type": "text/plain" }).end("not found\n");
      return;
    }
    render().then(
      (body) => res.writeHead(200, { "Content-Type": contentType }).end(body),
      (error: unknown) => {
        logger.warn({ err: errorFields(error) }, "metrics scrape failed");
        res.writeHead(500, { "Content-Type": "text/plain" }).end("scrape failed\n");
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  logger.info({ port, host }, "metrics served");
  return server;
}

let sources: MetricsSources | null = null;

/** The gauges read at scrape time, registered once per process, reading the latest sources. */
function registerScrapeGauges(latest: MetricsSources) {
  const first = sources === null;
  sources = latest;
  if (!first) return;
  collectDefaultMetrics({ register: metrics, prefix: "settle_" });
  new Gauge({
    name: "settle_db_pool_connections",
    help: "Postgres pool connections by pool and state (total, idle, waiting: queries waiting for one)",
    labelNames: ["pool", "state"] as const,
    registers: [metrics],
    collect() {
      this.reset();
      for (const [name, pool] of Object.entries(sources?.pools ?? {})) {
        this.set({ pool: name, state: "total" }, pool.totalCount);
        this.set({ pool: name, state: "idle" }, pool.idleCount);
        this.set({ pool: name, state: "waiting" }, pool.waitingCount);
      }
    },
  });
  registerQueueGauges(() => sources!.db);
}

interface QueueRow {
  task: string;
  ready: number;
  scheduled: number;
  running: number;
  failed: number;
  oldest_ready_seconds: number | null;
}

/** The job queue by task: how many jobs wait, run, are due later or gave up, and how long the oldest due one has waited. */
function registerQueueGauges(db: () => Kysely<Database>) {
  let latest: Promise<QueueRow[]> | null = null;
  // One query per scrape, shared by the two gauges (prom-client collects them together): the read is shared
  // while it is in flight and never after, so a scrape never shows an earlier scrape's queue. Without the
  // database the scrape still answers (the pools' and the process's figures matter most then), without the
  // queue's series.
  const read = () =>
    (latest ??= queueByTask(db())
      .catch((error: unknown) => {
        logger.warn({ err: errorFields(error) }, "metrics: job queue not read");
        return [];
      })
      .finally(() => (latest = null)));
  new Gauge({
    name: "settle_jobs",
    help: "graphile-worker jobs by task and state (ready: due and waiting for a worker; scheduled: due later; running; failed: out of attempts)",
    labelNames: ["task", "state"] as const,
    registers: [metrics],
    aggregator: "max", // the one queue every process reads: merged processes must not add it up
    async collect() {
      const rows = await read();
      this.reset();
      for (const row of rows)
        for (const state of ["ready", "scheduled", "running", "failed"] as const)
          this.set({ task: row.task, state }, row[state]);
    },
  });
  new Gauge({
    name: "settle_job_oldest_ready_age_seconds",
    help: "How long the oldest due job of each task has waited for a worker (0: none waiting)",
    labelNames: ["task"] as const,
    registers: [metrics],
    aggregator: "max", // the one queue every process reads: merged processes must not add it up
    async collect() {
      const rows = await read();
      this.reset();
      for (const row of rows) this.set({ task: row.task }, row.oldest_ready_seconds ?? 0);
    },
  });
}

async function queueByTask(db: Kysely<Database>): Promise<QueueRow[]> {
  const { rows } = await sql<QueueRow>`
    select t.identifier as task,
      count(*) filter (where j.locked_at is null and j.attempts < j.max_attempts and j.run_at <= now())::int as ready,
      count(*) filter (where j.locked_at is null and j.attempts < j.max_attempts and j.run_at > now())::int as scheduled,
      count(*) filter (where j.locked_at is not null)::int as running,
      count(*) filter (where j.locked_at is null and j.attempts >= j.max_attempts)::int as failed,
      extract(epoch from now() - min(j.run_at) filter (
        where j.locked_at is null and j.attempts < j.max_attempts and j.run_at <= now()))::float8 as oldest_ready_seconds
    from graphile_worker._private_jobs j
    join graphile_worker._private_tasks t on t.id = j.task_id
    group by t.identifier`.execute(db);
  return rows;
}

type Handle = { db: Kysely<Database>; pool: pg.Pool } | null;

/**
 * main.ts's one call: serves the metrics when METRICS_PORT is set, reading the pools this process holds.
 * A cluster worker only keeps its figures for the primary to gather (serveClusterMetrics).
 */
export async function serveConfiguredMetrics(
  cfg: { METRICS_PORT?: number; METRICS_HOST: string },
  handles: { web: Handle; worker: Handle },
  /** This process is a primary that forked web processes (WEB_CONCURRENCY > 1). */
  forkedWeb = false,
): Promise<Server | null> {
  // The web processes' figures, merged. A primary that also runs the job worker (ROLE=all) leaves its own
  // out: run workers as processes of their own (ROLE=worker, each with its METRICS_PORT) when clustering.
  if (cfg.METRICS_PORT && forkedWeb) return serveClusterMetrics(cfg.METRICS_PORT, cfg.METRICS_HOST);
  const db = handles.web?.db ?? handles.worker?.db;
  if (!cfg.METRICS_PORT || !db) return null;
  const pools: Record<string, pg.Pool> = {};
  if (handles.web) pools.web = handles.web.pool;
  if (handles.worker) pools.worker = handles.worker.pool;
  if (cluster.isWorker) {
    // The primary serves the port (serveClusterMetrics) and asks each worker for its registry.
    registerScrapeGauges({ db, pools });
    new AggregatorRegistry(); // its constructor is what makes a worker answer the primary's requests
    AggregatorRegistry.setRegistries([metrics]);
    return null;
  }
  return serveMetrics(cfg.METRICS_PORT, cfg.METRICS_HOST, { db, pools });
}
