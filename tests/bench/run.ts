/**
 * `npm run bench` (docs/product-rules.md §12): builds production, starts its own throwaway
 * Postgres, seeds a synthetic book set-based and measures each budget beside a
 * baseline taken in the same run, then writes BENCHMARKS.md and BENCHMARKS.json
 * at the repository root. Benchmarks measure; nothing here is asserted by `npm test`.
 *
 *   npm run bench -- --accounts 100000        (default 1,000,000)
 *   options: --dispatch N (messages for the dispatcher run, default 20,000),
 *            --duration S (seconds per HTTP run, default 10), --no-build (reuse ./build),
 *            --only planner,dispatcher,http (run a subset; the report then holds only those measures),
 *            --profile DIR (the HTTP web process writes a V8 CPU profile into DIR)
 *            --only also takes pacing (--pacing N texts, default 3,000, through the sender pacing at
 *              BENCH_PACING_RATE a second, default 200: tests/bench/pacing.ts), import (`settle import` of an --accounts-row CSV, BENCH_IMPORT_CPU_PROF=DIR profiles it),
 *            and outcomes (a 60-day history, then the dashboard's outcome queries timed: tests/bench/outcomes.ts),
 *            --import-repeat (import the same file a second time: every row unchanged)
 *            --pg-stats (load pg_stat_statements and log the costliest statements of the planner and of each HTTP load)
 *            --without nothing,group-commit,random-pool,gzip-segments,prepared-statements (the page loads
 *              again in a web process without each optimisation; a row per optimisation with the change)
 */
process.env.LOG_LEVEL ??= "warn";
// The bench process itself (seeding, link codes, the planner) runs as development; the web process it
// measures runs as production (tests/bench/http.ts).
process.env.NODE_ENV ??= "development";
process.env.SETTLE_ALLOW_DEV_SECRETS ??= "1";

import { execFileSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { sql, type Kysely } from "kysely";
import type { Database } from "../../db/schema";
import { connectDatabase } from "../../db/connection";
import { ensureDatabase, ensureLoginRole, startEmbeddedPostgres } from "../../db/embedded";
import { migrateAll } from "../../db/migrate";
import { runSchedule } from "../../app/engine/planner.server";
import { freePort } from "../support/free-port";
import { seedBook } from "./seed";
import { measureDispatcher } from "./dispatcher";
import { machineCpuMs, measureHttp, stealPercent, type WithoutVariant } from "./http";
import { SWITCHABLE } from "../../db/bench-switches";
import { measureImport } from "./import";
import { writeReport, type Measure } from "./report";
import { measureOutcomes } from "./outcomes";
import { measurePacing } from "./pacing";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const n = Number(String(process.argv[i + 1]).replace(/[_,]/g, ""));
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} needs a positive integer`);
  return n;
}

function stringArg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const value = process.argv[i + 1];
  if (!value || value.startsWith("--")) throw new Error(`--${name} needs a value`);
  return resolve(value);
}

const PARTS = ["planner", "dispatcher", "pacing", "http", "import", "outcomes"] as const;
type Part = (typeof PARTS)[number];

function onlyParts(): Set<Part> {
  const i = process.argv.indexOf("--only");
  if (i < 0) return new Set(PARTS);
  const parts = String(process.argv[i + 1] ?? "")
    .split(",")
    .filter(Boolean);
  const unknown = parts.filter((p) => !(PARTS as readonly string[]).includes(p));
  if (parts.length === 0 || unknown.length > 0)
    throw new Error(`--only takes a comma-separated subset of ${PARTS.join(",")}`);
  return new Set(parts as Part[]);
}

/**
 * `--without a,b`: the page loads again in a web process without each optimisation. The runtime ones are
 * switched off by SETTLE_BENCH_WITHOUT (db/bench-switches.ts).
 */
function withoutVariants(): WithoutVariant[] {
  const i = process.argv.indexOf("--without");
  if (i < 0) return [];
  const names = String(process.argv[i + 1] ?? "")
    .split(",")
    .filter(Boolean);
  const known = [...SWITCHABLE, "nothing"] as const;
  const unknown = names.filter((n) => !(known as readonly string[]).includes(n));
  if (names.length === 0 || unknown.length > 0)
    throw new Error(`--without takes a comma-separated subset of ${known.join(",")}`);
  return names.map((name) => {
    // "nothing" is the control: a second web process with every optimisation, so the rows' changes can be
    // read against the run-to-run noise of the same loads.
    if (name === "nothing") return { name };
    return { name, env: { SETTLE_BENCH_WITHOUT: name } };
  });
}

/**
 * The statements that took the most Postgres time since the last reset (--pg-stats), and the updates
 * per table with how many were HOT (no index entries written: the row's page had room), then reset.
 */
async function logStatementStats(db: Kysely<Database>, log: (line: string) => void, label: string) {
  const top = await sql<{ query: string; calls: string; rows: string; total_ms: number }>`
    select left(regexp_replace(query, '[[:space:]]+', ' ', 'g'), 140) as query, calls, rows, round(total_exec_time)::float8 as total_ms
      from pg_stat_statements order by total_exec_time desc limit 15`.execute(db);
  log(`${label}: Postgres time by statement (pg_stat_statements, top 15)`);
  for (const r of top.rows)
    log(
      `  ${String(r.total_ms).padStart(8)} ms ${String(r.calls).padStart(7)} calls ${String(r.rows).padStart(9)} rows  ${r.query}`,
    );
  // Table counters reach the view when a backend reports them (at the latest about a second after its last transaction).
  await new Promise((done) => setTimeout(done, 1_500));
  const updates = await sql<{ relname: string; n_tup_upd: string; n_tup_hot_upd: string }>`
    select relname, n_tup_upd, n_tup_hot_upd from pg_stat_user_tables where n_tup_upd > 0 order by n_tup_upd desc limit 8`.execute(
    db,
  );
  if (updates.rows.length)
    log(
      `${label}: rows updated (HOT): ${updates.rows.map((r) => `${r.relname} ${r.n_tup_upd} (${r.n_tup_hot_upd})`).join(", ")}`,
    );
  await sql`select pg_stat_statements_reset(), pg_stat_reset()`.execute(db);
}

async function decisionRows(db: Kysely<Database>): Promise<number> {
  const { rows } = await sql<{ n: string }>`select count(*) as n from contact_decisions`.execute(db);
  return Number(rows[0]!.n);
}

const log = (msg: string) => process.stdout.write(`[bench] ${msg}\n`);
const seconds = (ms: number) => Math.round(ms) / 1000;

/** The planner's clock: 03:00 UTC (11:00 in Hong Kong and Shanghai, night in London and New York), today or yesterday. */
function plannerNow(): Date {
  const d = new Date();
  const at = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), 3, 0, 0));
  if (at > d) at.setUTCDate(at.getUTCDate() - 1);
  return at;
}

const ratio = (a: number, b: number) => Math.round((100 * a) / b) / 100;

/**
 * The planner over the whole book beside its baseline (the same number of decision rows written by one
 * INSERT ... SELECT, then removed), with the bench process's peak RSS while it ran (sampled every 50 ms).
 */
async function timedPlanner(db: Kysely<Database>, now: Date) {
  let t = performance.now();
  await sql`insert into contact_decisions (run_id, account_id, decided_at, action, reason, stage, act_at, detail)
      select gen_random_uuid(), id, ${now}, 'defer', 'baseline', null, ${now}, '{}'::jsonb from accounts`.execute(
    db,
  );
  const baselineMs = performance.now() - t;
  await sql`truncate contact_decisions`.execute(db);
  await sql`vacuum analyze contact_decisions`.execute(db);
  log(`planner baseline (INSERT ... SELECT): ${seconds(baselineMs)} s`);
  log("planner: runSchedule over the whole book");
  const startRss = process.memoryUsage.rss();
  let peakRss = startRss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 50);
  t = performance.now();
  const cpuBefore = { node: process.cpuUsage(), machine: machineCpuMs() };
  const run = await runSchedule(db, { now }).finally(() => clearInterval(sampler));
  const plannerMs = performance.now() - t;
  const nodeCpu = process.cpuUsage(cpuBefore.node);
  const machineAfter = machineCpuMs();
  const plannerStealPct = stealPercent(cpuBefore.machine, machineAfter, plannerMs, os.cpus().length);
  log(
    `planner CPU: node ${seconds((nodeCpu.user + nodeCpu.system) / 1000)} s, whole machine busy ${seconds(machineAfter.busy - cpuBefore.machine.busy)} s of ${seconds(plannerMs * os.cpus().length)} s (${os.cpus().length} cores x wall), stolen by the hypervisor ${plannerStealPct}%`,
  );
  const mb = (bytes: number) => Math.round(bytes / 1_048_576);
  return {
    baselineMs,
    plannerMs,
    run,
    plannerStealPct,
    peakRssMb: `${mb(peakRss)} (+${mb(peakRss - startRss)} during the run)`,
  };
}

/**
 * The planner on a larger book of its own (a fresh database, seeded the same way), against the main run's:
 * time per account should stay flat as the book grows (issue #24 item 6).
 */
async function plannerAtScale(
  server: { adminUrl: string; urlFor: (db: string) => string },
  opts: { accounts: number; now: Date; today: string; reference: { accounts: number; ms: number } },
): Promise<Measure> {
  await ensureDatabase(server.adminUrl, "settle_bench_scale");
  const handle = connectDatabase(server.urlFor("settle_bench_scale"), { max: 8 });
  try {
    await migrateAll(handle.db, handle.pool);
    log(
      `planner at scale: seeding ${opts.accounts.toLocaleString("en")} accounts in a database of their own`,
    );
    const seeded = performance.now();
    await seedBook(handle.db, { accounts: opts.accounts, today: opts.today });
    await sql`vacuum analyze`.execute(handle.db);
    log(`seeded in ${seconds(performance.now() - seeded)} s`);
    const { baselineMs, plannerMs, run, plannerStealPct, peakRssMb } = await timedPlanner(
      handle.db,
      opts.now,
    );
    const perAccount = plannerMs / opts.accounts;
    const referencePerAccount = opts.reference.ms / opts.reference.accounts;
    const growth = ratio(perAccount, referencePerAccount);
    log(
      `planner at ${opts.accounts}: ${seconds(plannerMs)} s, ${growth}x the time per account at ${opts.reference.accounts}`,
    );
    return {
      id: "planner_scale",
      measure: `Planner: ${opts.accounts.toLocaleString("en")} accounts (a book of their own), against the run above`,
      result: `${seconds(plannerMs)} s (${run.queued.toLocaleString("en")} texts queued, ${Math.round(run.decided / (plannerMs / 1000)).toLocaleString("en")} accounts/s, ${ratio(plannerMs, baselineMs)}x the baseline; time per account ${growth}x the ${opts.reference.accounts.toLocaleString("en")}-account run's; bench process peak RSS ${peakRssMb} MB; the hypervisor stole ${plannerStealPct}% meanwhile)`,
      budget: "time per account within 1.2x of the smaller book's (linear)",
      baseline: `${seconds(baselineMs)} s (INSERT ... SELECT of ${opts.accounts.toLocaleString("en")} decision rows)`,
      pass: growth <= 1.2,
      data: {
        accounts: opts.accounts,
        ms: Math.round(plannerMs),
        baselineMs: Math.round(baselineMs),
        growth,
        peakRssMb,
        ...run,
        runId: undefined,
      },
    };
  } finally {
    await handle.close();
  }
}

