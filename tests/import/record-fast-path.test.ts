import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  accountRecordSchema,
  csvCellsToRecordInput,
  parseAccountRecordFast,
} from "../../app/bank/account-record.server";
import { BREAKAGES, SYNTHETIC_COLUMNS, syntheticRecord } from "../support/synthetic-import";

/**
 * The import validates rows with accountRecordFastSchema (zod 4) and falls back to accountRecordSchema
 * (zod 3, the API's) only for rows it refuses. That is only sound if both give the same verdict and the
 * same record for every input: these tests hold them to it.
 */
function expectSameVerdict(input: unknown) {
  const full = accountRecordSchema.safeParse(input);
  const fast = parseAccountRecordFast(input);
  if (full.success !== (fast !== null)) {
    throw new Error(
      `verdicts differ (full: ${full.success ? "valid" : JSON.stringify(full.error.issues)}) for ${JSON.stringify(input)}`,
    );
  }
  if (full.success) expect(fast).toStrictEqual(full.data);
}

const base = () =>
  syntheticRecord(4, { prefix: "FP", balanceAsOf: "2026-01-02T03:04:05Z" }) as Record<string, unknown>;
const asCsv = (record: Record<string, unknown>) =>
  csvCellsToRecordInput(
    SYNTHETIC_COLUMNS,
    SYNTHETIC_COLUMNS.map((c) => (record[c] === undefined ? "" : String(record[c]))),
  );

/** As CSV cells under the record's own columns (the status columns are not among the synthetic ones). */
const asCsvWith = (record: Record<string, unknown>) => {
  const columns = Object.keys(record);
  return csvCellsToRecordInput(
    columns,
    columns.map((c) => String(record[c])),
  );
};

/** Values that probe each kind of check: types, bounds, trimming, formats, edge dates. */
const PROBES: unknown[] = [
  undefined,
  null,
  "",
  " ",
  "  x  ",
  0,
  1,
  -1,
  1.5,
  2 ** 53 - 1,
  2 ** 53,
  36_500,
  36_501,
  Number.NaN,
  true,
  {},
  [],
  "12",
  "x".repeat(65),
  "x".repeat(201),
  "A.b_c:d-1",
  "-starts-with-dash",
  "has/slash",
  "+852 9123 4567",
  "+85291234567",
  " +8613812345678 ",
  "85291234567",
  "+85212",
  "a@b.co",
  " A.B@EXAMPLE.COM ",
  ".a@b.co",
  "a..b@c.co",
  "a@b",
  `${"a".repeat(250)}@b.co`,
  "zh-HK",
  "en",
  "fr",
  "Asia/Hong_Kong",
  "Mars/Olympus",
  "UTC",
  "HK",
  "XX",
  "1985-03-14",
  "1985/3/14",
  "19850314",
  "１９８５-０３-１４",
  "1899-12-31",
  "2026-02-29",
  "2024-02-29",
  "2026-13-01",
  "123A",
  "456(7)",
  "12",
  "credit_card",
  "written_off",
  "0042",
  "42",
  "HKD",
  "hkd",
  "XYZ",
  "current",
  "2026-11-23T08:00:00Z",
  "2026-11-23T08:00:00+08:00",
  "2026-11-23T08:00:00.123456Z",
  "2026-11-23T08:00:00",
  "2026-11-23",
  "2999-01-01T00:00:00Z",
  "2026-11-23T25:00:00Z",
];

describe("the import's fast record schema agrees with the API's", () => {
  it("on synthetic rows, as JSON records and as CSV cells, and on each deliberate breakage", () => {
    for (let i = 0; i < 400; i++) {
      const record = syntheticRecord(i, {
        prefix: "FP",
        invalidEvery: 7,
        balanceAsOf: i % 2 ? "2026-01-02T03:04:05Z" : undefined,
      });
      expectSameVerdict(record);
      expectSameVerdict(asCsv(record as Record<string, unknown>));
    }
    for (const breakage of BREAKAGES) {
      const record = base();
      breakage.apply(record);
      expectSameVerdict(record);
      expect(parseAccountRecordFast(record)).toBeNull();
    }
  });

  it("field by field, on every probe value (missing, null, wrong type, bounds, formats)", () => {
    for (const field of SYNTHETIC_COLUMNS) {
      for (const value of PROBES) {
        const record = base();
        if (value === undefined) delete record[field];
        else record[field] = value;
        expectSameVerdict(record);
      }
    }
  });

  it("on whole-record shapes: extra keys, __proto__, no verification answer, not an object", () => {
    expectSameVerdict({ ...base(), extra: 1 });
    expectSameVerdict(JSON.parse(JSON.stringify({ ...base() }).replace(/^\{/, '{"__proto__":{"x":1},')));
    const noAnswer = base();
    delete noAnswer.dob;
    delete noAnswer.id_last4;
    expectSameVerdict(noAnswer);
    expectSameVerdict({ ...noAnswer, id_last4: "123A" });
    for (const input of [null, undefined, [], "x", 5, [base()]]) expectSameVerdict(input);
  });

  it("on the status columns: set and end, with and without their reasons, the same kind or not", () => {
    const values = [undefined, "", " ", "dispute", "cease_contact", "nonsense", 5];
    const reasons = [undefined, "", "  ", "Adviser's letter", "x".repeat(501)];
    for (const set of values)
      for (const end of values)
        for (const endReason of reasons) {
          const record = {
            ...base(),
            contact_status: set,
            contact_status_reason: "Why",
            contact_status_end: end,
          };
          const withReason = { ...record, contact_status_end_reason: endReason };
          for (const input of [record, withReason]) {
            const clean = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
            expectSameVerdict(clean);
            expectSameVerdict(asCsvWith(clean));
          }
        }
  });

  it("on random mutations of a valid record", () => {
    const probe = fc.oneof(
      fc.constantFrom(...PROBES),
      fc.string(),
      fc.integer(),
      fc.double(),
      fc.constant(null),
      fc.boolean(),
    );
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom(...SYNTHETIC_COLUMNS, "extra"), probe, { maxKeys: 4 }),
        fc.boolean(),
        (changes, csv) => {
          const record = base();
          for (const [key, value] of Object.entries(changes)) {
            if (value === undefined) delete record[key];
            else record[key] = value;
          }
          expectSameVerdict(csv ? asCsv(record) : record);
        },
      ),
      { numRuns: 3_000 },
    );
  });
});
