import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { assessAffordability, monthlyCost } from "./affordability";

describe("affordability", () => {
  it("monthly plans cost their instalment; fortnightly ones 26/12 of it, rounded up", () => {
    expect(monthlyCost(100_00, "monthly")).toBe(100_00);
    expect(monthlyCost(100_00, "fortnightly")).toBe(216_67);
  });

  it("compares the monthly cost with what is left after expenses", () => {
    expect(
      assessAffordability({
        largestInstalmentMinor: 1_000_00,
        frequency: "monthly",
        monthlyIncomeMinor: 20_000_00,
        monthlyExpensesMinor: 16_000_00,
      }),
    ).toEqual({
      monthlyCostMinor: 1_000_00,
      disposableMinor: 4_000_00,
      sharePercent: 25,
    });
  });

  it("has no share when nothing is left over", () => {
    expect(
      assessAffordability({
        largestInstalmentMinor: 1_00,
        frequency: "monthly",
        monthlyIncomeMinor: 10_00,
        monthlyExpensesMinor: 12_00,
      }),
    ).toMatchObject({ disposableMinor: -2_00, sharePercent: null });
  });

  it("never understates the share", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 ** 9 }),
        fc.integer({ min: 1, max: 10 ** 9 }),
        (cost, disposable) => {
          const { sharePercent } = assessAffordability({
            largestInstalmentMinor: cost,
            frequency: "monthly",
            monthlyIncomeMinor: disposable,
            monthlyExpensesMinor: 0,
          });
          expect(sharePercent! * disposable).toBeGreaterThanOrEqual(cost * 100);
        },
      ),
    );
  });
});
