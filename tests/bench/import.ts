import { spawn, type ChildProcess } from "node:child_process";
import { createReadStream, chmodSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse";
import { sql, type Kysely } from "kysely";
import type { Database } from "../../db/schema";
import { writeSyntheticImport } from "../support/synthetic-import";

export interface ImportResult {
  rows: number;
  invalidRows: number;
  fileMb: number;
  ms: number;
  rowsPerSec: number;
  exitCode: number | null;
  /** Accounts with the run's prefix in the database after the import. */
  written: number;
  borrowersWritten: number;
  /** Distinct rows listed in the error report. */
  rejected: number;
  /** What the CLI printed as its summary line. */
  summary: string;
  /** Database floor: COPY of the same file + INSERT ... SELECT into copies of borrowers and accounts. */
  baselineMs: number;
  /** Node floor: csv-parse over the same file, nothing else. */
  parseOnlyMs: number;
  /** The same file imported a second time (every row unchanged), when measured. */
  repeat?: { ms: number; rowsPerSec: number; summary: string; exitCode: number | null };
}

const PREFIX = "IMP";

/**
 * `npm run settle -- import` on a synthetic CSV of `rows` new accounts (two per
 * borrower, 1 row in 1,000 deliberately invalid), run as the real CLI in a child
 * process against the bench database. Rows written and rejected are counted in
 * the database and in the error report, not taken from the CLI's own summary.
 *
 * Baseline: Postgres alone writing the same rows, i.e. COPY of the same file into
 * a staging table, then INSERT ... SELECT into copies of borrowers and accounts
 * (same columns, indexes and constraints), with no validation or hashing. That is
 * the floor the import can approach; the gap is parsing, zod validation and
 * the round trips. The time to merely parse the file (csv-parse, nothing else)
 * is reported beside it as the Node-side floor.
 */
export async function measureImport(opts: {
  db: Kysely<Database>;
  url: string;
  root: string;
  tmp: string;
  rows: number;
  /** Import the same file a second time (idempotent re-import: every row unchanged). */
  repeat?: boolean;
  children: ChildProcess[];
  log: (msg: string) => void;
}): Promise<ImportResult> {
  const { db, log } = opts;
  const dir = join(opts.tmp, "import");
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755); // the COPY baseline is read by the server process (the postgres user when run as root)
  const file = join(dir, "accounts.csv");
  const invalidEvery = 1_000;
  log(`import: writing ${opts.rows.toLocaleString("en")} rows (1 in ${invalidEvery} invalid) to a CSV`);
  const generated = await writeSyntheticImport(file, {
    count: opts.rows,
    prefix: PREFIX,
    invalidEvery,
    balanceAsOf: new Date(Date.now() - 3_600_000).toISOString(),
  });
  chmodSync(file, 0o644);
  const fileMb = Math.round(statSync(file).size / 2 ** 20);

  const parseOnlyMs = await parseOnly(file);
  log(`import: parse only (csv-parse, no validation) ${Math.round(parseOnlyMs) / 1000} s`);
  const baselineMs = await copyBaseline(db, file);
  log(
    `import: baseline (COPY + INSERT ... SELECT into copies of the tables) ${Math.round(baselineMs) / 1000} s`,
  );
  await sql`checkpoint`.execute(db);

  log("import: npm run settle -- import (child process)");
  const first = await runCli(opts, file, join(dir, "accounts.errors.csv"), "first");
  const counts = await sql<{ accounts: string; borrowers: string }>`
    select (select count(*) from accounts where external_ref like ${`${PREFIX}-A%`}) as accounts,
           (select count(*) from borrowers where external_ref like ${`${PREFIX}-B%`}) as borrowers
  `.execute(db);
  const reportRows = new Set(
    readFileSync(join(dir, "accounts.errors.csv"), "utf8")
      .split("\n")
      .slice(1)
      .filter(Boolean)
      .map((line) => line.slice(0, line.indexOf(","))),
  );
  const result: ImportResult = {
    rows: generated.rows,
    invalidRows: generated.invalidRows.length,
    fileMb,
    ms: Math.round(first.ms),
    rowsPerSec: Math.round(generated.rows / (first.ms / 1000)),
    exitCode: first.exitCode,
    written: Number(counts.rows[0]!.accounts),
    borrowersWritten: Number(counts.rows[0]!.borrowers),
    rejected: reportRows.size,
    summary: first.summary,
    baselineMs: Math.round(baselineMs),
    parseOnlyMs: Math.round(parseOnlyMs),
  };
  log(`import: ${result.summary}`);

  if (opts.repeat) {
    log("import: the same file again (every row unchanged)");
    const again = await runCli(opts, file, join(dir, "accounts.again.errors.csv"), "repeat");
    result.repeat = {
      ms: Math.round(again.ms),
      rowsPerSec: Math.round(generated.rows / (again.ms / 1000)),
      summary: again.summary,
      exitCode: again.exitCode,
    };
    log(`import (repeat): ${again.summary}`);
  }
  return result;
}