async function main() {
  const accounts = arg("accounts", 1_000_000);
  const dispatchCount = arg("dispatch", 20_000);
  const durationSec = arg("duration", 10);
  const only = onlyParts();
  const wants = (part: Part) => only.has(part);
  const build = wants("http") && !process.argv.includes("--no-build");
  const measures: Measure[] = [];
  const started = Date.now();
  const machineAtStart = machineCpuMs();

  if (build) {
    log("building production (npm run build)");
    execFileSync("npm", ["run", "build"], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
  }

  const pgStats = process.argv.includes("--pg-stats");
  const tmp = mkdtempSync(join(os.tmpdir(), "settle-bench-"));
  const pgPort = await freePort();
  // Sized like a production server on this machine would be (the 1M book and its indexes fit in memory);
  // the defaults (128 MB buffers, 1 GB of WAL between checkpoints) are for a laptop.
  const server = await startEmbeddedPostgres({
    dataDir: join(tmp, "pg"),
    port: pgPort,
    persistent: false,
    // Production durability: every commit waits for its WAL to reach the disk, as a bank's server would.
    durable: true,
    settings: {
      shared_buffers: "2GB",
      max_wal_size: "8GB",
      checkpoint_timeout: "30min",
      ...(process.env.BENCH_NO_PARALLEL ? { max_parallel_workers_per_gather: "0" } : {}),
      ...(pgStats
        ? { shared_preload_libraries: "pg_stat_statements", "pg_stat_statements.track": "all" }
        : {}),
    },
  });
  const children: ChildProcess[] = [];
  const cleanup = async () => {
    for (const c of children) if (c.exitCode === null) c.kill("SIGTERM");
    await server.stop().catch(() => {});
    rmSync(tmp, { recursive: true, force: true });
  };
  try {
    await ensureDatabase(server.adminUrl, "settle_bench");
    const url = server.urlFor("settle_bench");
    const handle = connectDatabase(url, { max: 8 });
    await migrateAll(handle.db, handle.pool);
    const now = plannerNow();
    const today = now.toISOString().slice(0, 10);

    log(`seeding ${accounts.toLocaleString("en")} accounts`);
    let t = performance.now();
    const seeded = await seedBook(handle.db, { accounts, today });
    log(
      `seeded ${seeded.borrowers} borrowers, ${seeded.accounts} accounts in ${seconds(performance.now() - t)} s`,
    );

    if (wants("planner")) {
      if (pgStats)
        await sql`create extension if not exists pg_stat_statements; select pg_stat_statements_reset()`.execute(
          handle.db,
        );
      const { baselineMs, plannerMs, run, plannerStealPct, peakRssMb } = await timedPlanner(handle.db, now);
      if (pgStats) await logStatementStats(handle.db, log, "planner");
      log(
        `planner: ${run.decided} decided, ${run.queued} queued, ${run.skipped} skipped in ${seconds(plannerMs)} s`,
      );
      // The cron's next run, five minutes later: decisions equal to an account's latest are counted, not stored again.
      const rowsBefore = await decisionRows(handle.db);
      t = performance.now();
      const rerun = await runSchedule(handle.db, { now: new Date(now.getTime() + 5 * 60_000) });
      const rerunMs = performance.now() - t;
      const newRows = (await decisionRows(handle.db)) - rowsBefore;
      log(
        `planner, next run: ${rerun.decided} decided, ${rerun.queued} queued, ${newRows} new decision rows in ${seconds(rerunMs)} s`,
      );
      const budgetMs = (60_000 * accounts) / 1_000_000;
      measures.push({
        id: "planner",
        measure: `Planner: ${accounts.toLocaleString("en")} accounts decided, due texts queued`,
        result: `${seconds(plannerMs)} s (${run.queued.toLocaleString("en")} texts queued, ${Math.round(
          run.decided / (plannerMs / 1000),
        ).toLocaleString(
          "en",
        )} accounts/s, ${ratio(plannerMs, baselineMs)}x the baseline, bench process peak RSS ${peakRssMb} MB; the hypervisor stole ${plannerStealPct}% of the machine's time meanwhile)`,
        budget:
          accounts === 1_000_000 ? "<= 60 s" : `<= 60 s per 1,000,000 (${seconds(budgetMs)} s pro rata)`,
        baseline: `${seconds(baselineMs)} s (INSERT ... SELECT of ${accounts.toLocaleString("en")} decision rows)`,
        pass: plannerMs <= budgetMs,
        data: {
          accounts,
          ms: Math.round(plannerMs),
          baselineMs: Math.round(baselineMs),
          stealPct: plannerStealPct,
          peakRssMb,
          ...run,
          byReason: run.byReason,
          runId: undefined,
        },
      });
      measures.push({
        id: "planner_rerun",
        measure: "Planner: the next run five minutes later (the cron's cadence), same book",
        result: `${seconds(rerunMs)} s (${rerun.queued.toLocaleString("en")} texts queued, ${newRows.toLocaleString("en")} new decision rows; the other decisions repeat the latest and are counted on it)`,
        budget: "-",
        baseline: "-",
        pass: "info",
        data: { ms: Math.round(rerunMs), queued: rerun.queued, newDecisionRows: newRows },
      });
    }

    if (wants("dispatcher")) {
      log(`dispatcher: ${dispatchCount} texts, two worker processes`);
      const dispatch = await measureDispatcher({ db: handle.db, url, now, count: dispatchCount, children });
      log(
        `dispatcher: ${dispatch.sent} sent in ${seconds(dispatch.ms)} s = ${dispatch.perSec} SMS/s, duplicates ${dispatch.duplicates}`,
      );
      measures.push({
        id: "dispatcher",
        measure: `Dispatcher: ${dispatch.sent.toLocaleString("en")} texts, 2 worker processes, HTTP provider stub`,
        result: `${dispatch.perSec.toLocaleString("en")} SMS/s, ${dispatch.duplicates} duplicates, ${dispatch.notSent} not sent`,
        budget: ">= 1,000 SMS/s, 0 duplicates",
        baseline: `${dispatch.baselinePerSec.toLocaleString("en")} jobs/s (same 2 processes, no-op task)`,
        pass: dispatch.perSec >= 1_000 && dispatch.duplicates === 0 && dispatch.notSent === 0,
        data: dispatch,
      });
    }

    if (wants("pacing"))
      measures.push(await measurePacing({ db: handle.db, url, count: arg("pacing", 3_000), children, log }));

    if (wants("http")) {
      // The loads measure the web tier, not Postgres catching up on the writes above: autovacuum would
      // otherwise vacuum and analyse the planner's million rows during them (in one run at a million
      // accounts it held a core through the overview's load: the machine spent 1.9 ms per request where
      // the server, Postgres's backends and autocannon spent 0.9). VACUUM ANALYZE does that work first,
      // waiting for any autovacuum already at a table.
      t = performance.now();
      await sql`vacuum (analyze)`.execute(handle.db);
      log(`database settled before the HTTP loads: VACUUM ANALYZE in ${seconds(performance.now() - t)} s`);
      if (pgStats)
        await sql`create extension if not exists pg_stat_statements; select pg_stat_statements_reset()`.execute(
          handle.db,
        );
      const afterLoad = pgStats ? (label: string) => logStatementStats(handle.db, log, label) : undefined;
      // Production refuses a web process whose role could rewrite the audit log: it connects as an
      // application role, as a bank's deployment does.
      const app = { user: "settle_app", password: randomBytes(18).toString("hex") };
      await ensureLoginRole(server.adminUrl, app);
      measures.push(
        ...(await measureHttp({
          db: handle.db,
          url: server.urlFor("settle_bench", app),
          ownerUrl: url,
          root,
          durationSec,
          children,
          log,
          profileDir: stringArg("profile"),
          afterLoad,
          variants: withoutVariants(),
        })),
      );
    }

    if (wants("import")) {
      // New refs (IMP-*) into the seeded book: the import measures inserts, beside the book's existing rows.
      const imp = await measureImport({
        db: handle.db,
        url,
        root,
        tmp,
        rows: accounts,
        repeat: process.argv.includes("--import-repeat"),
        children,
        log,
      });
      const budgetMs = (120_000 * accounts) / 1_000_000;
      measures.push({
        id: "import",
        measure: `Import: \`settle import\` of a ${imp.rows.toLocaleString("en")}-row CSV (${imp.fileMb} MB, 1 row in 1,000 invalid), all new accounts`,
        result:
          `${seconds(imp.ms)} s (${imp.rowsPerSec.toLocaleString("en")} rows/s, ${ratio(imp.ms, imp.baselineMs)}x the baseline; ${imp.written.toLocaleString("en")} written, ` +
          `${imp.rejected.toLocaleString("en")} rejected in the error report)` +
          (imp.repeat
            ? `; same file again: ${seconds(imp.repeat.ms)} s (${imp.repeat.rowsPerSec.toLocaleString("en")} rows/s, all unchanged)`
            : ""),
        budget:
          accounts === 1_000_000 ? "< 120 s" : `< 120 s per 1,000,000 (${seconds(budgetMs)} s pro rata)`,
        baseline: `${seconds(imp.baselineMs)} s (Postgres alone: COPY of the same file, INSERT ... SELECT into copies of the tables); parsing the CSV alone ${seconds(imp.parseOnlyMs)} s`,
        pass:
          imp.ms < budgetMs &&
          imp.written === imp.rows - imp.invalidRows &&
          imp.rejected === imp.invalidRows &&
          imp.exitCode === 3,
        data: imp,
      });
    }
    // Last: its 60-day history would change what the planner decides and what the pages read.
    if (wants("outcomes")) measures.push(await measureOutcomes({ db: handle.db, now, log }));
    await handle.close();
    const plannerMeasure = measures.find((m) => m.id === "planner");
    const scaleTo = arg("scale-accounts", 3_000_000);
    if (plannerMeasure && scaleTo > accounts)
      measures.push(
        await plannerAtScale(server, {
          accounts: scaleTo,
          now,
          today,
          reference: { accounts, ms: (plannerMeasure.data as { ms: number }).ms },
        }),
      );
  } finally {
    await cleanup();
  }

  const partial = only.size < PARTS.length;
  const markdown = writeReport(root, measures, {
    accounts,
    totalSec: seconds(Date.now() - started),
    stealPct: stealPercent(machineAtStart, machineCpuMs(), Date.now() - started, os.cpus().length),
    partial,
  });
  if (partial) process.stdout.write(`\n${markdown}`);
  log(
    partial
      ? "partial run (--only): BENCHMARKS.md and .json left as they were"
      : `wrote BENCHMARKS.md and BENCHMARKS.json (${seconds(Date.now() - started)} s in all)`,
  );
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
