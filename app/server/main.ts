/**
 * The Settle process: provisions Postgres (embedded unless DATABASE_URL is set), migrates, seeds demo data
 * into an empty database, and runs the web server and/or the job worker (ROLE). Its two entries hand it the
 * Remix build: app/server/production.ts (`npm start`, bundled with the routes by Vite) and app/server/dev.ts
 * (`npm run dev`, which loads this module through Vite's dev server). Either way the routes, the fast paths
 * and the database modules are one module graph. With WEB_CONCURRENCY > 1 this process forks the web
 * processes (web-cluster.server.ts), which run this same entry as cluster workers. SIGTERM drains.
 */
import cluster from "node:cluster";
import type { Server } from "node:http";
import type { ServerBuild } from "@remix-run/node";
import type express from "express";
import { connectDatabase } from "../../db/connection";
import { takeOverShutdownSignals } from "../../db/embedded";
import { seedDemoIntoEmptyDatabase } from "../demo/seed-empty.server";
import { ConfigError, config, type Config } from "../platform/config.server";
import { stripeConfig, testDoubleEndpoints } from "../payments/stripe-config.server";
import { errorFields, logger } from "../platform/logger.server";
import { isDraining, startDraining } from "../platform/health.server";
import { startWorker } from "../worker/worker.server";
import {
  analyzeAsOwner,
  prepareDatabase,
  provisionDatabase,
  type ProvisionedDatabase,
} from "./database.server";
import { createHttpApp } from "./http.server";
import { serveConfiguredMetrics } from "./metrics.server";
import { forkWebProcesses } from "./web-cluster.server";
import { demoBanner } from "../demo/banner.server";
import { pacingConfig } from "../engine/pacing-config.server";

export interface RemixRuntime {
  build: ServerBuild | (() => Promise<ServerBuild>);
  /** Development only: Vite's middlewares, and how to close Vite on shutdown. */
  devMiddlewares?: express.RequestHandler;
  close?: () => Promise<void>;
}

/** Starts the process and stops it cleanly on SIGINT/SIGTERM; a start-up failure exits 1 with one message. */
export function runSettle(runtime: RemixRuntime) {
  start(runtime).catch((error: unknown) => {
    if (error instanceof ConfigError) process.stderr.write(`${error.message}\n`);
    else logger.fatal({ err: errorFields(error) }, "failed to start");
    process.exit(1);
  });
}

async function start(runtime: RemixRuntime) {
  const bootStarted = performance.now();
  const cfg = config();
  stripeConfig(); // validated at start-up like the rest of the configuration
  pacingConfig();
  // A web process forked by a primary (WEB_CONCURRENCY > 1) finds the database provisioned and migrated.
  const database = cluster.isWorker ? forkedDatabase(cfg) : await provisionDatabase(cfg);
  if (cluster.isPrimary) await prepare(database, cfg);
  const forks = cluster.isPrimary && cfg.ROLE !== "worker" && cfg.WEB_CONCURRENCY > 1;
  const { web, worker } = connectRolePools(database.url, cfg, { web: !forks });

  const runner = worker ? await startWorker({ pool: worker.pool, db: worker.db }) : null;
  const server = web ? await listen(web.db, cfg, runtime) : null;
  const metricsServer = await serveConfiguredMetrics(cfg, { web, worker }, forks);
  const webProcesses = forks
    ? forkWebProcesses(cfg.WEB_CONCURRENCY, { ROLE: "web", DATABASE_URL: database.url })
    : null;
  const readyMs = Math.round(performance.now() - bootStarted);
  logger.info(
    { port: cfg.PORT, role: cfg.ROLE, embeddedPostgres: database.embedded, readyMs, pid: process.pid },
    "Settle is ready",
  );
  const firstWebProcess = !cluster.worker || cluster.worker.id === 1;
  if (web && !cfg.isProduction && firstWebProcess) process.stdout.write(await demoBanner(web.db, cfg));

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    startDraining();
    logger.info({ signal }, "draining");
    const timer = setTimeout(() => {
      logger.error({ ms: cfg.SHUTDOWN_TIMEOUT_MS }, "the drain took too long: exiting");
      process.exit(1);
    }, cfg.SHUTDOWN_TIMEOUT_MS).unref();
    await Promise.all([
      server && drainServer(server, cfg.DRAIN_DELAY_MS),
      webProcesses?.close(),
      runner?.stop(), // resolves once the jobs it is running have finished
    ]);
    metricsServer?.close();
    await runtime.close?.();
    await web?.close();
    await worker?.close();
    await database.stop();
    clearTimeout(timer);
    logger.info({ signal }, "drained: exiting");
    process.exit(0);
  };
  takeOverShutdownSignals();
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}

