import { createReadStream, createWriteStream, openSync, statSync, type WriteStream } from "node:fs";
import { basename, dirname, extname, join } from "node:path";
import { once } from "node:events";
import { StringDecoder } from "node:string_decoder";
import { parse as parseCsvText } from "csv-parse/sync";
import type { Kysely } from "kysely";
import type { Database } from "../../db/schema";
import { appendAudit } from "../platform/audit.server";
import {
  AnswerHashCache,
  accountRecordSchema,
  ACCOUNT_RECORD_FIELDS,
  csvCellsToRecordInput,
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

export class ImportFileError extends Error {}

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

  let batch: IndexedRow[] = [];
  let lines: number[] = [];
  /** Validates a chunk's rows; hands each full batch to the writer (waiting only while the previous one is still being written). */
  const consume = async (items: SourceItem[]) => {
    for (const item of items) {
      progress.rows += 1;
      if (item.unreadable !== undefined) {
        report.add(item.row, item.line, "(row)", item.unreadable);
        progress.rejected += 1;
      } else {
        // The same rules as the API, compiled for speed; a refused row is checked again by the API's
        // validation, which words its errors (and has the last word).
        const fast: AccountRecord | null = parseAccountRecordFast(item.input);
        const checked = fast ? ({ ok: true, record: fast } as const) : validateAccountRecord(item.input);
        if (checked.ok) {
          batch.push({
            index: item.row,
            row: toUpsertRow(checked.record, { hashKey: opts.hashKey, receivedAt, answerHashes }),
          });
          lines.push(item.line);
        } else {
          for (const issue of checked.issues) report.add(item.row, item.line, issue.path, issue.message);
          progress.rejected += 1;
        }
      }
      if (batch.length >= batchSize) {
        await flush(batch, lines);
        batch = [];
        lines = [];
      }
    }
    if (report.backedUp) await report.drained();
  };

  try {
    const reader = format === "csv" ? new CsvReader() : new JsonLinesReader();
    const decoder = new StringDecoder("utf8");
    const items: SourceItem[] = [];
    for await (const chunk of input as AsyncIterable<Buffer>) {
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
    if (batch.length > 0) await flush(batch, lines);
    await pending;
    if (writeError) throw writeError;
  } catch (error) {
    await pending; // never leave a batch writing behind a failed import
    throw error;
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

const REQUIRED_COLUMNS = ACCOUNT_RECORD_FIELDS.filter(
  (f) => !accountRecordSchema._def.schema.shape[f].isOptional(),
);

/** Checks the header before any row is read: a misspelt column must stop the import, not fail every row. */
function checkCsvHeader(header: string[]): string[] {
  const names = header.map((h) => h.trim());
  const known = new Set<string>(ACCOUNT_RECORD_FIELDS);
  const unknown = names.filter((n) => !known.has(n));
  const missing = REQUIRED_COLUMNS.filter((f) => !names.includes(f));
  const problems: string[] = [];
  if (unknown.length) problems.push(`unknown column(s): ${unknown.join(", ")}`);
  if (missing.length) problems.push(`missing column(s): ${missing.join(", ")}`);
  if (!names.includes("dob") && !names.includes("id_last4"))
    problems.push("needs a dob or an id_last4 column");
  if (new Set(names).size !== names.length) problems.push("a column appears twice");
  if (problems.length)
    throw new ImportFileError(
      `The CSV header is not usable: ${problems.join("; ")}. Columns: ${ACCOUNT_RECORD_FIELDS.join(",")}`,
    );
  return names;
}

/** No real row comes near this; a quote left open (or a file with no line breaks) must not swallow the file. */
const MAX_ROW_CHARS = 1 << 20;

/**
 * Reads rows from text as it arrives in chunks: `scan` reads every complete row of what it is given and
 * keeps the unfinished tail in `rest`, which is read again in front of the next chunk (and, at `end`,
 * as the last row).
 */
abstract class ChunkedRowReader {
  protected rest = "";

  push(text: string, out: SourceItem[]) {
    this.scan(this.rest + text, false, out);
  }

  end(text: string, out: SourceItem[]) {
    this.scan(this.rest + text, true, out);
  }

  protected abstract scan(text: string, final: boolean, out: SourceItem[]): void;
}

/**
 * Splits CSV text into rows as chunks arrive. A line without a quote character is split on commas
 * (the common case, several times faster than a general parser); a row with quotes, possibly spanning
 * lines, is handed to csv-parse, so quoting follows RFC 4180 and malformed quoting is reported by row.
 * Records end at LF or CRLF; blank lines are skipped; a leading BOM is ignored.
 */
class CsvReader extends ChunkedRowReader {
  /** Line number (1-based) of the first line in `rest`. */
  private line = 1;
  private row = 0;
  private started = false;
  private columns: string[] | null = null;

  protected scan(text: string, final: boolean, out: SourceItem[]) {
    let pos = 0;
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) pos = 1;
    }
    while (pos < text.length) {
      let nl = text.indexOf("\n", pos);
      if (nl < 0) {
        if (!final) break;
        nl = text.length;
      }
      const first = lineText(text, pos, nl);
      const startLine = this.line;
      let next = nl + 1;
      let lineCount = 1;
      let cells: string[] | null = null;
      let unreadable: string | undefined;
      if (first.length === 0) {
        this.line += 1;
        pos = next;
        continue;
      }
      if (!first.includes('"')) cells = first.split(",");
      else {
        let end = nl;
        let quotes = countQuotes(first);
        // An odd count is either a quoted field running on to the next line or a stray quote:
        // csv-parse tells which, so a stray quote costs one row, not the rest of the file.
        if (quotes % 2 === 1 && quoteProblem(first) !== "CSV_QUOTE_NOT_CLOSED") quotes = 0;
        let incomplete = false;
        let tooLong = false;
        while (quotes % 2 === 1) {
          if (next - pos > MAX_ROW_CHARS) {
            tooLong = true;
            break;
          }
          if (next >= text.length && !final) {
            incomplete = true;
            break;
          }
          let nl2 = text.indexOf("\n", next);
          if (nl2 < 0) {
            if (!final) {
              incomplete = true;
              break;
            }
            nl2 = text.length;
          }
          quotes += countQuotes(lineText(text, next, nl2));
          end = nl2;
          next = nl2 + 1;
          lineCount += 1;
          if (nl2 >= text.length) break;
        }
        if (incomplete) break; // wait for the rest of the row
        if (tooLong) {
          // Report the line that opened the quote and read on from the next one.
          unreadable = `Quote Not Closed: a quoted cell runs on for more than ${MAX_ROW_CHARS} characters`;
          next = nl + 1;
          lineCount = 1;
        } else {
          const parsed = parseQuotedRow(
            quotes % 2 === 1 || end === nl ? first : text.slice(pos, end).replace(/\r$/, ""),
          );
          if (typeof parsed === "string") unreadable = parsed;
          else cells = parsed;
        }
      }
      this.line += lineCount;
      pos = next;
      if (!this.columns) {
        if (!cells) throw new ImportFileError(`The CSV header is not readable: ${unreadable}`);
        if (cells.some((c) => c.includes("\r")))
          throw new ImportFileError("The CSV file must end its lines with LF or CRLF.");
        this.columns = checkCsvHeader(cells);
        continue;
      }
      this.row += 1;
      if (cells && cells.length !== this.columns.length) {
        unreadable = `Invalid Record Length: columns length is ${this.columns.length}, got ${cells.length}`;
        cells = null;
      }
      out.push(
        cells
          ? { row: this.row, line: startLine, input: csvCellsToRecordInput(this.columns, cells) }
          : { row: this.row, line: startLine, unreadable },
      );
    }
    this.rest = pos < text.length ? text.slice(pos) : "";
    if (this.rest.length > 2 * MAX_ROW_CHARS && this.rest.indexOf("\n") < 0) {
      throw new ImportFileError(
        `Line ${this.line} runs on for more than ${MAX_ROW_CHARS} characters without a line break: is this a CSV file?`,
      );
    }
  }
}

function lineText(text: string, from: number, nl: number): string {
  const end = nl > from && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
  return text.slice(from, end);
}

function countQuotes(line: string): number {
  let n = 0;
  for (let i = line.indexOf('"'); i >= 0; i = line.indexOf('"', i + 1)) n += 1;
  return n;
}

function quoteProblem(text: string): string | null {
  try {
    parseCsvText(text, { relax_column_count: true });
    return null;
  } catch (error) {
    return (error as { code?: string }).code ?? "error";
  }
}

/** One row that contains quotes: its cells, or why it cannot be read. */
function parseQuotedRow(text: string): string[] | string {
  try {
    const records = parseCsvText(text, { relax_column_count: true }) as string[][];
    if (records.length !== 1) return "unreadable row";
    return records[0]!;
  } catch (error) {
    // csv-parse counts lines within this row only; the report gives the file's line.
    return error instanceof Error ? error.message.replace(/ (at|on) line \d+/g, "") : "unreadable row";
  }
}

/** One JSON object per line; blank lines are skipped (and not counted as rows). */
class JsonLinesReader extends ChunkedRowReader {
  private line = 0;
  private row = 0;

  protected scan(text: string, final: boolean, out: SourceItem[]) {
    let pos = 0;
    while (pos < text.length) {
      let nl = text.indexOf("\n", pos);
      if (nl < 0) {
        if (!final) break;
        nl = text.length;
      }
      this.line += 1;
      let trimmed = text.slice(pos, nl).trim();
      pos = nl + 1;
      if (this.line === 1) trimmed = trimmed.replace(/^\uFEFF/, "");
      if (trimmed === "") continue;
      this.row += 1;
      try {
        out.push({ row: this.row, line: this.line, input: JSON.parse(trimmed) });
      } catch (error) {
        out.push({
          row: this.row,
          line: this.line,
          unreadable: `not valid JSON: ${error instanceof Error ? error.message : "parse error"}`,
        });
      }
    }
    this.rest = pos < text.length ? text.slice(pos) : "";
    if (this.rest.length > 2 * MAX_ROW_CHARS) {
      throw new ImportFileError(
        `Line ${this.line + 1} runs on for more than ${MAX_ROW_CHARS} characters without a line break: is this a JSONL file?`,
      );
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
