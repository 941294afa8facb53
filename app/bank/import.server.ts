import { createReadStream, createWriteStream, openSync, statSync, type WriteStream } from "node:fs";
import { basename, dirname, extname, join } from "node:path";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { parse } from "csv-parse";
import type { Kysely } from "kysely";
import type { Database } from "../../db/schema";
import { appendAudit } from "../services/audit.server";
import { AnswerHashCache, accountRecordSchema, ACCOUNT_RECORD_FIELDS, csvRowToRecordInput, toUpsertRow } from "./account-record.server";
import { addSummary, emptySummary, upsertAccountBatch, UPSERT_BATCH_SIZE, type IndexedRow, type UpsertSummary } from "./account-sync.server";
import { validateAccountRecord } from "./bulk-upsert.server";

/**
 * `npm run settle -- import <file>`: streams a CSV or JSONL file of account
 * records (the same schema as POST /api/v1/accounts/bulk), validates each row,
 * and upserts the valid ones in set-based batches, one transaction per batch.
 * Invalid rows are filtered out before their batch and listed in an error
 * report (row, line, field, message), so a bad row never stops or half-writes
 * the good ones. Parsing the next batch overlaps with writing the previous one.
 */

export class ImportFileError extends Error {}

export type ImportFormat = "csv" | "jsonl";

export interface ImportProgress {
  bytesRead: number;
  totalBytes: number;
  rows: number;
  written: number;
  rejected: number;
}

export interface ImportSummary extends Omit<UpsertSummary, "rejected"> {
  file: string;
  format: ImportFormat;
  rows: number;
  rejected: number;
  errorsPath: string;
  seconds: number;
  rowsPerSecond: number;
}

export interface ImportOptions {
  file: string;
  /** Default: next to the input, `<name>.errors.csv`. */
  errorsPath?: string;
  hashKey: string;
  batchSize?: number;
  /** The `balance_as_of` of rows that carry none. Default: when the import started. */
  receivedAt?: Date;
  onProgress?: (progress: ImportProgress) => void;
}

export function importFormat(file: string): ImportFormat {
  const ext = extname(file).toLowerCase();
  if (ext === ".csv") return "csv";
  if (ext === ".jsonl" || ext === ".ndjson") return "jsonl";
  throw new ImportFileError(`Cannot tell the format of ${basename(file)}: use a .csv, .jsonl or .ndjson file.`);
}

export function defaultErrorsPath(file: string): string {
  return join(dirname(file), `${basename(file, extname(file))}.errors.csv`);
}

interface SourceItem {
  row: number;
  line: number;
  input?: unknown;
  /** The row could not even be read (bad CSV quoting, invalid JSON). */
  unreadable?: string;
}

export async function importAccountsFile(db: Kysely<Database>, opts: ImportOptions): Promise<ImportSummary> {
  const format = importFormat(opts.file);
  let totalBytes: number;
  try {
    totalBytes = statSync(opts.file).size;
  } catch {
    throw new ImportFileError(`Cannot read ${opts.file}.`);
  }
  const errorsPath = opts.errorsPath ?? defaultErrorsPath(opts.file);
  const batchSize = opts.batchSize ?? UPSERT_BATCH_SIZE;
  const receivedAt = opts.receivedAt ?? new Date();
  const started = performance.now();

  const input = createReadStream(opts.file, { highWaterMark: 1 << 18 });
  const progress: ImportProgress = { bytesRead: 0, totalBytes, rows: 0, written: 0, rejected: 0 };
  input.on("data", (chunk) => (progress.bytesRead += chunk.length));

  const answerHashes = new AnswerHashCache();
  const report = ErrorReport.open(errorsPath);
  const summary = emptySummary();
  let pending: Promise<void> = Promise.resolve();
  let writeError: unknown = null;

  const flush = async (batch: IndexedRow[], lines: number[]) => {
    await pending; // at most one batch writing while the next one is parsed
    if (writeError) throw writeError;
    pending = upsertAccountBatch(db, batch).then(
      (result) => {
        if (result.rejected.length > 0) {
          const lineOf = new Map(batch.map((item, i) => [item.index, lines[i]!]));
          for (const r of result.rejected) report.add(r.index, lineOf.get(r.index) ?? 0, r.path, r.message);
        }
        progress.written += batch.length - result.rejected.length;
        progress.rejected += result.rejected.length;
        addSummary(summary, { ...result, rejected: [] });
        opts.onProgress?.({ ...progress });
      },
      (error) => {
        writeError = error;
      },
    );
  };

  try {
    let batch: IndexedRow[] = [];
    let lines: number[] = [];
    for await (const item of format === "csv" ? readCsv(input) : readJsonLines(input)) {
      progress.rows += 1;
      if (item.unreadable) {
        report.add(item.row, item.line, "(row)", item.unreadable);
        progress.rejected += 1;
      } else {
        const checked = validateAccountRecord(item.input);
        if (checked.ok) {
          batch.push({ index: item.row, row: toUpsertRow(checked.record, { hashKey: opts.hashKey, receivedAt, answerHashes }) });
          lines.push(item.line);
        } else {
          for (const issue of checked.issues) report.add(item.row, item.line, issue.path, issue.message);
          progress.rejected += 1;
        }
      }
      if (report.backedUp) await report.drained();
      // Buffered rows resolve as microtasks, which would starve the database socket's callbacks:
      // yield to the event loop now and then so the batch being written keeps moving meanwhile.
      if (progress.rows % 256 === 0) await new Promise((resolve) => setImmediate(resolve));
      if (batch.length >= batchSize) {
        await flush(batch, lines);
        batch = [];
        lines = [];
      }
    }
    if (batch.length > 0) await flush(batch, lines);
    await pending;
    if (writeError) throw writeError;
  } finally {
    input.destroy();
    await report.close();
  }

  const seconds = (performance.now() - started) / 1000;
  const result: ImportSummary = {
    ...summary,
    file: opts.file,
    format,
    rows: progress.rows,
    rejected: progress.rejected,
    errorsPath,
    seconds,
    rowsPerSecond: seconds > 0 ? Math.round(progress.rows / seconds) : progress.rows,
  };
  await appendAudit(db, {
    actorType: "system",
    action: "bank.accounts_imported",
    subjectType: "account_import",
    detail: {
      file: basename(opts.file),
      rows: result.rows,
      created: result.created,
      updated: result.updated,
      unchanged: result.unchanged,
      rejected: result.rejected,
      paymentsConfirmed: result.paymentsConfirmed,
    },
  });
  return result;
}

