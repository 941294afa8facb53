import { createWriteStream } from "node:fs";
import { once } from "node:events";
import { extname } from "node:path";

/**
 * Synthetic bank records (the AccountRecord shape of POST /api/v1/accounts/bulk
 * and `settle import`), deterministic by row index, for tests and the import
 * benchmark. Every `invalidEvery`-th row is broken in one of a few known ways.
 */
export interface SyntheticOptions {
  count: number;
  /** Makes refs unique per test or run. */
  prefix?: string;
  /** 0 or undefined: every row valid. */
  invalidEvery?: number;
  balanceAsOf?: string;
  /** Added to every balance (to make a second import change things). */
  balanceDelta?: number;
}

export const SYNTHETIC_COLUMNS = [
  "borrower_ref",
  "full_name",
  "phone",
  "email",
  "locale",
  "time_zone",
  "jurisdiction",
  "dob",
  "id_last4",
  "account_ref",
  "product",
  "last4",
  "currency",
  "balance_minor",
  "overdue_minor",
  "minimum_due_minor",
  "fees_minor",
  "interest_minor",
  "due_date",
  "dpd",
  "status",
  "balance_as_of",
] as const;

/** One record; every field optional so tests can break or drop any of them. */
export type SyntheticRecord = { [K in (typeof SYNTHETIC_COLUMNS)[number]]?: string | number };

const LOCALES = ["zh-HK", "zh-CN", "en"] as const;
const PRODUCTS = ["credit_card", "personal_loan", "auto_loan", "mortgage"] as const;
/** How invalid rows are broken, and the field the error report must name. */
export const BREAKAGES = [
  { field: "phone", apply: (r: SyntheticRecord) => (r.phone = "+852123") },
  { field: "balance_minor", apply: (r: SyntheticRecord) => (r.balance_minor = -5) },
  { field: "currency", apply: (r: SyntheticRecord) => (r.currency = "XYZ") },
  { field: "due_date", apply: (r: SyntheticRecord) => (r.due_date = "2026-02-30") },
  { field: "time_zone", apply: (r: SyntheticRecord) => (r.time_zone = "Mars/Olympus") },
] as const;

function isInvalidRow(index: number, opts: Pick<SyntheticOptions, "invalidEvery">): boolean {
  return !!opts.invalidEvery && (index + 1) % opts.invalidEvery === 0;
}

/** Row `index` (0-based). Two accounts per borrower: rows 2k and 2k+1 share a borrower. */
export function syntheticRecord(index: number, opts: Omit<SyntheticOptions, "count"> = {}): SyntheticRecord {
  const prefix = opts.prefix ?? "SYN";
  const b = Math.floor(index / 2);
  const hk = b % 2 === 0;
  const balance = 10_000 + ((index * 7919) % 5_000_000) + (opts.balanceDelta ?? 0);
  const dpd = (index * 13) % 120;
  const record: SyntheticRecord = {
    borrower_ref: `${prefix}-B${b}`,
    full_name: hk ? `陳大文 ${b}` : `Test Borrower ${b}`,
    phone: hk
      ? `+8529${String(b % 10_000_000).padStart(7, "0")}`
      : `+86138${String(b % 100_000_000).padStart(8, "0")}`,
    email: b % 3 === 0 ? `borrower${b}@example.com` : undefined,
    locale: LOCALES[b % 3],
    time_zone: hk ? "Asia/Hong_Kong" : "Asia/Shanghai",
    jurisdiction: hk ? "HK" : "CN",
    dob: `19${String(50 + (b % 50)).padStart(2, "0")}-${String(1 + (b % 12)).padStart(2, "0")}-${String(1 + (b % 28)).padStart(2, "0")}`,
    id_last4: b % 4 === 0 ? `${String(b % 1000).padStart(3, "0")}A` : undefined,
    account_ref: `${prefix}-A${index}`,
    product: PRODUCTS[index % 4],
    last4: String(index % 10_000).padStart(4, "0"),
    currency: hk ? "HKD" : "CNY",
    balance_minor: balance,
    overdue_minor: dpd > 0 ? Math.floor(balance / 10) : 0,
    minimum_due_minor: Math.floor(balance / 20),
    fees_minor: dpd > 30 ? 5_000 : 0,
    interest_minor: (index * 31) % 10_000,
    due_date: `2026-${String(1 + (index % 12)).padStart(2, "0")}-${String(1 + (index % 28)).padStart(2, "0")}`,
    dpd,
    status: dpd > 0 ? "delinquent" : "current",
    balance_as_of: opts.balanceAsOf,
  };
  if (isInvalidRow(index, opts))
    BREAKAGES[Math.floor(index / (opts.invalidEvery ?? 1)) % BREAKAGES.length]!.apply(record);
  for (const key of SYNTHETIC_COLUMNS) if (record[key] === undefined) delete record[key];
  return record;
}

export function syntheticRecords(opts: SyntheticOptions): SyntheticRecord[] {
  return Array.from({ length: opts.count }, (_, i) => syntheticRecord(i, opts));
}

function csvCell(value: unknown): string {
  if (value === undefined || value === null) return "";
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Writes a .csv (header + rows) or .jsonl file, streaming, so a million rows take little memory. */
export async function writeSyntheticImport(
  path: string,
  opts: SyntheticOptions,
): Promise<{ rows: number; invalidRows: number[] }> {
  const csv = extname(path).toLowerCase() === ".csv";
  const out = createWriteStream(path, { encoding: "utf8" });
  const invalidRows: number[] = [];
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, "drain");
  };
  if (csv) await write(`${SYNTHETIC_COLUMNS.join(",")}\n`);
  let chunk = "";
  for (let i = 0; i < opts.count; i++) {
    const record = syntheticRecord(i, opts);
    if (isInvalidRow(i, opts)) invalidRows.push(i + 1);
    chunk += csv
      ? `${SYNTHETIC_COLUMNS.map((c) => csvCell(record[c])).join(",")}\n`
      : `${JSON.stringify(record)}\n`;
    if (chunk.length > 1 << 16) {
      await write(chunk);
      chunk = "";
    }
  }
  await write(chunk);
  out.end();
  await once(out, "finish");
  return { rows: opts.count, invalidRows };
}
