import { defineConfig, devices } from "@playwright/test";
import { existsSync } from "node:fs";

const PORT = Number(process.env.E2E_PORT ?? 3107);
export const PG_PORT = Number(process.env.E2E_PG_PORT ?? 54339);
const systemChromium = "/usr/bin/chromium";
const STRIPE_DOUBLE_PORT = PORT + 1000;

/** The app's settings, which the Stripe test double reads too (where it delivers webhooks). */
const serverEnv = {
  NODE_ENV: "production",
  PORT: String(PORT),
  HOST: "127.0.0.1",
  PUBLIC_BASE_URL: `http://127.0.0.1:${PORT}`,
  SETTLE_DATA_DIR: `.data/e2e-${PORT}`,
  STRIPE_TEST_DOUBLE_PORT: String(STRIPE_DOUBLE_PORT),
  STRIPE_SECRET_KEY: "",
  EMBEDDED_PG_PORT: String(PG_PORT),
  SETTLE_ALLOW_DEV_SECRETS: "1",
  // The browser connects directly: no proxy's X-Forwarded-For to believe.
  TRUST_PROXY: "false",
  LOG_LEVEL: "warn",
  DATABASE_URL: "",
  // Wallets and FPS are offered by market (HKD and CNY accounts only): the journeys see both sides.
  STRIPE_PAYMENT_METHODS: "card,alipay,wechat_pay",
  FPS_ID: "1234567",
};

// Test code that renders SMS links (e.g. the planner) must point them at the e2e server.
process.env.PUBLIC_BASE_URL = `http://127.0.0.1:${PORT}`;
// The test code reads the app's configuration (link and TOTP keys), which needs an explicit mode; it shares
// the dev keys the server runs on (SETTLE_ALLOW_DEV_SECRETS).
process.env.NODE_ENV ??= "test";

// Debian's Chromium when present (no browser downloads on this network); Playwright's own otherwise.
const launchOptions = existsSync(systemChromium)
  ? {
      executablePath: systemChromium,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
      ],
    }
  : {};

export default defineConfig({
  testDir: "tests/e2e",
  fullyParallel: true,
  forbidOnly: true,
  retries: 0,
  workers: 2,
  timeout: 30_000,
  reporter: [["list"], ["json", { outputFile: "tests/.results/playwright.json" }]],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    // A failed test keeps its trace (DOM snapshots of every step); the screencast behind the trace's
    // filmstrip is recorded for every test, failed or not, and costs CPU the tests need.
    trace: { mode: "retain-on-failure", screenshots: false },
    launchOptions,
  },
  projects: [{ name: "mobile-chromium", use: { ...devices["Pixel 7"], launchOptions } }],
  webServer: [
    {
      // A production build on its own throwaway embedded Postgres, seeded with the demo data.
      // Demo data cannot be seeded in production: the CLI seeds the fresh embedded database in development
      // mode first (demo borrowers and staff together, into the empty database), then production starts
      // exactly as `npm start` does (package.json).
      command: `rm -rf .data/e2e-${PORT} && NODE_ENV=development npm run settle -- demo:seed && npm start`,
      url: `http://127.0.0.1:${PORT}/readyz`,
      reuseExistingServer: false,
      timeout: 120_000,
      stdout: "ignore",
      stderr: "pipe",
      env: serverEnv,
    },
    {
      // No STRIPE_SECRET_KEY: payments go to the local Stripe test double, a process of its own (production
      // builds never contain it), on a port of its own per e2e server.
      command: "npm run stripe:double",
      url: `http://127.0.0.1:${STRIPE_DOUBLE_PORT}/health`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: "ignore",
      stderr: "pipe",
      env: serverEnv,
    },
  ],
});
