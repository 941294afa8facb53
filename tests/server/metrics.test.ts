import { readFileSync } from "node:fs";
import type { Server } from "node:http";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as MetricsServerModule from "../../app/server/metrics.server";
import type * as TasksModule from "../../app/worker/tasks.server";
import { connectDatabase } from "../../db/connection";
import { loadConfig } from "../../app/platform/config.server";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { freePort } from "../support/free-port";
import { closeTestApps, loadAppModule, startTestApp, type TestApp } from "../support/http-app";
import { borrowerWithLink } from "../support/links";
import { insertMessage } from "../support/builders";
import { startTestWorker } from "../support/worker";

/**
 * Issue #24 item 2: the Prometheus endpoint, scraped as Prometheus does, on its own port (METRICS_PORT),
 * after real requests through the app and real jobs through graphile-worker; the public port never
 * answers /metrics, in production or not.
 */
let t: TestDatabase;
let app: TestApp;
let production: TestApp;
let metricsServer: Server;
let metricsBase: string;

beforeAll(async () => {
  t = await createTestDatabase();
  app = await startTestApp(t.db);
  production = await startTestApp(t.db, { production: true });
  const { serveMetrics } = await loadAppModule<typeof MetricsServerModule>("/app/server/metrics.server.ts");
  const port = await freePort();
  metricsServer = await serveMetrics(port, "127.0.0.1", { db: t.db, pools: { web: t.pool } });
  metricsBase = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  await new Promise((resolve) => metricsServer?.close(resolve));
  await app?.close();
  await production?.close();
  await closeTestApps();
  await t?.destroy();
});

