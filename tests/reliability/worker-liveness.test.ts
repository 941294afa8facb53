import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWorkerLiveness } from "../../app/worker/liveness.server";
import { createTestDatabase, type TestDatabase } from "../support/database";

/** The liveness sweep frees jobs of dead workers only: never a live one's, never within the grace period. */

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.destroy());

async function lockedJob(workerId: string, lockedAgo: string): Promise<string> {
  const job = await sql<{
    id: string;
  }>`select id from graphile_worker.add_job('sessions:prune', '{}'::json)`.execute(t.db);
  const id = job.rows[0]!.id;
  await sql`update graphile_worker._private_jobs set locked_by = ${workerId}, locked_at = now() - ${lockedAgo}::interval where id = ${id}`.execute(
    t.db,
  );
  return id;
}

async function lockedBy(id: string): Promise<string | null> {
  return (
    await sql<{
      locked_by: string | null;
    }>`select locked_by from graphile_worker._private_jobs where id = ${id}`.execute(t.db)
  ).rows[0]!.locked_by;
}

describe("worker liveness", () => {
  it("releases a dead worker's jobs and leaves live and recent ones alone", async () => {
    const otherProcess = createWorkerLiveness(t.pool, { graceMs: 0, sweepMs: 60_000 });
    const sweeper = createWorkerLiveness(t.pool, { graceMs: 5_000, sweepMs: 60_000 });
    try {
      otherProcess.register("worker-alive");
      await otherProcess.sweep(); // waits for its lock session
      await new Promise((r) => setTimeout(r, 50));
      const live = await lockedJob("worker-alive", "1 hour");
      const dead = await lockedJob("worker-dead", "1 hour");
      const recent = await lockedJob("worker-just-started", "1 second");

      expect(await sweeper.sweep()).toEqual(["worker-dead"]);
      expect(await lockedBy(dead)).toBeNull();
      expect(await lockedBy(live)).toBe("worker-alive");
      expect(await lockedBy(recent)).toBe("worker-just-started");

      // The sweep's own probing left no lock behind: when the live process ends, its worker is seen as dead.
      await otherProcess.close();
      await new Promise((r) => setTimeout(r, 100));
      expect(await sweeper.sweep()).toEqual(["worker-alive"]);
      expect(await lockedBy(live)).toBeNull();
    } finally {
      await otherProcess.close();
      await sweeper.close();
    }
  });

  it("a process stopped while its workers still register leaves no connection checked out", async () => {
    // A SIGTERM right after start-up: the locks of the last workers to register are still queued when the
    // liveness closes. A connection they took afterwards was never released, so pool.end() never
    // resolved and the worker hung until its shutdown timeout (tests/deploy/deploy.test.ts).
    // (No try/finally: ending a pool with a connection out would hang the test instead of failing it.)
    const pool = new pg.Pool({ connectionString: t.url, max: 4 });
    const liveness = createWorkerLiveness(pool, { sweepMs: 60_000 });
    for (const id of ["w1", "w2", "w3", "w4"]) liveness.register(id);
    await liveness.close();
    await new Promise((r) => setTimeout(r, 200)); // what was queued has run by now
    expect(pool.totalCount - pool.idleCount).toBe(0);
    await pool.end();
  });
});