async function runCli(
  opts: { url: string; root: string; tmp: string; children: ChildProcess[]; log: (msg: string) => void },
  file: string,
  errorsPath: string,
  label: string,
): Promise<{ ms: number; exitCode: number | null; summary: string }> {
  // BENCH_IMPORT_CPU_PROF=<dir>: write a V8 CPU profile of the import process there.
  const profDir = process.env.BENCH_IMPORT_CPU_PROF;
  const nodeArgs = [
    "--import",
    "tsx",
    ...(profDir
      ? ["--cpu-prof", "--cpu-prof-dir", profDir, "--cpu-prof-name", `import-${label}.cpuprofile`]
      : []),
  ];
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [...nodeArgs, "app/cli/settle.ts", "import", file, "--errors", errorsPath],
    {
      cwd: opts.root,
      env: { ...process.env, DATABASE_URL: opts.url, LOG_LEVEL: "warn" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  opts.children.push(child);
  let stdout = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
  child.stderr.setEncoding("utf8").on("data", (c: string) => {
    for (const line of c.split("\n")) if (line.trim()) opts.log(`  ${line.trim()}`);
  });
  const exitCode = await new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const ms = performance.now() - started;
  const summary =
    stdout.split("\n").find((l) => l.startsWith("Imported")) ??
    `no summary (exit ${exitCode}): ${stdout.slice(-500)}`;
  return { ms, exitCode, summary };
}

async function parseOnly(file: string): Promise<number> {
  const started = performance.now();
  let n = 0;
  for await (const _ of createReadStream(file, { highWaterMark: 1 << 18 }).pipe(
    parse({ columns: true, skip_empty_lines: true }),
  ))
    n += 1;
  if (n === 0) throw new Error("parse-only baseline read no rows");
  return performance.now() - started;
}

async function copyBaseline(db: Kysely<Database>, file: string): Promise<number> {
  await sql`drop table if exists bench_import_stage, bench_import_accounts, bench_import_borrowers`.execute(
    db,
  );
  await sql`create unlogged table bench_import_stage (
    borrower_ref text, full_name text, phone text, email text, locale text, time_zone text, jurisdiction text, dob text,
    id_last4 text, account_ref text, product text, last4 text, currency text, balance_minor bigint, overdue_minor bigint,
    minimum_due_minor bigint, fees_minor bigint, interest_minor bigint, due_date text, dpd int, status text, balance_as_of timestamptz)`.execute(
    db,
  );
  await sql`create table bench_import_borrowers (like borrowers including all)`.execute(db);
  await sql`create table bench_import_accounts (like accounts including all)`.execute(db);
  const started = performance.now();
  await db.connection().execute(async (conn) => {
    await sql`begin`.execute(conn);
    // Rows the import rejects (negative balance, impossible date...) are filtered out, as the import does.
    await sql
      .raw(`copy bench_import_stage from '${file.replace(/'/g, "''")}' with (format csv, header true)`)
      .execute(conn);
    await sql`insert into bench_import_borrowers (external_ref, full_name, phone_e164, email, locale, time_zone, jurisdiction, dob_hash, id_last4_hash)
      select distinct on (borrower_ref) borrower_ref, full_name, phone, email, locale, time_zone, jurisdiction,
        encode(sha256(convert_to(dob, 'UTF8')), 'hex'), encode(sha256(convert_to(id_last4, 'UTF8')), 'hex')
      from bench_import_stage
      where balance_minor >= 0 and due_date ~ '^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|1\\d|2[0-8])$' and currency in ('HKD', 'CNY')
        and time_zone like 'Asia/%' and length(phone) > 8
      order by borrower_ref
      on conflict (external_ref) do nothing`.execute(conn);
    await sql`insert into bench_import_accounts (borrower_id, external_ref, product, last4, currency, balance_minor, overdue_minor,
        minimum_due_minor, fees_minor, interest_minor, due_date, dpd, status, balance_as_of)
      select b.id, s.account_ref, s.product, s.last4, s.currency, s.balance_minor, s.overdue_minor, s.minimum_due_minor, s.fees_minor,
        s.interest_minor, s.due_date::date, s.dpd, s.status, s.balance_as_of
      from bench_import_stage s join bench_import_borrowers b on b.external_ref = s.borrower_ref
      where s.balance_minor >= 0 and s.due_date ~ '^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|1\\d|2[0-8])$' and s.currency in ('HKD', 'CNY')
        and s.time_zone like 'Asia/%' and length(s.phone) > 8
      on conflict (external_ref) do nothing`.execute(conn);
    await sql`commit`.execute(conn);
  });
  const ms = performance.now() - started;
  await sql`drop table bench_import_stage, bench_import_accounts, bench_import_borrowers`.execute(db);
  return ms;
}
