/**
 * `npm run dev` / `npm start`: one process that provisions Postgres (embedded
 * unless DATABASE_URL is set), migrates, seeds demo data into an empty
 * database, and runs the web server and/or the job worker (ROLE).
 */
import type { Server } from "node:http";
import { connectDatabase } from "../../db/connection";
import { isDatabaseEmpty, seedDemoData } from "../demo/seed.server";
import { seedDemoStaff } from "../demo/staff.server";
import { ConfigError, config } from "../platform/config.server";
import { stripeConfig } from "../payments/stripe-config.server";
import { startStripeTestDouble, type StripeTestDouble } from "../payments/stripe-test-double.server";
import { errorFields, logger } from "../platform/logger.server";
import { startWorker } from "../worker/worker.server";
import { prepareDatabase, provisionDatabase } from "./database.server";
import { createHttpApp } from "./http.server";
import { demoBanner } from "../demo/banner.server";

async function main() {
  const bootStarted = performance.now();
  const cfg = config();
  stripeConfig(); // validated at start-up like the rest of the configuration
  const database = await provisionDatabase(cfg);
  const handle = connectDatabase(database.url, {
    max: 20,
    onError: (err) => logger.warn({ err: err.message }, "idle database client error"),
  });

  const applied = await prepareDatabase(database, handle, { production: cfg.isProduction });
  if (applied.length) logger.info({ applied }, "migrations applied");

  const shouldSeed = cfg.SEED_DEMO === "always" || (cfg.SEED_DEMO === "auto" && !cfg.isProduction);
  if (shouldSeed && (await isDatabaseEmpty(handle.db))) {
    const seeded = await seedDemoData(handle.db, { verificationHashKey: cfg.verificationHashKey });
    logger.info(seeded, "demo data seeded");
  }
  if (shouldSeed) {
    const staff = await seedDemoStaff(handle.db);
    if (staff.staff) logger.info(staff, "demo staff seeded");
  }

  const runner = cfg.ROLE === "web" ? null : await startWorker({ pool: handle.pool, db: handle.db });

  let server: Server | null = null;
  let closeHttp = async () => {};
  let stripeDouble: StripeTestDouble | null = null;
  if (cfg.ROLE !== "worker") {
    stripeDouble = await maybeStartStripeTestDouble(cfg);
    const http = await createHttpApp({
      db: handle.db,
      production: cfg.isProduction,
      publicBaseUrl: cfg.publicBaseUrl,
      formActionOrigins: stripeDouble ? [stripeDouble.url] : [],
    });
    closeHttp = http.close;
    server = await new Promise<Server>((resolve) => {
      const s = http.app.listen(cfg.PORT, cfg.HOST, () => resolve(s));
    });
    server.keepAliveTimeout = 65_000;
  }

  const readyMs = Math.round(performance.now() - bootStarted);
  logger.info(
    { port: cfg.PORT, role: cfg.ROLE, embeddedPostgres: database.embedded, readyMs },
    "Settle is ready",
  );
  if (server && !cfg.isProduction) process.stdout.write(await demoBanner(handle.db, cfg));

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    const timer = setTimeout(() => process.exit(1), 10_000).unref();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server?.closeAllConnections();
    await closeHttp();
    await stripeDouble?.close();
    await runner?.stop();
    await handle.close();
    await database.stop();
    clearTimeout(timer);
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}

/** Without STRIPE_SECRET_KEY, payments go to a local Stripe test double (dev and tests only; no money moves). */
async function maybeStartStripeTestDouble(cfg: ReturnType<typeof config>): Promise<StripeTestDouble | null> {
  const stripe = stripeConfig();
  if (!stripe.useTestDouble) return null;
  const loopback = ["localhost", "127.0.0.1", "[::1]"];
  const publicHost = new URL(cfg.publicBaseUrl).hostname;
  const appHost = cfg.HOST === "0.0.0.0" || cfg.HOST === "::" ? "127.0.0.1" : cfg.HOST;
  const double = await startStripeTestDouble({
    port: stripe.testDoublePort,
    appBaseUrl: `http://${appHost.includes(":") ? `[${appHost}]` : appHost}:${cfg.PORT}`,
    webhookSecret: stripe.webhookSecret,
    // Same host name as the portal, so the return trip keeps the SameSite session cookie.
    publicOrigin: `http://${loopback.includes(publicHost) ? publicHost : "127.0.0.1"}:${stripe.testDoublePort}`,
  });
  logger.warn(
    { url: double.url },
    "STRIPE_SECRET_KEY is not set: payments go to the local Stripe test double (no money moves)",
  );
  return double;
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    logger.fatal({ err: errorFields(error) }, "failed to start");
  }
  process.exit(1);
});
