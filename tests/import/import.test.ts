import { runSettle } from "../support/cli";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/database";
import {
  BREAKAGES,
  SYNTHETIC_COLUMNS,
  syntheticRecord,
  writeSyntheticImport,
} from "../support/synthetic-import";
import { config } from "../../app/platform/config.server";
import { ImportFileError, importAccountsFile } from "../../app/bank/import.server";
import { parseCommandLine } from "../../app/cli/settle";

let t: TestDatabase;
let dir: string;
beforeAll(async () => {
  t = await createTestDatabase();
  dir = mkdtempSync(join(tmpdir(), "settle-import-"));
  chmodSync(dir, 0o755);
});
afterAll(async () => {
  await t.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const prefix = () => `I${randomBytes(4).toString("hex")}`;
const hashKey = () => config().verificationHashKey;

async function accountRefs(p: string): Promise<string[]> {
  const rows = await t.db
    .selectFrom("accounts")
    .select("external_ref")
    .where("external_ref", "like", `${p}-%`)
    .execute();
  return rows.map((r) => r.external_ref).sort();
}

function readReport(path: string): { row: string; line: string; field: string; message: string }[] {
  return parse(readFileSync(path, "utf8"), { columns: true });
}

function expectedGoodRefs(p: string, count: number, invalidRows: number[]): string[] {
  const bad = new Set(invalidRows);
  return Array.from({ length: count }, (_, i) => i)
    .filter((i) => !bad.has(i + 1))
    .map((i) => `${p}-A${i}`)
    .sort();
}

describe("settle import", () => {
  it("a CSV with good and bad rows writes exactly the good ones and reports each bad one", async () => {
    const p = prefix();
    const file = join(dir, `${p}.csv`);
    const { invalidRows } = await writeSyntheticImport(file, { count: 60, prefix: p, invalidEvery: 7 });
    expect(invalidRows).toHaveLength(8);
    const summary = await importAccountsFile(t.db, { file, hashKey: hashKey(), batchSize: 9 });
    expect(summary).toMatchObject({
      format: "csv",
      rows: 60,
      created: 52,
      updated: 0,
      rejected: 8,
      errorsPath: join(dir, `${p}.errors.csv`),
    });
    expect(await accountRefs(p)).toEqual(expectedGoodRefs(p, 60, invalidRows));

    const report = readReport(summary.errorsPath);
    expect(report.map((r) => Number(r.row))).toEqual(invalidRows);
    expect(report.map((r) => Number(r.line))).toEqual(invalidRows.map((row) => row + 1)); // header is line 1
    expect(report.map((r) => r.field)).toEqual(
      invalidRows.map((_, k) => BREAKAGES[k % BREAKAGES.length]!.field),
    );
    expect(report.every((r) => r.message.length > 0)).toBe(true);
  });

  it("importing the same file again changes nothing; a newer file updates", async () => {
    const p = prefix();
    const file = join(dir, `${p}.csv`);
    await writeSyntheticImport(file, { count: 30, prefix: p, balanceAsOf: "2026-02-01T00:00:00Z" });
    expect(await importAccountsFile(t.db, { file, hashKey: hashKey() })).toMatchObject({
      created: 30,
      rejected: 0,
    });
    const before = await t.db
      .selectFrom("accounts")
      .selectAll()
      .where("external_ref", "like", `${p}-%`)
      .orderBy("external_ref")
      .execute();
    expect(await importAccountsFile(t.db, { file, hashKey: hashKey() })).toMatchObject({
      created: 0,
      updated: 0,
      unchanged: 30,
    });
    expect(
      await t.db
        .selectFrom("accounts")
        .selectAll()
        .where("external_ref", "like", `${p}-%`)
        .orderBy("external_ref")
        .execute(),
    ).toEqual(before);

    await writeSyntheticImport(file, {
      count: 30,
      prefix: p,
      balanceAsOf: "2026-02-02T00:00:00Z",
      balanceDelta: 1,
    });
    expect(await importAccountsFile(t.db, { file, hashKey: hashKey() })).toMatchObject({
      created: 0,
      updated: 30,
    });
  });

  it("JSONL: a line that is not JSON is reported with its line number; the rest is imported", async () => {
    const p = prefix();
    const file = join(dir, `${p}.jsonl`);
    const lines = [
      JSON.stringify(syntheticRecord(0, { prefix: p })),
      "",
      "{ not json",
      JSON.stringify({ ...syntheticRecord(1, { prefix: p }), status: "written_off" }),
      JSON.stringify(syntheticRecord(2, { prefix: p })),
    ];
    writeFileSync(file, `${lines.join("\n")}\n`);
    const summary = await importAccountsFile(t.db, {
      file,
      hashKey: hashKey(),
      errorsPath: join(dir, `${p}-report.csv`),
    });
    expect(summary).toMatchObject({ format: "jsonl", rows: 4, created: 2, rejected: 2 });
    expect(await accountRefs(p)).toEqual([`${p}-A0`, `${p}-A2`]);
    expect(readReport(join(dir, `${p}-report.csv`))).toEqual([
      { row: "2", line: "3", field: "(row)", message: expect.stringContaining("not valid JSON") },
      { row: "3", line: "4", field: "status", message: expect.any(String) },
    ]);
  });

  it("a CSV row with the wrong number of cells is reported, not fatal", async () => {
    const p = prefix();
    const file = join(dir, `${p}.csv`);
    const row = (i: number) =>
      SYNTHETIC_COLUMNS.map((c) => String(syntheticRecord(i, { prefix: p })[c] ?? "")).join(",");
    writeFileSync(
      file,
      [SYNTHETIC_COLUMNS.join(","), row(0), `${row(1)},extra,cells`, row(2), ""].join("\n"),
    );
    const summary = await importAccountsFile(t.db, { file, hashKey: hashKey() });
    expect(summary).toMatchObject({ rows: 3, created: 2, rejected: 1 });
    const [problem] = readReport(summary.errorsPath);
    expect(problem).toMatchObject({ row: "2", line: "3", field: "(row)" });
  });

  it("an unusable header stops the import before anything is written", async () => {
    const p = prefix();
    const file = join(dir, `${p}.csv`);
    await writeSyntheticImport(file, { count: 5, prefix: p });
    const text = readFileSync(file, "utf8").replace("balance_minor", "balance");
    writeFileSync(file, text);
    await expect(importAccountsFile(t.db, { file, hashKey: hashKey() })).rejects.toThrow(ImportFileError);
    await expect(importAccountsFile(t.db, { file, hashKey: hashKey() })).rejects.toThrow(
      /unknown column\(s\): balance; missing column\(s\): balance_minor/,
    );
    expect(await accountRefs(p)).toEqual([]);
    await expect(
      importAccountsFile(t.db, { file: join(dir, "records.xlsx"), hashKey: hashKey() }),
    ).rejects.toThrow(/\.csv, \.jsonl/);
    await writeSyntheticImport(file, { count: 5, prefix: p });
    await expect(
      importAccountsFile(t.db, { file, hashKey: hashKey(), errorsPath: join(dir, "no-such-dir", "e.csv") }),
    ).rejects.toThrow(/Cannot write the error report/);
    expect(await accountRefs(p)).toEqual([]);
  });

  it("a row the database refuses is isolated: the rest of its batch is still written", async () => {
    const p = prefix();
    const poison = `${p}-A3`;
    // A rule the record schema does not know about, standing in for any database-side refusal.
    await sql`alter table accounts add constraint test_no_poison check (external_ref <> ${sql.lit(poison)})`.execute(
      t.db,
    );
    try {
      const file = join(dir, `${p}.csv`);
      await writeSyntheticImport(file, { count: 10, prefix: p });
      const summary = await importAccountsFile(t.db, { file, hashKey: hashKey(), batchSize: 10 });
      expect(summary).toMatchObject({ rows: 10, created: 9, rejected: 1 });
      expect(await accountRefs(p)).not.toContain(poison);
      expect(await accountRefs(p)).toHaveLength(9);
      expect(readReport(summary.errorsPath)).toEqual([
        { row: "4", line: "5", field: "(record)", message: "refused by the database (test_no_poison)" },
      ]);
    } finally {
      await sql`alter table accounts drop constraint test_no_poison`.execute(t.db);
    }
  });

  it("runs as `npm run settle -- import`, exiting 3 when rows were rejected, with the report next to the input", () => {
    const p = prefix();
    const file = join(dir, `${p}.csv`);
    return writeSyntheticImport(file, { count: 25, prefix: p, invalidEvery: 10 }).then(async () => {
      const result = runSettle(["import", file], {
        env: { ...process.env, DATABASE_URL: t.url, LOG_LEVEL: "silent" },
      });
      expect(result.status).toBe(3);
      expect(result.stdout).toMatch(
        /Imported 25 rows in [\d.]+ s \(\d+ rows\/s\): 23 created, 0 updated, 0 unchanged, 2 rejected/,
      );
      expect(existsSync(join(dir, `${p}.errors.csv`))).toBe(true);
      expect(await accountRefs(p)).toHaveLength(23);
      expect(() => parseCommandLine(["import"])).toThrow(/exactly one input file/);
      expect(parseCommandLine(["import", file, "--errors", "/tmp/x.csv"]).args).toMatchObject({
        positionals: [file],
        errors: "/tmp/x.csv",
        "batch-size": 2000,
      });
    });
  });
});
