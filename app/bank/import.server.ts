import { createReadStream, createWriteStream, openSync, statSync, type WriteStream } from "node:fs";
import { basename, dirname, extname, join } from "node:path";
import { once } from "node:events";
import { StringDecoder } from "node:string_decoder";
import type { Kysely } from "kysely";
import type { Database } from "../../db/schema";
import { appendAudit } from "../platform/audit.server";
import {
  AnswerHashCache,
  parseAccountRecordFast,
  toUpsertRow,
  type AccountRecord,
} from "./account-record.server";
import {
  addSummary,
  emptySummary,
  upsertAccountBatch,
  UPSERT_BATCH_SIZE,
  type IndexedRow,
  type UpsertSummary,
} from "./account-sync.server";
import { validateAccountRecord } from "./bulk-upsert.server";
import { applyRecordStatuses, recordStatusOf, type RecordStatus } from "./status-requests.server";
import { CsvReader, ImportFileError, JsonLinesReader, type SourceItem } from "./import-readers.server";

export { ImportFileError };

/**
 * `npm run settle -- import <file>`: streams a CSV or JSONL file of account
 * records (the same schema as POST /api/v1/accounts/bulk), validates each row,
 * and upserts the valid ones in set-based batches, one transaction per batch.
 * Invalid rows are filtered out before their batch and listed in an error
 * report (row, line, field, message), so a bad row never stops or half-writes
 * the good ones. Parsing the next batch overlaps with writing the previous one.
 *
 * The file is read in chunks and each chunk's rows are split, validated and
 * batched synchronously (no promise per row). CSV rows without a quote character,
 * nearly all of them, are split on commas; a row with quotes goes through
 * csv-parse, so quoting follows RFC 4180 exactly either way.
 */

type ImportFormat = "csv" | "jsonl";

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

function importFormat(file: string): ImportFormat {
  const ext = extname(file).toLowerCase();
  if (ext === ".csv") return "csv";
  if (ext === ".jsonl" || ext === ".ndjson") return "jsonl";
  throw new ImportFileError(
    `Cannot tell the format of ${basename(file)}: use a .csv, .jsonl or .ndjson file.`,
  );
}

