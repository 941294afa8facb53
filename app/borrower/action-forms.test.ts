import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { parseWithZod } from "@conform-to/zod";
import {
  appointmentSchema,
  complaintSchema,
  hardshipSchema,
  preferencesSchema,
  promiseSchema,
} from "./action-forms";

/**
 * Whatever a person (or a script) posts, the forms answer with a value or with
 * translation keys; they never throw (which would be a 500) and never let an
 * out-of-bounds value through.
 */

const form = (fields: Record<string, string | string[]>) => {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields))
    for (const one of Array.isArray(v) ? v : [v]) fd.append(k, one);
  return fd;
};
const allKeys = (error: Record<string, string[] | null> | null | undefined) =>
  Object.values(error ?? {}).flat();
const anyText = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ maxLength: 30, unit: "grapheme" }),
  fc.constantFrom("", " ", "<script>", "-1", "1e9", "0x10", "１２３", "12.345"),
);

describe("action forms", () => {
  it("property: a promise amount, if accepted, is 1..balance minor units; otherwise the errors are translation keys", () => {
    const schema = promiseSchema({ currency: "HKD", balanceMinor: 500_000, today: "2030-01-10" });
    fc.assert(
      fc.property(
        anyText,
        fc.constantFrom("2030-01-09", "2030-01-10", "2030-01-24", "2030-01-25", "x"),
        (amount, promisedDate) => {
          const submission = parseWithZod(form({ amount, promisedDate }), { schema });
          if (submission.status === "success") {
            expect(submission.value.amount).toBeGreaterThanOrEqual(1);
            expect(submission.value.amount).toBeLessThanOrEqual(500_000);
            expect(Number.isSafeInteger(submission.value.amount)).toBe(true);
            expect(["2030-01-10", "2030-01-24"]).toContain(submission.value.promisedDate);
          } else {
            for (const key of allKeys(submission.error)) expect(key).toMatch(/^actions:errors\.\w+$/);
          }
        },
      ),
    );
  });

  it("property: no input makes any action form throw, and every error is a translation key", () => {
    const schemas = [
      hardshipSchema({ currency: "CNY" }),
      preferencesSchema,
      appointmentSchema({ slotStarts: new Set(["2030-01-10T01:00:00.000Z"]) }),
      complaintSchema,
    ];
    const fieldNames = [
      "reason",
      "details",
      "monthlyIncome",
      "monthlyExpenses",
      "help",
      "channels",
      "windowStart",
      "windowEnd",
      "language",
      "maxPerWeek",
      "kind",
      "slot",
      "note",
      "category",
      "text",
    ];
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom(...fieldNames), fc.oneof(anyText, fc.array(anyText, { maxLength: 3 }))),
        (fields) => {
          for (const schema of schemas) {
            const submission = parseWithZod(form(fields), { schema: schema as never });
            if (submission.status !== "success")
              for (const key of allKeys(submission.error)) expect(key).toMatch(/^actions:errors\.\w+$/);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("hardship: blank free text is simply absent; text is trimmed but otherwise kept as typed", () => {
    const schema = hardshipSchema({ currency: "HKD" });
    const blank = parseWithZod(form({ reason: "other", details: "   \n " }), { schema });
    expect(blank.status === "success" && blank.value.details).toBe("");
    const typed = parseWithZod(form({ reason: "other", details: "  <b>我</b> & you \n" }), { schema });
    expect(typed.status === "success" && typed.value.details).toBe("<b>我</b> & you");
  });
});