/** A forked web process's database: the URL its primary provisioned, stopped (when embedded) by the primary. */
function forkedDatabase(cfg: Config): ProvisionedDatabase {
  return { url: cfg.DATABASE_URL!, ownerUrl: null, stop: async () => {}, embedded: false };
}

/**
 * Keeps serving for `delayMs` (readyz answers "draining", so the load balancer moves away), then stops
 * accepting and resolves once every request in flight has been answered. Answers from then on carry
 * `Connection: close`, and idle keep-alive connections are closed as they fall idle.
 */
async function drainServer(server: Server, delayMs: number) {
  if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  const sweep = setInterval(() => server.closeIdleConnections(), 100);
  await closed;
  clearInterval(sweep);
}

/**
 * Migrations, grants and the demo data, on a connection of their own without a statement timeout
 * (a migration may legitimately run long), closed before the process serves.
 */
async function prepare(database: ProvisionedDatabase, cfg: Config) {
  const setup = connectDatabase(database.url, { max: 2 });
  try {
    const applied = await prepareDatabase(database, setup, { production: cfg.isProduction });
    if (applied.length) logger.info({ applied }, "migrations applied");
    const seeded = await seedDemoIntoEmptyDatabase(setup.db, cfg);
    if (seeded) {
      await analyzeAsOwner(database, setup);
      logger.info(seeded, "demo borrowers and staff seeded");
    }
  } finally {
    await setup.close();
  }
}

/**
 * One pool per role this process plays, each with its statement timeout: a page's statement that runs
 * past DB_STATEMENT_TIMEOUT_MS is cancelled and the page answers 503 rather than holding a connection;
 * the worker's jobs get the longer WORKER_STATEMENT_TIMEOUT_MS.
 */
function connectRolePools(url: string, cfg: Config, opts: { web: boolean }) {
  const onError = (err: Error) => logger.warn({ err: err.message }, "idle database client error");
  const web =
    cfg.ROLE === "worker" || !opts.web
      ? null
      : connectDatabase(url, { max: 20, onError, statementTimeoutMs: cfg.DB_STATEMENT_TIMEOUT_MS });
  const worker =
    cfg.ROLE === "web"
      ? null
      : connectDatabase(url, { max: 20, onError, statementTimeoutMs: cfg.WORKER_STATEMENT_TIMEOUT_MS });
  return { web, worker };
}

async function listen(db: ReturnType<typeof connectDatabase>["db"], cfg: Config, runtime: RemixRuntime) {
  const stripe = stripeConfig();
  // Without a Stripe key the checkout pages come from the local test double (dev and tests only).
  const double = stripe.useTestDouble ? testDoubleEndpoints(cfg, stripe) : null;
  const app = createHttpApp({
    db,
    production: cfg.isProduction,
    trustProxy: cfg.trustProxy,
    publicBaseUrl: cfg.publicBaseUrl,
    formActionOrigins: double ? [double.publicOrigin] : [],
    build: runtime.build,
    devMiddlewares: runtime.devMiddlewares,
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(cfg.PORT, cfg.HOST, () => resolve(s));
  });
  server.keepAliveTimeout = 65_000;
  // First of the request listeners: a draining process asks each client to reconnect (to another process).
  server.prependListener("request", (_req, res) => {
    if (isDraining()) res.setHeader("Connection", "close");
  });
  return server;
}
