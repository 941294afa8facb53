import { fork, type ChildProcess } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { sql, type Kysely } from "kysely";
import type { Database } from "../../db/schema";
import { addSmsSendJobs } from "../../app/messaging/outbound-sms.server";
import type { Measure } from "./report";

const here = dirname(fileURLToPath(import.meta.url));

/**
 * Sender pacing at its configured rate (docs/product-rules.md §4.22): two worker processes run the real
 * `sms:send` jobs for `count` queued texts (one per borrower) with SMS_SENDER_RATES set to `rate` for
 * the default sender, sending to the development provider (the outbox, its calls timed in each process).
 * Reports the achieved rate over the run and the busiest one-second window against the configured rate,
 * duplicates (a text given to the provider twice, or with two `sent` events) and texts not sent.
 * Env: BENCH_PACING_RATE (texts a second, default 200).
 */
export async function measurePacing(opts: {
  db: Kysely<Database>;
  url: string;
  count: number;
  children: ChildProcess[];
  log: (line: string) => void;
}): Promise<Measure> {
  const { db, count } = opts;
  const rate = Number(process.env.BENCH_PACING_RATE ?? 200);
  const ids = await chooseTexts(db, count);
  opts.log(`pacing: ${ids.length} texts at ${rate}/s for the default sender, two worker processes, outbox`);
  const epoch = Date.now();
  const workers = [0, 1].map(() =>
    fork(join(here, "dispatch-worker.ts"), [], {
      execArgv: ["--import", "tsx"],
      env: {
        ...process.env,
        DATABASE_URL: opts.url,
        BENCH_NOW: new Date(epoch).toISOString(), // the real clock
        BENCH_EPOCH: String(epoch),
        BENCH_PROVIDER: "outbox",
        BENCH_STUB_URL: "http://127.0.0.1:9", // unused: the outbox is the provider
        BENCH_CONCURRENCY: "8",
        BENCH_NOOP: "0",
        SMS_SENDER_RATES: JSON.stringify({ default: rate }),
        LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    }),
  );
  opts.children.push(...workers);
  await Promise.all(
    workers.map(
      (w) =>
        new Promise<void>((ready, failed) => {
          w.once("message", () => ready());
          w.once("exit", (code) => failed(new Error(`pacing worker exited (${code}) before it was ready`)));
        }),
    ),
  );
  await db.transaction().execute((trx) =>
    addSmsSendJobs(
      trx,
      ids.map((messageId) => ({ messageId, runAt: new Date() })),
    ),
  );
  const deadline = Date.now() + (count / rate) * 3_000 + 60_000;
  while ((await unsettled(db)) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  const calls = (
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<Array<[string, number]>>((resolve) => {
            w.once("message", (m: { calls: Array<[string, number]> }) => resolve(m.calls));
            w.send({ stop: true });
          }),
      ),
    )
  ).flat();
  return report(db, { ids, calls, rate, log: opts.log });
}

/**
 * `count` queued texts, one per borrower, that need no send-time decision (confirmations), so that the
 * workers can run on the real clock whatever the hour: the sender slots and the jobs' run times are both
 * real instants. Borrowers in HK and CN who take texts (no opt-out notice needed there).
 */
async function chooseTexts(db: Kysely<Database>, count: number): Promise<string[]> {
  // Only the chosen texts have jobs (bench database only).
  await sql`delete from graphile_worker._private_jobs`.execute(db);
  await sql`create table bench_pacing (id uuid primary key)`.execute(db);
  await sql`with chosen as (
      insert into messages (borrower_id, account_id, direction, channel, template_key, locale, body, to_address,
        segments, encoding, provider, status, scheduled_for)
      select b.id, null, 'outbound', 'sms', 'confirmation.promise_made', 'en', 'Settle Bank: thank you, we noted your promise.',
        b.phone_e164, 1, 'GSM-7', 'outbox', 'queued', now()
      from borrowers b left join contact_preferences p on p.borrower_id = b.id
      where b.jurisdiction in ('HK', 'CN') and p.sms_opted_out_at is null and coalesce(p.sms_allowed, true)
      order by b.id limit ${count}
      returning id)
    insert into bench_pacing (id) select id from chosen`.execute(db);
  return (await sql<{ id: string }>`select id from bench_pacing order by id`.execute(db)).rows.map(
    (r) => r.id,
  );
}

async function unsettled(db: Kysely<Database>): Promise<number> {
  const { rows } = await sql<{
    n: number;
  }>`select count(*)::int as n from bench_pacing b join messages m on m.id = b.id
    where m.status in ('queued', 'sending')`.execute(db);
  return rows[0]!.n;
}

async function report(
  db: Kysely<Database>,
  run: { ids: string[]; calls: Array<[string, number]>; rate: number; log: (line: string) => void },
): Promise<Measure> {
  const times = run.calls.map(([, at]) => at).sort((a, b) => a - b);
  let busiest = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= 1_000) j++;
    busiest = Math.max(busiest, i - j + 1);
  }
  const seconds = times.length > 1 ? (times[times.length - 1]! - times[0]!) / 1_000 : 0;
  const achieved = seconds > 0 ? Math.round(((times.length - 1) / seconds) * 10) / 10 : 0;
  const given = new Map<string, number>();
  for (const [id] of run.calls) given.set(id, (given.get(id) ?? 0) + 1);
  const { rows } = await sql<{ sent: number; twice: number; moved: number; missed: number }>`
    select
      (select count(*)::int from bench_pacing b join messages m on m.id = b.id where m.status in ('sent', 'delivered')) as sent,
      (select count(*)::int from (select e.message_id from message_status_events e join bench_pacing b on b.id = e.message_id
        where e.status = 'sent' group by e.message_id having count(*) > 1) d) as twice,
      (select count(*)::int from message_status_events e join bench_pacing b on b.id = e.message_id
        where e.status = 'queued' and e.detail->>'reason' = 'sender_rate') as moved,
      (select count(*)::int from message_status_events e join bench_pacing b on b.id = e.message_id
        where e.status = 'queued' and e.detail->>'reason' = 'sender_slot_missed') as missed`.execute(db);
  const db_ = rows[0]!;
  const duplicates = db_.twice + [...given.values()].filter((n) => n > 1).length;
  const notSent = run.ids.length - db_.sent;
  run.log(
    `pacing: ${db_.sent} sent in ${seconds.toFixed(1)} s = ${achieved}/s against ${run.rate}/s configured, busiest second ${busiest}, duplicates ${duplicates}, not sent ${notSent}`,
  );
  return {
    id: "pacing",
    measure: `Sender pacing: ${run.ids.length.toLocaleString("en")} texts, one sender at ${run.rate}/s, 2 worker processes, development provider (outbox)`,
    result: `${achieved}/s achieved (${(Math.round((achieved / run.rate) * 1_000) / 10).toFixed(1)}% of the rate), busiest second ${busiest} texts; ${duplicates} duplicates, ${notSent} not sent; ${db_.moved.toLocaleString("en")} moves to a later slot, ${db_.missed} slots missed and sent later`,
    budget: `busiest second <= ${run.rate}, 0 duplicates, 0 not sent`,
    baseline: `configured ${run.rate}/s (slots ${(1_000 * 1.02) / run.rate} ms apart: the rate with a 20 ms grace for a late call)`,
    pass: busiest <= run.rate && duplicates === 0 && notSent === 0,
    data: {
      rate: run.rate,
      achieved,
      busiest,
      duplicates,
      notSent,
      sent: db_.sent,
      seconds,
      moved: db_.moved,
      missed: db_.missed,
    },
  };
}