function defaultErrorsPath(file: string): string {
  return join(dirname(file), `${basename(file, extname(file))}.errors.csv`);
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
  const started = performance.now();

  const input = createReadStream(opts.file, { highWaterMark: 1 << 18 });
  const progress: ImportProgress = { bytesRead: 0, totalBytes, rows: 0, written: 0, rejected: 0 };
  const report = ErrorReport.open(errorsPath);
  const batches = new ImportBatches(db, report, progress, {
    hashKey: opts.hashKey,
    batchSize: opts.batchSize ?? UPSERT_BATCH_SIZE,
    receivedAt: opts.receivedAt ?? new Date(),
    onProgress: opts.onProgress,
  });
  try {
    const reader = format === "csv" ? new CsvReader() : new JsonLinesReader();
    await readRows(input, reader, progress, (items) => batches.consume(items));
    await batches.finish();
  } catch (error) {
    await batches.settled(); // never leave a batch writing behind a failed import
    throw error;
  } finally {
    input.destroy();
    await report.close();
  }

  const seconds = (performance.now() - started) / 1000;
  const result: ImportSummary = {
    ...batches.summary,
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

/** Feeds the file to the reader chunk by chunk, handing each chunk's rows to `consume`. */
async function readRows(
  input: AsyncIterable<Buffer>,
  reader: CsvReader | JsonLinesReader,
  progress: ImportProgress,
  consume: (items: SourceItem[]) => Promise<void>,
) {
  const decoder = new StringDecoder("utf8");
  const items: SourceItem[] = [];
  for await (const chunk of input) {
    progress.bytesRead += chunk.length;
    reader.push(decoder.write(chunk), items);
    await consume(items);
    items.length = 0;
    // A buffered chunk resolves as a microtask, which would starve the database socket's callbacks:
    // yield to the event loop between chunks so the batch being written keeps moving meanwhile.
    await new Promise((resolve) => setImmediate(resolve));
  }
  reader.end(decoder.end(), items);
  await consume(items);
}

/**
 * Validates rows into batches and writes each full batch while the next one is parsed: at most one
 * batch is being written at a time. Rejected rows go to the error report.
 */
class ImportBatches {
  readonly summary = emptySummary();
  private batch: IndexedRow[] = [];
  private lines: number[] = [];
  /** The batch's rows that carry a contact status, set once their accounts are written. */
  private statuses: RecordStatus[] = [];
  private pending: Promise<void> = Promise.resolve();
  private writeError: unknown = null;
  private readonly answerHashes = new AnswerHashCache();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly report: ErrorReport,
    private readonly progress: ImportProgress,
    private readonly opts: {
      hashKey: string;
      batchSize: number;
      receivedAt: Date;
      onProgress?: (progress: ImportProgress) => void;
    },
  ) {}

  /** Validates a chunk's rows; hands each full batch to the writer (waiting only while the previous one is still being written). */
  async consume(items: SourceItem[]) {
    for (const item of items) {
      this.take(item);
      if (this.batch.length >= this.opts.batchSize) {
        await this.flush(this.batch, this.lines, this.statuses);
        this.batch = [];
        this.lines = [];
        this.statuses = [];
      }
    }
    if (this.report.backedUp) await this.report.drained();
  }

  /** Writes what is left and waits for it; throws what a write threw. */
  async finish() {
    if (this.batch.length > 0) await this.flush(this.batch, this.lines, this.statuses);
    await this.pending;
    if (this.writeError) throw this.writeError;
  }

  /** Resolves once no batch is being written (a write's failure is kept for finish, never thrown here). */
  settled(): Promise<void> {
    return this.pending;
  }

  private take(item: SourceItem) {
    this.progress.rows += 1;
    if (item.unreadable !== undefined) {
      this.report.add(item.row, item.line, "(row)", item.unreadable);
      this.progress.rejected += 1;
      return;
    }
    // The same rules as the API, compiled for speed; a refused row is checked again by the API's
    // validation, which words its errors (and has the last word).
    const fast: AccountRecord | null = parseAccountRecordFast(item.input);
    const checked = fast ? ({ ok: true, record: fast } as const) : validateAccountRecord(item.input);
    if (checked.ok) {
      const { hashKey, receivedAt } = this.opts;
      this.batch.push({
        index: item.row,
        row: toUpsertRow(checked.record, { hashKey, receivedAt, answerHashes: this.answerHashes }),
      });
      this.lines.push(item.line);
      const status = recordStatusOf(item.row, checked.record);
      if (status) this.statuses.push(status);
    } else {
      for (const issue of checked.issues) this.report.add(item.row, item.line, issue.path, issue.message);
      this.progress.rejected += 1;
    }
  }

  private async flush(batch: IndexedRow[], lines: number[], statuses: RecordStatus[]) {
    await this.pending; // at most one batch writing while the next one is parsed
    if (this.writeError) throw this.writeError;
    this.pending = upsertAccountBatch(this.db, batch).then(
      async (result) => {
        const lineOf = new Map(batch.map((item, i) => [item.index, lines[i]!]));
        for (const r of result.rejected)
          this.report.add(r.index, lineOf.get(r.index) ?? 0, r.path, r.message);
        const refused = new Set(result.rejected.map((r) => r.index));
        const kept = statuses.filter((st) => !refused.has(st.index));
        const actor = { source: "import", actorType: "system", actorId: null } as const;
        for (const p of await applyRecordStatuses(this.db, kept, actor, this.opts.receivedAt))
          this.report.add(p.index, lineOf.get(p.index) ?? 0, p.path, p.message);
        this.progress.written += batch.length - result.rejected.length;
        this.progress.rejected += result.rejected.length;
        addSummary(this.summary, { ...result, rejected: [] });
        this.opts.onProgress?.({ ...this.progress });
      },
      (error) => {
        this.writeError = error;
      },
    );
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
