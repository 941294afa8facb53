/**
 * `npm run dev`: Vite's dev server loads the whole process (app/server/main.ts) and, per request, the Remix
 * build, so edits reload and every module exists once. Without a Stripe key it also starts the local Stripe
 * test double (tests/mocks/stripe-double.ts), which production never bundles.
 */
import cluster from "node:cluster";
import type { ServerBuild } from "@remix-run/node";
import { createServer } from "vite";
import { ConfigError, config } from "../platform/config.server";
import { stripeConfig, testDoubleEndpoints } from "../payments/stripe-config.server";
import type { runSettle as RunSettle } from "./main";

async function dev() {
  const cfg = config();
  const stripe = stripeConfig();
  // One double per machine: with WEB_CONCURRENCY > 1 the forked web processes run this file too.
  const double =
    stripe.useTestDouble && cluster.isPrimary
      ? await import("../../tests/mocks/stripe-double").then(({ startStripeTestDouble }) =>
          startStripeTestDouble({
            port: stripe.testDoublePort,
            webhookSecret: stripe.webhookSecret,
            ...testDoubleEndpoints(cfg, stripe),
          }),
        )
      : null;
  const vite = await createServer({ server: { middlewareMode: true }, appType: "custom" });
  const { runSettle } = (await vite.ssrLoadModule("/app/server/main.ts")) as { runSettle: typeof RunSettle };
  runSettle({
    build: () => vite.ssrLoadModule("virtual:remix/server-build") as Promise<ServerBuild>,
    devMiddlewares: vite.middlewares,
    close: async () => {
      await double?.close();
      await vite.close();
    },
  });
}

dev().catch((error: unknown) => {
  const message = error instanceof ConfigError ? error.message : error instanceof Error ? error.stack : error;
  process.stderr.write(`${String(message)}\n`);
  process.exit(1);
});
