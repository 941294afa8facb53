import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { SYNTHETIC_COLUMNS, syntheticRecord } from "../support/synthetic-import";
import { config } from "../../app/platform/config.server";
import { importAccountsFile } from "../../app/bank/import.server";

/**
 * The import splits quote-free CSV lines itself and hands rows with quotes to csv-parse:
 * quoting, line endings and chunk boundaries must come out exactly as a CSV parser reads them.
 */
let t: TestDatabase;
let dir: string;
beforeAll(async () => {
  t = await createTestDatabase();
  dir = mkdtempSync(join(tmpdir(), "settle-csv-"));
});
afterAll(async () => {
  await t.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const prefix = () => `C${randomBytes(4).toString("hex")}`;
const hashKey = () => config().verificationHashKey;
const cell = (v: unknown) => {
  const text = v === undefined ? "" : String(v);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};
const csvLine = (record: Record<string, unknown>) => SYNTHETIC_COLUMNS.map((c) => cell(record[c])).join(",");

async function names(p: string): Promise<Map<string, string>> {
  const rows = await t.db
    .selectFrom("accounts")
    .innerJoin("borrowers", "borrowers.id", "accounts.borrower_id")
    .select(["accounts.external_ref", "borrowers.full_name"])
    .where("accounts.external_ref", "like", `${p}-%`)
    .execute();
  return new Map(rows.map((r) => [r.external_ref, r.full_name]));
}

function report(path: string): { row: string; line: string; field: string; message: string }[] {
  return parse(readFileSync(path, "utf8"), { columns: true });
}

describe("CSV reading", () => {
  it("reads quoted cells (commas, doubled quotes, line breaks), CRLF, a BOM, blank lines and a last line without a newline", async () => {
    const p = prefix();
    // Rows 2k and 2k+1 share a borrower, so each row gets its own borrower (even indexes) to keep names apart.
    const recs = [0, 2, 4, 6].map((i) => syntheticRecord(i, { prefix: p }) as Record<string, unknown>);
    recs[0]!.full_name = "Chan, Tai Man";
    recs[1]!.full_name = 'Wong "Ah" Ming';
    recs[2]!.full_name = "Lee\nKa Yan";
    const lines = [
      SYNTHETIC_COLUMNS.join(","),
      csvLine(recs[0]!),
      "",
      csvLine(recs[1]!),
      csvLine(recs[2]!),
      csvLine(recs[3]!),
    ];
    const file = join(dir, `${p}.csv`);
    writeFileSync(file, `\uFEFF${lines.join("\r\n")}`);
    const summary = await importAccountsFile(t.db, { file, hashKey: hashKey() });
    expect(summary).toMatchObject({ rows: 4, created: 4, rejected: 0 });
    expect(await names(p)).toEqual(
      new Map([
        [`${p}-A0`, "Chan, Tai Man"],
        [`${p}-A2`, 'Wong "Ah" Ming'],
        [`${p}-A4`, "Lee\nKa Yan"], // a line break inside quotes is data (the rows themselves end in CRLF)
        [`${p}-A6`, recs[3]!.full_name],
      ]),
    );
  });

  it("a stray or unclosed quote costs its own row only, reported with its line", async () => {
    const p = prefix();
    const rec = (i: number) => syntheticRecord(i, { prefix: p }) as Record<string, unknown>;
    const stray = csvLine({ ...rec(2), full_name: "x" }).replace(",x,", ',Chan "Tai Man,');
    const lines = [
      SYNTHETIC_COLUMNS.join(","),
      csvLine(rec(0)),
      stray,
      csvLine(rec(4)),
      `${csvLine(rec(6)).replace(/,[^,]*$/, "")},"unclosed`,
    ];
    const file = join(dir, `${p}.csv`);
    writeFileSync(file, `${lines.join("\n")}\n`);
    const summary = await importAccountsFile(t.db, { file, hashKey: hashKey() });
    expect(summary).toMatchObject({ rows: 4, created: 2, rejected: 2 });
    expect([...(await names(p)).keys()].sort()).toEqual([`${p}-A0`, `${p}-A4`]);
    expect(report(summary.errorsPath).map((r) => [r.row, r.line, r.field])).toEqual([
      ["2", "3", "(row)"],
      ["4", "5", "(row)"],
    ]);
    expect(report(summary.errorsPath)[0]!.message).toMatch(/quote/i);
  });

  it("rows with quotes across read-chunk boundaries come out whole", async () => {
    const p = prefix();
    const count = 3_000; // ~700 KB: several 256 KB chunks
    const lines = [SYNTHETIC_COLUMNS.join(",")];
    const expected = new Map<string, string>();
    for (let k = 0; k < count; k++) {
      const record = syntheticRecord(2 * k, { prefix: p }) as Record<string, unknown>;
      if (k % 3 === 0) record.full_name = `Name, ${k} "q"${k % 9 === 0 ? "\nsecond line" : ""}`;
      record.full_name = `${record.full_name as string}${"x".repeat(100)}`;
      expected.set(`${p}-A${2 * k}`, record.full_name as string);
      lines.push(csvLine(record));
    }
    const file = join(dir, `${p}.csv`);
    writeFileSync(file, `${lines.join("\n")}\n`);
    const summary = await importAccountsFile(t.db, { file, hashKey: hashKey(), batchSize: 700 });
    expect(summary).toMatchObject({ rows: count, created: count, rejected: 0 });
    expect(await names(p)).toEqual(expected);
  });
});
