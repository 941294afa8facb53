import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addDays,
  checkFirstDate,
  checkPlanTerms,
  isRealIsoDate,
  latestFirstDate,
  previewPlan,
} from "./plan-terms";

const today = "2026-11-23";

describe("checkFirstDate", () => {
  it("accepts today and up to 60 days ahead, nothing earlier or later", () => {
    expect(checkFirstDate(today, today)).toBeNull();
    expect(checkFirstDate("2027-01-22", today)).toBeNull(); // +60
    expect(checkFirstDate("2027-01-23", today)).toBe("date_too_far");
    expect(checkFirstDate("2026-11-22", today)).toBe("date_in_past");
  });

  it("rejects text that is not a real calendar date", () => {
    for (const bad of [
      "2026-02-30",
      "2026-13-01",
      "23/11/2026",
      "<script>alert(1)</script>",
      "x".repeat(10_000),
      "",
    ]) {
      expect(checkFirstDate(bad, today)).toBe("date_invalid");
    }
  });
});

describe("checkPlanTerms", () => {
  it("accepts 2 to 12 instalments and refuses others", () => {
    expect(
      checkPlanTerms({ totalMinor: 100_000, count: 2, frequency: "monthly", firstDueDate: today, today }),
    ).toEqual([]);
    expect(
      checkPlanTerms({ totalMinor: 100_000, count: 12, frequency: "monthly", firstDueDate: today, today }),
    ).toEqual([]);
    expect(
      checkPlanTerms({ totalMinor: 100_000, count: 1, frequency: "monthly", firstDueDate: today, today }),
    ).toEqual(["count_out_of_range"]);
    expect(
      checkPlanTerms({ totalMinor: 100_000, count: 13, frequency: "monthly", firstDueDate: today, today }),
    ).toEqual(["count_out_of_range"]);
    expect(
      checkPlanTerms({ totalMinor: 100_000, count: 2.5, frequency: "monthly", firstDueDate: today, today }),
    ).toEqual(["count_out_of_range"]);
    expect(
      checkPlanTerms({
        totalMinor: 100_000,
        count: 3,
        frequency: "weekly" as never,
        firstDueDate: today,
        today,
      }),
    ).toEqual(["frequency_invalid"]);
  });

  it("refuses to split an amount smaller than one minor unit per instalment", () => {
    expect(
      checkPlanTerms({ totalMinor: 5, count: 6, frequency: "monthly", firstDueDate: today, today }),
    ).toEqual(["amount_too_small"]);
    expect(
      checkPlanTerms({ totalMinor: 0, count: 2, frequency: "monthly", firstDueDate: "2020-01-01", today }),
    ).toEqual(["amount_too_small", "date_in_past"]);
  });
});

describe("previewPlan", () => {
  it("lists every instalment, summing exactly, with the policy verdict", () => {
    const preview = previewPlan({
      totalMinor: 100_001,
      count: 3,
      frequency: "monthly",
      firstDueDate: "2026-11-30",
      today,
      brokenPlanWithinLookback: false,
    });
    expect(preview?.instalments.map((i) => [i.dueDate, i.amountMinor])).toEqual([
      ["2026-11-30", 33_335],
      ["2026-12-30", 33_333],
      ["2027-01-30", 33_333],
    ]);
    expect(preview?.autoApprove).toBe(true);
  });

  it("says why a plan needs review", () => {
    const preview = previewPlan({
      totalMinor: 500_000,
      count: 12,
      frequency: "monthly",
      firstDueDate: "2026-12-20",
      today,
      brokenPlanWithinLookback: true,
    });
    expect(preview?.autoApprove).toBe(false);
    expect(preview?.reasons).toEqual(["term_too_long", "first_payment_too_late", "recent_broken_plan"]);
  });

  it("is null for unacceptable terms instead of throwing", () => {
    expect(
      previewPlan({
        totalMinor: 3,
        count: 4,
        frequency: "monthly",
        firstDueDate: today,
        today,
        brokenPlanWithinLookback: false,
      }),
    ).toBeNull();
    expect(
      previewPlan({
        totalMinor: 100_000,
        count: 3,
        frequency: "monthly",
        firstDueDate: "nope",
        today,
        brokenPlanWithinLookback: false,
      }),
    ).toBeNull();
  });

  it("property: any acceptable plan has count instalments summing to the total, dates ascending from the first", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 12, max: 1_000_000_000 }),
        fc.integer({ min: 2, max: 12 }),
        fc.constantFrom("monthly" as const, "fortnightly" as const),
        fc.integer({ min: 0, max: 60 }),
        (totalMinor, count, frequency, ahead) => {
          const firstDueDate = addDays(today, ahead);
          const preview = previewPlan({
            totalMinor,
            count,
            frequency,
            firstDueDate,
            today,
            brokenPlanWithinLookback: false,
          });
          expect(preview).not.toBeNull();
          const list = preview!.instalments;
          expect(list).toHaveLength(count);
          expect(list.reduce((s, i) => s + i.amountMinor, 0)).toBe(totalMinor);
          expect(list[0]!.dueDate).toBe(firstDueDate);
          for (let i = 1; i < list.length; i++) expect(list[i]!.dueDate > list[i - 1]!.dueDate).toBe(true);
        },
      ),
    );
  });
});

describe("dates", () => {
  it("adds days across months and leap years", () => {
    expect(addDays("2028-02-28", 1)).toBe("2028-02-29");
    expect(addDays("2026-12-31", 1)).toBe("2027-01-01");
    expect(latestFirstDate("2026-11-23")).toBe("2027-01-22");
    expect(isRealIsoDate("2028-02-29")).toBe(true);
    expect(isRealIsoDate("2027-02-29")).toBe(false);
  });
});
