import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { sql } from "kysely";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { insertAccount, insertBorrower } from "../support/builders";
import { addSmsSendJobs } from "../../app/messaging/outbound-sms.server";
import { alive, waitFor } from "../support/processes";

/**
 * Texts queued the way the planner and queueSms queue them: `sms:send` batch jobs of up to
 * 100 texts (addSmsSendJobs), each job's texts claimed, sent and recorded together. SIGKILL
 * the worker process (its own pid, not the tsx wrapper's) in the middle of
 * 10,000 texts, start another: every text is sent exactly once. With the outbox provider the send and its
 * record are one transaction, so a killed send rolls back and is sent by the
 * next worker; nothing is in doubt. The jobs the dead worker had locked come
 * back through the liveness sweep (app/worker/liveness.server.ts), not after
 * graphile-worker's 4-hour lock timeout.
 */

const TOTAL = 10_000;
const CHILD = fileURLToPath(new URL("./worker-child.ts", import.meta.url));
const TSX = fileURLToPath(new URL("../../node_modules/.bin/tsx", import.meta.url));

let t: TestDatabase;
const children: ChildProcess[] = [];
// The worker's own pid (it prints `ready <pid>`): `tsx` runs the script in a child process of its
// own, and SIGKILL to the tsx wrapper would leave that worker running.
const workerPids: number[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
});
afterEach(() => {
  for (const pid of workerPids) if (alive(pid)) process.kill(pid, "SIGKILL");
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});
afterAll(async () => t?.destroy());

function startChild(): Promise<number> {
  const child = spawn(TSX, [CHILD], {
    env: {
      ...process.env,
      DATABASE_URL: t.url,
      SMS_PROVIDER: "outbox",
      LOG_LEVEL: "error",
      NODE_ENV: "test",
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const ready = /ready (\d+)/.exec(out);
      if (ready) {
        workerPids.push(Number(ready[1]));
        resolve(Number(ready[1]));
      }
    });
    child.once("exit", (code, signal) => reject(new Error(`worker exited early (${code ?? signal})`)));
  });
}

async function sentCount(borrowerId: string): Promise<number> {
  const row = await t.db
    .selectFrom("messages")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("borrower_id", "=", borrowerId)
    .where("status", "in", ["sent", "delivered"])
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe("a worker killed in the middle of batch jobs", () => {
  it("sends every one of 10,000 texts exactly once after a restart", { timeout: 240_000 }, async () => {
    const borrower = await insertBorrower(t.db);
    const account = await insertAccount(t.db, { borrower_id: borrower.id });
    const ids = (
      await sql<{ id: string }>`
        insert into messages (borrower_id, account_id, direction, channel, template_key, body, to_address, provider, status)
        select ${borrower.id}, ${account.id}, 'outbound', 'sms', 'confirmation.promise', 'Batch text ' || g, '+85291234567', 'outbox', 'queued'
          from generate_series(1, ${TOTAL}) g
        returning id`.execute(t.db)
    ).rows.map((r) => r.id);
    const now = new Date();
    await t.db.transaction().execute((trx) =>
      addSmsSendJobs(
        trx,
        ids.map((messageId) => ({ messageId, runAt: now })),
      ),
    );
    const jobs = await sql<{
      n: string;
    }>`select count(*) as n from graphile_worker._private_jobs where json_typeof(payload) = 'array'`.execute(
      t.db,
    );
    expect(Number(jobs.rows[0]!.n)).toBe(TOTAL / 100);

    const first = await startChild();
    await waitFor(async () => (await sentCount(borrower.id)) >= TOTAL / 2, 90_000, "half the batch");
    process.kill(first, "SIGKILL");
    await waitFor(async () => !alive(first), 10_000, "the worker process to die");
    const atKill = await sentCount(borrower.id);
    expect(atKill).toBeLessThan(TOTAL);

    // Jobs the dead worker held are still locked to it: only liveness brings them back.
    const stranded = await sql<{
      n: string;
    }>`select count(*) as n from graphile_worker._private_jobs where locked_by is not null`.execute(t.db);
    expect(Number(stranded.rows[0]!.n)).toBeGreaterThan(0);

    await startChild();
    await waitFor(
      async () => {
        const left = await sql<{
          n: string;
        }>`select count(*) as n from graphile_worker._private_jobs where task_id = (select id from graphile_worker._private_tasks where identifier = 'sms:send')`.execute(
          t.db,
        );
        return Number(left.rows[0]!.n) === 0;
      },
      150_000,
      "the queue to drain",
    );

    const statuses = await t.db
      .selectFrom("messages")
      .select(["status", (eb) => eb.fn.countAll<string>().as("n")])
      .where("borrower_id", "=", borrower.id)
      .groupBy("status")
      .execute();
    expect(Object.fromEntries(statuses.map((s) => [s.status, Number(s.n)]))).toEqual({ delivered: TOTAL }); // the outbox provider reports delivery at once

    const perMessage = await sql<{ sends: number; n: string }>`
      select sends, count(*) as n from (
        select m.id, count(e.id) filter (where e.status = 'sent')::int as sends
          from messages m left join message_status_events e on e.message_id = m.id
         where m.borrower_id = ${borrower.id}
         group by m.id
      ) per group by sends`.execute(t.db);
    expect(perMessage.rows.map((r) => ({ sends: r.sends, n: Number(r.n) }))).toEqual([
      { sends: 1, n: TOTAL },
    ]);
  });
});
