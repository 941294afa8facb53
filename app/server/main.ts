/**
 * The Settle process: provisions Postgres (embedded unless DATABASE_URL is set), migrates, seeds demo data
 * into an empty database, and runs the web server and/or the job worker (ROLE). Its two entries hand it the
 * Remix build: app/server/production.ts (`npm start`, bundled with the routes by Vite) and app/server/dev.ts
 * (`npm run dev`, which loads this module through Vite's dev server). Either way the routes, the fast paths
 * and the database modules are one module graph.
 */
import type { Server } from "node:http";
import type { ServerBuild } from "@remix-run/node";
import type express from "express";
import { connectDatabase } from "../../db/connection";
import { seedDemoIntoEmptyDatabase } from "../demo/seed-empty.server";
import { ConfigError, config, type Config } from "../platform/config.server";
import { stripeConfig, testDoubleEndpoints } from "../payments/stripe-config.server";
import { errorFields, logger } from "../platform/logger.server";
import { startWorker } from "../worker/worker.server";
import { prepareDatabase, provisionDatabase, type ProvisionedDatabase } from "./database.server";
import { createHttpApp } from "./http.server";
import { serveConfiguredMetrics } from "./metrics.server";
import { demoBanner } from "../demo/banner.server";

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
  const database = await provisionDatabase(cfg);
  await prepare(database, cfg);
  const { web, worker } = connectRolePools(database.url, cfg);

  const runner = worker ? await startWorker({ pool: worker.pool, db: worker.db }) : null;
  const server = web ? await listen(web.db, cfg, runtime) : null;
  const metricsServer = await serveConfiguredMetrics(cfg, { web, worker });
  const readyMs = Math.round(performance.now() - bootStarted);
  logger.info(
    { port: cfg.PORT, role: cfg.ROLE, embeddedPostgres: database.embedded, readyMs },
    "Settle is ready",
  );
  if (web && !cfg.isProduction) process.stdout.write(await demoBanner(web.db, cfg));

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    const timer = setTimeout(() => process.exit(1), 10_000).unref();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server?.closeAllConnections();
    metricsServer?.close();
    await runtime.close?.();
    await runner?.stop();
    await web?.close();
    await worker?.close();
    await database.stop();
    clearTimeout(timer);
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
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
    if (seeded) logger.info(seeded, "demo borrowers and staff seeded");
  } finally {
    await setup.close();
  }
}

/**
 * One pool per role this process plays, each with its statement timeout: a page's statement that runs
 * past DB_STATEMENT_TIMEOUT_MS is cancelled and the page answers 503 rather than holding a connection;
 * the worker's jobs get the longer WORKER_STATEMENT_TIMEOUT_MS.
 */
function connectRolePools(url: string, cfg: Config) {
  const onError = (err: Error) => logger.warn({ err: err.message }, "idle database client error");
  const web =
    cfg.ROLE === "worker"
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
  return server;
}
