import { fork, type ChildProcess } from "node:child_process";
import http from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { sql, type Kysely } from "kysely";
import type { Database } from "../../db/schema";
import { runSchedule } from "../../app/engine/planner.server";
import { addSmsSendJobs, SMS_SEND_BATCH } from "../../app/messaging/outbound-sms.server";

const here = dirname(fileURLToPath(import.meta.url));

export interface DispatchResult {
  sent: number;
  notSent: number;
  byStatus: Record<string, number>;
  ms: number;
  perSec: number;
  duplicates: number;
  stubDuplicates: number;
  stubRequests: number;
  baselinePerSec: number;
  concurrencyPerProcess: number;
  textsPerJob: number;
}

/**
 * Two dispatcher processes drain `count` queued texts (one per borrower, so the
 * send-time re-decision agrees with the planner's) to an HTTP provider stub, in
 * `sms:send` batch jobs as the planner queues them (addSmsSendJobs).
 * Duplicates: messages with more than one `sent` status event, and message ids
 * the stub received more than once. Baseline: the same two processes and job
 * queue with a no-op task, i.e. the queue's own ceiling on this machine.
 * Env: BENCH_DISPATCH_CONCURRENCY (jobs at once per process, default 8);
 * BENCH_CPU_PROF=<dir> writes a CPU profile of each dispatcher process (node --cpu-prof).
 */
export async function measureDispatcher(opts: {
  db: Kysely<Database>;
  url: string;
  now: Date;
  count: number;
  children: ChildProcess[];
}): Promise<DispatchResult> {
  const { db } = opts;
  const concurrency = Number(process.env.BENCH_DISPATCH_CONCURRENCY ?? 8);
  const received = new Map<string, number>();
  let stubRequests = 0;
  const stub = http.createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      stubRequests += 1;
      const { messageId } = JSON.parse(body) as { messageId: string };
      received.set(messageId, (received.get(messageId) ?? 0) + 1);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ sid: `SM${messageId.replace(/-/g, "")}` }));
    });
  });
  stub.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => stub.listen(0, "127.0.0.1", r));
  const stubUrl = `http://127.0.0.1:${(stub.address() as { port: number }).port}`;

  // `--only dispatcher`: nothing is queued until the planner has run, so run it here.
  const queued = await sql<{ n: string }>`select count(*) as n from messages where status = 'queued'`.execute(
    db,
  );
  if (Number(queued.rows[0]!.n) < opts.count) await runSchedule(db, { now: opts.now });

  // Only the chosen texts have jobs: the planner's other jobs are dropped (bench database only).
  await sql`delete from graphile_worker._private_jobs`.execute(db);
  await sql`create table bench_dispatch (id uuid primary key)`.execute(db);
  await sql`insert into bench_dispatch (id)
    select id from (select distinct on (borrower_id) id from messages where status = 'queued' order by borrower_id, id) m
    order by id limit ${opts.count}`.execute(db);
  const chosen = Number(
    (await sql<{ n: string }>`select count(*) as n from bench_dispatch`.execute(db)).rows[0]!.n,
  );

  // Baseline: the same runners with a no-op task.
  const baselineMs = await drain(
    opts,
    stubUrl,
    concurrency,
    true,
    async () => {
      await sql`select count(*) from graphile_worker.add_jobs(array(
        select row('sms:send', json_build_object('messageId', 'noop'), null, null, 8, null, null, null)::graphile_worker.job_spec
        from generate_series(1, ${chosen}::int)))`.execute(db);
    },
    async () =>
      Number(
        (await sql<{ n: string }>`select count(*) as n from graphile_worker._private_jobs`.execute(db))
          .rows[0]!.n,
      ),
  );

  // The texts' jobs as the planner adds them (addSmsSendJobs: batch jobs of SMS_SEND_BATCH texts).
  const ids = (await sql<{ id: string }>`select id from bench_dispatch order by id`.execute(db)).rows.map(
    (r) => r.id,
  );
  const ms = await drain(
    opts,
    stubUrl,
    concurrency,
    false,
    async () => {
      await db.transaction().execute((trx) =>
        addSmsSendJobs(
          trx,
          ids.map((messageId) => ({ messageId, runAt: opts.now })),
        ),
      );
    },
    async () => {
      // Polled every 50 ms: the job count is cheap (a job completes only after its texts are recorded);
      // the join over the chosen texts (costly Postgres work the workers would compete with) runs once it is 0.
      const jobs = Number(
        (await sql<{ n: string }>`select count(*) as n from graphile_worker._private_jobs`.execute(db))
          .rows[0]!.n,
      );
      if (jobs > 0) return jobs;
      return Number(
        (
          await sql<{
            n: string;
          }>`select count(*) as n from bench_dispatch b join messages m on m.id = b.id where m.status in ('queued', 'sending')`.execute(
            db,
          )
        ).rows[0]!.n,
      );
    },
  );
  stub.close();

  const statuses = await sql<{
    status: string;
    n: string;
  }>`select m.status, count(*) as n from bench_dispatch b join messages m on m.id = b.id group by m.status`.execute(
    db,
  );
  const byStatus = Object.fromEntries(statuses.rows.map((r) => [r.status, Number(r.n)]));
  const dup = await sql<{ n: string }>`select count(*) as n from (
      select e.message_id from message_status_events e join bench_dispatch b on b.id = e.message_id
      where e.status = 'sent' group by e.message_id having count(*) > 1) d`.execute(db);
  const sent = (byStatus.sent ?? 0) + (byStatus.delivered ?? 0);
  return {
    sent,
    notSent: chosen - sent,
    byStatus,
    ms: Math.round(ms),
    perSec: Math.round(sent / (ms / 1000)),
    duplicates: Number(dup.rows[0]!.n),
    stubDuplicates: [...received.values()].filter((n) => n > 1).length,
    stubRequests,
    baselinePerSec: Math.round(chosen / (baselineMs / 1000)),
    concurrencyPerProcess: concurrency,
    textsPerJob: SMS_SEND_BATCH,
  };
}

/** Starts two worker processes, enqueues, and times until `remaining()` reaches 0 (or 5 minutes pass). */
async function drain(
  opts: { url: string; now: Date; children: ChildProcess[] },
  stubUrl: string,
  concurrency: number,
  noop: boolean,
  enqueue: () => Promise<void>,
  remaining: () => Promise<number>,
): Promise<number> {
  const workers = [0, 1].map(() =>
    fork(join(here, "dispatch-worker.ts"), [], {
      execArgv: [
        "--import",
        "tsx",
        ...(process.env.BENCH_CPU_PROF && !noop
          ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
          : []),
      ],
      env: {
        ...process.env,
        DATABASE_URL: opts.url,
        BENCH_STUB_URL: stubUrl,
        BENCH_NOW: opts.now.toISOString(),
        BENCH_CONCURRENCY: String(concurrency),
        BENCH_NOOP: noop ? "1" : "0",
        LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    }),
  );
  opts.children.push(...workers);
  await Promise.all(workers.map((w) => new Promise<void>((r) => w.once("message", () => r()))));
  const t = performance.now();
  await enqueue();
  const deadline = Date.now() + 5 * 60_000;
  while ((await remaining()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const ms = performance.now() - t;
  await Promise.all(
    workers.map(
      (w) =>
        new Promise<void>((r) => {
          w.once("exit", () => r());
          w.send({ stop: true });
        }),
    ),
  );
  return ms;
}