const REQUIRED_COLUMNS = ACCOUNT_RECORD_FIELDS.filter((f) => !accountRecordSchema._def.schema.shape[f].isOptional());

/** Checks the header before any row is read: a misspelt column must stop the import, not fail every row. */
function checkCsvHeader(header: string[]): string[] {
  const names = header.map((h) => h.trim());
  const known = new Set<string>(ACCOUNT_RECORD_FIELDS);
  const unknown = names.filter((n) => !known.has(n));
  const missing = REQUIRED_COLUMNS.filter((f) => !names.includes(f));
  const problems: string[] = [];
  if (unknown.length) problems.push(`unknown column(s): ${unknown.join(", ")}`);
  if (missing.length) problems.push(`missing column(s): ${missing.join(", ")}`);
  if (!names.includes("dob") && !names.includes("id_last4")) problems.push("needs a dob or an id_last4 column");
  if (new Set(names).size !== names.length) problems.push("a column appears twice");
  if (problems.length) throw new ImportFileError(`The CSV header is not usable: ${problems.join("; ")}. Columns: ${ACCOUNT_RECORD_FIELDS.join(",")}`);
  return names;
}

async function* readCsv(input: NodeJS.ReadableStream): AsyncGenerator<SourceItem> {
  // Good and unreadable rows are numbered in parse order (both callbacks run synchronously
  // as the parser advances), then merged back into that order as the records are consumed.
  let seq = 0;
  const skipped: SourceItem[] = [];
  const parser = parse({
    bom: true,
    columns: checkCsvHeader,
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_record: (record: Record<string, string>, context) => ({ row: ++seq, line: context.lines, record }),
    on_skip: (err) => {
      skipped.push({ row: ++seq, line: typeof err?.lines === "number" ? err.lines : 0, unreadable: err?.message ?? "unreadable row" });
      return undefined;
    },
  });
  input.on("error", (error) => parser.destroy(error));
  input.pipe(parser);
  // A header error comes through the iterator and ends the import before anything is written.
  for await (const item of parser as AsyncIterable<{ row: number; line: number; record: Record<string, string> }>) {
    while (skipped.length && skipped[0]!.row < item.row) yield skipped.shift()!;
    yield { row: item.row, line: item.line, input: csvRowToRecordInput(item.record) };
  }
  while (skipped.length) yield skipped.shift()!;
}

async function* readJsonLines(input: NodeJS.ReadableStream): AsyncGenerator<SourceItem> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  let line = 0;
  let row = 0;
  for await (const text of lines) {
    line += 1;
    const trimmed = text.trim();
    if (trimmed === "") continue;
    row += 1;
    try {
      yield { row, line, input: JSON.parse(line === 1 ? trimmed.replace(/^\uFEFF/, "") : trimmed) };
    } catch (error) {
      yield { row, line, unreadable: `not valid JSON: ${error instanceof Error ? error.message : "parse error"}` };
    }
  }
}

/** The per-row error report, streamed to disk so a file full of bad rows does not fill memory. */
class ErrorReport {
  backedUp = false;
  private failure: Error | null = null;

  private constructor(
    readonly path: string,
    private out: WriteStream,
  ) {
    out.on("error", (error) => (this.failure = error));
    out.write("row,line,field,message\n");
  }

  /** Opens (truncates) the report now, so an unwritable path stops the import before any row is written. */
  static open(path: string): ErrorReport {
    let fd: number;
    try {
      fd = openSync(path, "w");
    } catch (error) {
      throw new ImportFileError(`Cannot write the error report to ${path}: ${(error as Error).message}`);
    }
    return new ErrorReport(path, createWriteStream("", { fd, encoding: "utf8" }));
  }

  add(row: number, line: number, field: string, message: string) {
    if (this.failure) throw this.failure;
    if (!this.out.write(`${row},${line},${csvCell(field)},${csvCell(message)}\n`)) this.backedUp = true;
  }

  async drained() {
    await once(this.out, "drain");
    this.backedUp = false;
  }

  async close() {
    this.out.end();
    if (!this.out.writableFinished && !this.failure) await once(this.out, "finish").catch(() => {});
    if (this.failure) throw this.failure;
  }
}

function csvCell(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
