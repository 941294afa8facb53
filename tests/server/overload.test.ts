import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { connectDatabase, type DatabaseHandle } from "../../db/connection";
import { isDatabaseUnavailable } from "../../db/unavailable";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { closeTestApps, startTestApp, type TestApp } from "../support/http-app";
import { borrowerWithLink } from "../support/links";

/**
 * Issue #17 item 13, through the real Express app: when the database falls behind, the web answers
 * 503 with Retry-After instead of queueing without end or hanging. The group commit's queue is bounded
 * (GROUP_COMMIT_MAX_WAITING), and every statement of the web pool has a statement_timeout.
 */
let t: TestDatabase;
let slow: DatabaseHandle;
let app: TestApp;
let timed: TestApp;
const MAX_WAITING = 2;

beforeAll(async () => {
  vi.stubEnv("GROUP_COMMIT_MAX_WAITING", String(MAX_WAITING));
  t = await createTestDatabase();
  slow = connectDatabase(t.url, { max: 4, statementTimeoutMs: 300 });
  app = await startTestApp(t.db);
  timed = await startTestApp(slow.db);
});
afterAll(async () => {
  await app?.close();
  await timed?.close();
  await closeTestApps();
  await slow?.close();
  await t?.destroy();
  vi.unstubAllEnvs();
});

/** Holds the link's row locked in a transaction of its own, so every open of it waits, until released. */
async function lockLink(linkId: string) {
  const client = await t.pool.connect();
  await client.query("begin");
  await client.query("select id from short_links where id = $1 for update", [linkId]);
  let released: Promise<void> | undefined;
  return () => (released ??= client.query("commit").then(() => client.release()));
}

async function waitingOnLocks(count: number) {
  for (const deadline = Date.now() + 20_000; Date.now() < deadline;) {
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'
    `.execute(t.db);
    if (rows[0]!.n >= count) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`fewer than ${count} statements waiting on the lock`);
}

const get = (base: string, path: string) =>
  fetch(base + path).then(async (r) => ({
    status: r.status,
    retryAfter: r.headers.get("retry-after"),
    body: await r.text(),
  }));

describe("the group commit's queue is bounded", () => {
  it("answers 503 with Retry-After once MAX_WAITING opens wait behind two batches the database holds, and serves the rest when it catches up", async () => {
    const { link } = await borrowerWithLink(t.db);
    const release = await lockLink(link.id);
    const path = `/r/${link.code}`;
    // Two batches in flight (the landing's maxInFlight), each stuck on the lock ...
    const inFlight = [get(app.base, path)];
    await waitingOnLocks(1);
    inFlight.push(get(app.base, path));
    await waitingOnLocks(2);
    // ... then MAX_WAITING queue, and the rest are refused at once.
    const queued = Array.from({ length: MAX_WAITING }, () => get(app.base, path));
    const refused = await Promise.all(Array.from({ length: 3 }, () => get(app.base, path)));
    for (const answer of refused) {
      expect(answer.status).toBe(503);
      expect(answer.retryAfter).toBe("5");
    }
    await release();
    const served = await Promise.all([...inFlight, ...queued]);
    expect(served.map((a) => a.status)).toEqual(Array(2 + MAX_WAITING).fill(200));
  });
});

describe("statement_timeout", () => {
  it("cancels a statement of a pool that runs past it (57014, counted as unavailable); a pool without one waits", async () => {
    const error = await sql`select pg_sleep(2)`.execute(slow.db).catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe("57014");
    expect(isDatabaseUnavailable(error)).toBe(true);
    await expect(sql`select pg_sleep(0.4)`.execute(t.db)).resolves.toBeDefined();
  });

  it("a page whose statement is held past the web pool's timeout answers 503 with Retry-After, not a hang", async () => {
    const { link } = await borrowerWithLink(t.db);
    const release = await lockLink(link.id);
    // Without the timeout the open would wait for the lock: released after 3 s, it would answer 200.
    const timer = setTimeout(() => void release(), 3_000);
    const started = performance.now();
    const answer = await get(timed.base, `/r/${link.code}`);
    const ms = performance.now() - started;
    clearTimeout(timer);
    await release();
    expect(answer.status).toBe(503);
    expect(answer.retryAfter).toBe("5");
    expect(ms).toBeLessThan(2_500);
  });
});