const scrape = async () => {
  const res = await fetch(`${metricsBase}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/plain");
  return res.text();
};

/** A sample's value, by metric name and the labels it must have. */
function sample(body: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = body
    .split("\n")
    .find((l) =>
      l.startsWith(`${name}{`) || l.startsWith(`${name} `) ? wanted.every((w) => l.includes(w)) : false,
    );
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
}

async function runJobsUntilEmpty() {
  const { createTaskList } = await loadAppModule<typeof TasksModule>("/app/worker/tasks.server.ts");
  const runner = await startTestWorker(t.pool, createTaskList(t.db));
  try {
    for (const deadline = Date.now() + 15_000; Date.now() < deadline;) {
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from graphile_worker._private_jobs
        where (run_at <= now() and attempts < max_attempts) or locked_at is not null`.execute(t.db);
      if (rows[0]!.n === 0) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error("jobs did not finish");
  } finally {
    await runner.stop();
  }
}

describe("/metrics", () => {
  it("is not served on the public port, in production or development", async () => {
    for (const server of [production, app]) {
      const res = await fetch(`${server.base}/metrics`);
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain("settle_");
    }
  });

  it("counts requests by route pattern (never the code), the job queue by task, the pools and the process", async () => {
    const { link } = await borrowerWithLink(t.db);
    for (let i = 0; i < 2; i++) expect((await fetch(`${app.base}/r/${link.code}`)).status).toBe(200);
    expect((await fetch(`${app.base}/webhooks/stripe`, { method: "POST", body: "{}" })).status).toBe(400);
    // A guard's refusal (a cross-site form post) is counted too, under the route it aimed at.
    const crossSite = { Origin: "https://evil.example", "Sec-Fetch-Site": "cross-site" };
    expect((await fetch(`${app.base}/locale`, { method: "POST", headers: crossSite })).status).toBe(403);
    const body = await scrape();
    expect(body).not.toContain(link.code);
    const landing = { route: "/r/:code", method: "GET", status: "200" };
    expect(sample(body, "settle_http_request_duration_seconds_count", landing)).toBe(2);
    expect(sample(body, "settle_http_request_duration_seconds_bucket", { ...landing, le: "+Inf" })).toBe(2);
    expect(
      sample(body, "settle_http_request_duration_seconds_count", {
        route: "/locale",
        method: "POST",
        status: "403",
      }),
    ).toBe(1);
    expect(
      sample(body, "settle_stripe_webhook_events_total", { type: "unverified", result: "missing signature" }),
    ).toBe(1);
    // The first open queued its audit job: waiting, for a moment now.
    expect(sample(body, "settle_jobs", { task: "audit:link-opened", state: "ready" })).toBe(1);
    expect(
      sample(body, "settle_job_oldest_ready_age_seconds", { task: "audit:link-opened" }),
    ).toBeGreaterThan(0);
    expect(sample(body, "settle_db_pool_connections", { pool: "web", state: "total" })).toBeGreaterThan(0);
    expect(sample(body, "settle_process_resident_memory_bytes")).toBeGreaterThan(0);
  });

  it("every series the alert rules (deploy/prometheus/alerts.yml) name is one Settle exports", async () => {
    const rules = readFileSync("deploy/prometheus/alerts.yml", "utf8");
    const named = new Set(
      [...rules.matchAll(/\bsettle_[a-z0-9_]+/g)].map((m) => m[0].replace(/_(bucket|count|sum)$/, "")),
    );
    expect(named.size).toBeGreaterThan(5);
    const body = await scrape();
    for (const name of named) expect(body, name).toContain(`# TYPE ${name} `);
  });

  it("counts texts by provider and outcome, schedule decisions by reason and jobs by task once the worker ran them", async () => {
    const { account } = await borrowerWithLink(t.db);
    const text = await insertMessage(t.db, account, { provider: "outbox", template_key: null });
    await sql`select graphile_worker.add_job('sms:send', json_build_array(json_build_object('messageId', ${text.id}::text)))`.execute(
      t.db,
    );
    await runJobsUntilEmpty();
    // The outbox is the phone: its texts are delivered as they are sent.
    const sent = { provider: "outbox", stage: "send", status: "delivered" };
    expect(sample(await scrape(), "settle_sms_total", sent)).toBe(1);
    await sql`select graphile_worker.add_job('schedule:run', '{}'::json)`.execute(t.db);
    await runJobsUntilEmpty();
    const body = await scrape();
    const decisions = body
      .split("\n")
      .filter((l) => l.startsWith("settle_schedule_decisions_total{"))
      .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(" ") + 1)), 0);
    expect(decisions).toBe(2); // both borrowers' accounts were decided
    expect(sample(body, "settle_job_duration_seconds_count", { task: "schedule:run", result: "ok" })).toBe(1);
    expect(sample(body, "settle_jobs", { task: "audit:link-opened", state: "ready" })).toBeUndefined();
  });
});

describe("/metrics without the database", () => {
  it("still answers, with the pools' and the process's figures and without the queue's", async () => {
    const { serveMetrics } = await loadAppModule<typeof MetricsServerModule>("/app/server/metrics.server.ts");
    const unreachable = connectDatabase("postgres://settle@127.0.0.1:1/settle", { max: 1 });
    const port = await freePort();
    const server = await serveMetrics(port, "127.0.0.1", {
      db: unreachable.db,
      pools: { web: unreachable.pool },
    });
    try {
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(res.status).toBe(200);
      const body = await res.text();
      expect(sample(body, "settle_db_pool_connections", { pool: "web", state: "waiting" })).toBe(0);
      expect(sample(body, "settle_process_resident_memory_bytes")).toBeGreaterThan(0);
      expect(sample(body, "settle_jobs")).toBeUndefined();
    } finally {
      await new Promise((resolve) => server.close(resolve));
      await unreachable.close();
    }
  });
});

describe("METRICS_PORT", () => {
  it("is refused when it is the public port", () => {
    expect(() => loadConfig({ NODE_ENV: "development", PORT: "3000", METRICS_PORT: "3000" })).toThrow(
      /METRICS_PORT: must differ from PORT/,
    );
    expect(loadConfig({ NODE_ENV: "development", METRICS_PORT: "9464" })).toMatchObject({
      METRICS_PORT: 9464,
      METRICS_HOST: "127.0.0.1",
    });
  });
});
