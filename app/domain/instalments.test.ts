import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkPlanPolicy, instalmentDate, splitIntoInstalments } from "./instalments";

describe("splitIntoInstalments", () => {
  it("sums exactly to the total, remainder on the first, all others equal", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 12, max: 10_000_000_000 }),
        fc.integer({ min: 2, max: 12 }),
        (total, count) => {
          const parts = splitIntoInstalments({
            totalMinor: total,
            count,
            firstDueDate: "2026-01-31",
            frequency: "monthly",
          });
          expect(parts).toHaveLength(count);
          expect(parts.reduce((s, p) => s + p.amountMinor, 0)).toBe(total);
          const rest = parts.slice(1).map((p) => p.amountMinor);
          expect(new Set(rest).size).toBe(1);
          expect(parts[0]!.amountMinor - rest[0]!).toBeLessThan(count);
          expect(parts[0]!.amountMinor).toBeGreaterThanOrEqual(rest[0]!);
        },
      ),
      { numRuns: 3_000 },
    );
  });

  it("example: HK$1,000.00 in 3 parts", () => {
    expect(
      splitIntoInstalments({
        totalMinor: 100_000,
        count: 3,
        firstDueDate: "2026-12-01",
        frequency: "monthly",
      }),
    ).toEqual([
      { seq: 1, dueDate: "2026-12-01", amountMinor: 33_334 },
      { seq: 2, dueDate: "2027-01-01", amountMinor: 33_333 },
      { seq: 3, dueDate: "2027-02-01", amountMinor: 33_333 },
    ]);
  });

  it("keeps the day of month, clamped at month end, and steps 14 days fortnightly", () => {
    expect([0, 1, 2, 3].map((i) => instalmentDate("2026-01-31", i, "monthly"))).toEqual([
      "2026-01-31",
      "2026-02-28",
      "2026-03-31",
      "2026-04-30",
    ]);
    expect(instalmentDate("2027-12-15", 2, "monthly")).toBe("2028-02-15");
    expect(instalmentDate("2026-12-25", 1, "fortnightly")).toBe("2027-01-08");
  });

  it("rejects impossible plans", () => {
    expect(() =>
      splitIntoInstalments({ totalMinor: 100, count: 13, firstDueDate: "2026-01-01", frequency: "monthly" }),
    ).toThrow(RangeError);
    expect(() =>
      splitIntoInstalments({ totalMinor: 1.5, count: 2, firstDueDate: "2026-01-01", frequency: "monthly" }),
    ).toThrow(RangeError);
    expect(() =>
      splitIntoInstalments({ totalMinor: 100, count: 2, firstDueDate: "2026-02-30", frequency: "monthly" }),
    ).toThrow(RangeError);
  });
});

describe("checkPlanPolicy", () => {
  const base = {
    frequency: "monthly" as const,
    today: "2026-11-23",
    firstDueDate: "2026-12-01",
    brokenPlanWithinLookback: false,
  };
  it("auto-approves inside policy", () => {
    expect(checkPlanPolicy({ ...base, totalMinor: 1_200_000, count: 6 })).toEqual({
      autoApprove: true,
      reasons: [],
    });
  });
  it("allows 12 months only for balances of 50,000 and above", () => {
    expect(checkPlanPolicy({ ...base, totalMinor: 4_999_999, count: 12 }).reasons).toContain("term_too_long");
    expect(checkPlanPolicy({ ...base, totalMinor: 5_000_000, count: 12 }).autoApprove).toBe(true);
  });
  it("needs each instalment at least 200, the first within 14 days, and no recent broken plan", () => {
    expect(checkPlanPolicy({ ...base, totalMinor: 100_000, count: 6 }).reasons).toEqual([
      "instalment_too_small",
    ]);
    expect(
      checkPlanPolicy({ ...base, totalMinor: 1_200_000, count: 6, firstDueDate: "2026-12-07" }).autoApprove,
    ).toBe(true);
    expect(
      checkPlanPolicy({ ...base, totalMinor: 1_200_000, count: 6, firstDueDate: "2026-12-08" }).reasons,
    ).toEqual(["first_payment_too_late"]);
    expect(
      checkPlanPolicy({ ...base, totalMinor: 1_200_000, count: 6, firstDueDate: "2026-11-22" }).reasons,
    ).toEqual(["first_payment_in_past"]);
    expect(
      checkPlanPolicy({ ...base, totalMinor: 1_200_000, count: 6, brokenPlanWithinLookback: true }).reasons,
    ).toEqual(["recent_broken_plan"]);
  });
});
