import { writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";

export interface Measure {
  id: string;
  measure: string;
  result: string;
  budget: string;
  baseline: string;
  /** null: not measured on this machine; "info": a figure without a budget. */
  pass: boolean | null | "info";
  data?: unknown;
}

/**
 * BENCHMARKS.md (for people) and BENCHMARKS.json (for tools), both at the repository root; a partial run
 * (`--only`) writes neither and returns the Markdown for the console instead. Returns the Markdown.
 */
export function writeReport(
  root: string,
  measures: Measure[],
  run: { accounts: number; totalSec: number; stealPct: number; partial?: boolean },
): string {
  const cpus = os.cpus();
  const machine = {
    cpu: cpus[0]?.model.trim() ?? "unknown",
    cores: cpus.length,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    date: new Date().toISOString(),
    /** 1/5/15-minute load averages when the report is written: other work on the machine skews every figure. */
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
  const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");
  const verdict = (p: Measure["pass"]) =>
    p === "info" ? "no budget" : p === null ? "not measured" : p ? "pass" : "MISS";
  const lines = [
    "# Benchmarks",
    "",
    "Written by `npm run bench` (tests/bench/run.ts); do not edit by hand. Each figure sits beside a baseline",
    "measured in the same run on the same machine. Budgets: docs/product-rules.md §12.",
    "",
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGb} GB RAM, Node ${machine.node}, ${machine.platform}.`,
    `Run: ${machine.date}, ${run.accounts.toLocaleString("en")} synthetic accounts, ${run.totalSec} s in all; load average at the end ${machine.loadAverage.join(" / ")} (1/5/15 min); the hypervisor stole ${run.stealPct}% of the machine's time over the run.`,
    "",
    "| Measure | Result | Budget | Baseline (same run) | Verdict |",
    "| --- | --- | --- | --- | --- |",
    ...measures.map(
      (m) =>
        `| ${cell(m.measure)} | ${cell(m.result)} | ${cell(m.budget)} | ${cell(m.baseline)} | ${verdict(m.pass)} |`,
    ),
    "",
    "How it is measured:",
    "",
    "- Postgres: a throwaway embedded cluster with production durability (fsync, full_page_writes and synchronous_commit on;",
    "  shared_buffers 2 GB and max_wal_size 8 GB, as a production server",
    "  on this machine would be sized), the app's migrations, a synthetic book seeded set-based",
    "  (tests/bench/seed.ts: stage, zone, locale, preference, wrong-number and dispute mix). Every process here (bench,",
    "  web server, workers, import) connects over the cluster's Unix socket, as the app does to its embedded server.",
    "- Planner: `runSchedule` over every account at 03:00 UTC (11:00 in Hong Kong; UK and US borrowers are in quiet hours).",
    "- Dispatcher: two graphile-worker processes (8 jobs at once each) running the real `sms:send` batch jobs (up to 100",
    "  texts each, queued by the planner; `dispatchSmsBatch`) against a local HTTP",
    "  provider stub; one text per borrower; duplicates = texts with more than one `sent` event or received twice by the stub.",
    "- Sender pacing (`--only pacing`): two worker processes run the real `sms:send` jobs for 3,000 confirmations (one per",
    "  borrower) to the development provider (the outbox) with `SMS_SENDER_RATES` at 200 a second for their sender; each",
    "  provider call is timed in its process. Busiest second = the most calls in any one-second window; duplicates = texts",
    "  given to the provider twice or with two `sent` events.",
    "- HTTP: the production build served by `app/server/main.ts` (ROLE=web); autocannon runs in the bench process on the",
    "  same machine (it shares the cores with the server and Postgres); baseline is a bare `node:http` server in its own process.",
    "  Before the loads the database is vacuumed and analysed (VACUUM ANALYZE, after the planner's and dispatcher's writes), so",
    "  that autovacuum catching up on a million rows does not share the cores with the measured requests.",
    "- HTTP also reports CPU time per request (user + system from /proc) of the server, of Postgres's processes, of",
    "  autocannon and of the whole machine: steadier than req/s when other work shares the machine. This machine is a",
    "  virtual machine: time the hypervisor gave its cores to other guests (steal, from /proc/stat) is not counted as",
    "  the machine's CPU and is reported apart, as a share of cores x wall; it slows every figure. autocannon is a",
    "  closed loop (each of the 50 connections sends its next request when the last is answered), so at saturation the",
    "  mean latency is 50 / throughput (Little's law): at saturation a p99 under 25 ms at 50 connections needs more than",
    "  2,000 req/s. The latency budgets are therefore read at the budget's rate: an open-loop load (tests/bench/paced.ts,",
    "  wrk2's method) of 1,500 (`/r/:code`) or 500 (overview) requests a second, evenly spaced, over the same 50",
    "  keep-alive connections, for the same duration after 2 s of warm-up; each latency runs from when the request was",
    "  due, so a stall counts in every request that waited. The verdict needs the saturation run's throughput at or",
    "  above that rate, the paced run served at 98% of it or more, its p99 under the budget and no failed request.",
    "- Two web processes: the same saturation loads against `WEB_CONCURRENCY=2` (node's cluster module: a primary and two",
    "  web processes on one port), beside one process's figures from the same run. On two cores the processes share them",
    "  with Postgres and the load generator, so this shows what a second process buys on this machine, not on a bigger one.",
    "- Planner at scale (`--scale-accounts`, default 3,000,000): the planner on a book of that size seeded the same way in",
    "  a database of its own, after the other measures; its time per account against the main run's shows whether the",
    "  planner grows linearly. Peak RSS is the bench process's (the planner runs in it), sampled every 50 ms.",
    "- Borrower-page JS: every script and modulepreload on each borrower page, gzipped.",
    "- Lighthouse 12 (mobile form factor, simulated throttling) in Debian's Chromium, on the landing and the overview: three runs each, scored on the median run (Lighthouse's computeMedianRun), every run's performance score reported.",
    "- Import: the real CLI (`settle import`, a child process) on a synthetic CSV of new refs (tests/support/synthetic-import.ts,",
    "  1 row in 1,000 invalid) into the seeded book; written and rejected are counted in the database and the error report.",
    "  Baseline: Postgres alone (COPY of the file, then INSERT ... SELECT into copies of borrowers and accounts, no validation).",
    "",
  ];
  const markdown = `${lines.join("\n")}\n`;
  if (!run.partial) {
    writeFileSync(join(root, "BENCHMARKS.json"), `${JSON.stringify({ machine, run, measures }, null, 2)}\n`);
    writeFileSync(join(root, "BENCHMARKS.md"), markdown);
  }
  return markdown;
}
