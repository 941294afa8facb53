import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { freePort } from "../support/free-port";

/**
 * Issue #24 item 2 under node's cluster module (WEB_CONCURRENCY): one scrape of the primary's
 * METRICS_PORT sees every worker's figures merged, counters summed and the job queue (the same rows,
 * read by every worker) not multiplied by the number of workers.
 */
const CHILD = fileURLToPath(new URL("./cluster-metrics-child.ts", import.meta.url));
const TSX = fileURLToPath(new URL("../../node_modules/.bin/tsx", import.meta.url));

let t: TestDatabase;
let child: ChildProcess | undefined;
let primaryPid = 0;
let port = 0;

beforeAll(async () => {
  t = await createTestDatabase();
  port = await freePort();
  child = spawn(TSX, [CHILD], {
    env: { ...process.env, DATABASE_URL: t.url, METRICS_PORT: String(port), NODE_ENV: "test" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  primaryPid = await new Promise<number>((resolve, reject) => {
    let out = "";
    child!.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const ready = /ready (\d+)/.exec(out);
      if (ready) resolve(Number(ready[1]));
    });
    child!.once("exit", (code, signal) => reject(new Error(`cluster exited early (${code ?? signal})`)));
  });
});
afterAll(async () => {
  if (primaryPid) process.kill(primaryPid, "SIGTERM");
  if (child && child.exitCode === null) await new Promise((resolve) => child!.once("exit", resolve));
  await t?.destroy();
});

const scrape = async () => {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
};

function sample(body: string, series: string): number | undefined {
  const found = body.split("\n").find((l) => l.startsWith(`${series} `));
  return found === undefined ? undefined : Number(found.slice(found.lastIndexOf(" ") + 1));
}

describe("metrics of a cluster", () => {
  it("the primary's scrape sums the workers' requests and pools, and reads the queue once", async () => {
    await sql`select graphile_worker.add_job('bank-event:deliver', '{}'::json)`.execute(t.db);
    const body = await scrape();
    const landing = 'settle_http_request_duration_seconds_count{route="/r/:code",method="GET",status="200"}';
    expect(sample(body, landing)).toBe(2);
    expect(sample(body, 'settle_jobs{task="bank-event:deliver",state="ready"}')).toBe(1);
    // Each worker's pool kept the connection its queue read opened: one each, summed.
    expect(sample(await scrape(), 'settle_db_pool_connections{pool="web",state="total"}')).toBe(2);
  });
});
