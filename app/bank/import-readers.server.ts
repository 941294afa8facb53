import { parse as parseCsvText } from "csv-parse/sync";
import { accountRecordSchema, ACCOUNT_RECORD_FIELDS, csvCellsToRecordInput } from "./account-record.server";

/**
 * The import's row readers (app/bank/import.server.ts): CSV and JSONL text, read in chunks as the file
 * arrives, into one source item per row (its row and line numbers, and its input or why it is unreadable).
 */

/** The file itself cannot be imported (its name, header or shape); no row is written. */
export class ImportFileError extends Error {}

export interface SourceItem {
  row: number;
  line: number;
  input?: unknown;
  /** The row could not even be read (bad CSV quoting, invalid JSON). */
  unreadable?: string;
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
export class CsvReader extends ChunkedRowReader {
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
      if (first.length === 0) {
        this.line += 1;
        pos = nl + 1;
        continue;
      }
      if (!first.includes('"')) {
        this.line += 1;
        pos = nl + 1;
        this.take(first.split(","), undefined, startLine, out);
        continue;
      }
      const read = readQuotedRow(text, pos, nl, first, final);
      if (!read) break; // wait for the rest of the row
      this.line += read.lineCount;
      pos = read.next;
      this.take(read.cells, read.unreadable, startLine, out);
    }
    this.rest = pos < text.length ? text.slice(pos) : "";
    if (this.rest.length > 2 * MAX_ROW_CHARS && this.rest.indexOf("\n") < 0) {
      throw new ImportFileError(
        `Line ${this.line} runs on for more than ${MAX_ROW_CHARS} characters without a line break: is this a CSV file?`,
      );
    }
  }

  /** The first row is the header; every later one becomes a source item. */
  private take(cells: string[] | null, unreadable: string | undefined, startLine: number, out: SourceItem[]) {
    if (!this.columns) {
      if (!cells) throw new ImportFileError(`The CSV header is not readable: ${unreadable}`);
      if (cells.some((c) => c.includes("\r")))
        throw new ImportFileError("The CSV file must end its lines with LF or CRLF.");
      this.columns = checkCsvHeader(cells);
      return;
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
}

interface QuotedRowRead {
  cells: string[] | null;
  unreadable: string | undefined;
  /** Where the next row starts, and how many lines this one took. */
  next: number;
  lineCount: number;
}

/**
 * A row that contains a quote, starting at `pos` with its first line ending at `nl`: read on while a
 * quoted cell stays open. Null when the row runs past the text and more is to come.
 */
function readQuotedRow(
  text: string,
  pos: number,
  nl: number,
  first: string,
  final: boolean,
): QuotedRowRead | null {
  let end = nl;
  let next = nl + 1;
  let lineCount = 1;
  let quotes = countQuotes(first);
  // An odd count is either a quoted field running on to the next line or a stray quote:
  // csv-parse tells which, so a stray quote costs one row, not the rest of the file.
  if (quotes % 2 === 1 && quoteProblem(first) !== "CSV_QUOTE_NOT_CLOSED") quotes = 0;
  while (quotes % 2 === 1) {
    if (next - pos > MAX_ROW_CHARS) {
      // Report the line that opened the quote and read on from the next one.
      const unreadable = `Quote Not Closed: a quoted cell runs on for more than ${MAX_ROW_CHARS} characters`;
      return { cells: null, unreadable, next: nl + 1, lineCount: 1 };
    }
    if (next >= text.length && !final) return null;
    let nl2 = text.indexOf("\n", next);
    if (nl2 < 0) {
      if (!final) return null;
      nl2 = text.length;
    }
    quotes += countQuotes(lineText(text, next, nl2));
    end = nl2;
    next = nl2 + 1;
    lineCount += 1;
    if (nl2 >= text.length) break;
  }
  const parsed = parseQuotedRow(
    quotes % 2 === 1 || end === nl ? first : text.slice(pos, end).replace(/\r$/, ""),
  );
  return typeof parsed === "string"
    ? { cells: null, unreadable: parsed, next, lineCount }
    : { cells: parsed, unreadable: undefined, next, lineCount };
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
export class JsonLinesReader extends ChunkedRowReader {
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
