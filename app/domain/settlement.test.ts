import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  matchBand,
  settlementAmount,
  settlementPolicySchema,
  settlementSchedule,
  type SettlementPolicy,
} from "./settlement";

const band = (over: Partial<SettlementPolicy["bands"][number]>) => ({
  product: "any" as const,
  currency: "any",
  minDpd: 90,
  maxDiscountBp: 2000,
  paymentCounts: [1, 3],
  windowDays: 60,
  validityDays: 14,
  ...over,
});

describe("matchBand", () => {
  const policy: SettlementPolicy = {
    graceDays: 7,
    bands: [
      band({ minDpd: 90, maxDiscountBp: 2000 }),
      band({ minDpd: 180, maxDiscountBp: 3500 }),
      band({ minDpd: 90, product: "credit_card", currency: "HKD", maxDiscountBp: 2500 }),
      band({ minDpd: 30, product: "mortgage", currency: "GBP", maxDiscountBp: 500 }),
    ],
  };

  it("takes the deepest band the account has reached, the specific one between equals", () => {
    expect(matchBand(policy, { product: "personal_loan", currency: "CNY", dpd: 95 })?.maxDiscountBp).toBe(
      2000,
    );
    expect(matchBand(policy, { product: "credit_card", currency: "HKD", dpd: 95 })?.maxDiscountBp).toBe(2500);
    expect(matchBand(policy, { product: "credit_card", currency: "HKD", dpd: 200 })?.maxDiscountBp).toBe(
      3500,
    );
    expect(matchBand(policy, { product: "mortgage", currency: "GBP", dpd: 45 })?.maxDiscountBp).toBe(500);
  });

  it("matches nothing below every band's days past due or for another product and currency", () => {
    expect(matchBand(policy, { product: "credit_card", currency: "HKD", dpd: 89 })).toBeNull();
    expect(matchBand(policy, { product: "mortgage", currency: "HKD", dpd: 45 })).toBeNull();
    expect(
      matchBand({ graceDays: 7, bands: [] }, { product: "mortgage", currency: "HKD", dpd: 999 }),
    ).toBeNull();
  });
});

describe("settlementAmount", () => {
  it("rounds the discount down, so the agreed amount rounds up (the bank's favour)", () => {
    expect(settlementAmount(1_000_000, 2000)).toBe(800_000);
    // 20% of 12,345 is 2,469 exactly; 15.55% of 12,345 is 1,919.6475 -> discount 1,919.
    expect(settlementAmount(12_345, 1555)).toBe(10_426);
    expect(settlementAmount(1, 9000)).toBe(1);
  });

  it("is never above the balance nor below it by more than the discount", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 50 }), fc.integer({ min: 0, max: 9000 }), (balance, bp) => {
        const agreed = settlementAmount(balance, bp);
        expect(agreed).toBeLessThanOrEqual(balance);
        expect(agreed).toBeGreaterThanOrEqual(1);
        expect(BigInt(balance - agreed) * 10_000n).toBeLessThanOrEqual(BigInt(balance) * BigInt(bp));
      }),
    );
  });
});

describe("settlementSchedule", () => {
  it("sums exactly to the agreed amount, within the window, never above the balance", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 12, max: 2 ** 48 }),
        fc.integer({ min: 0, max: 9000 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 366 }),
        (balance, bp, count, windowDays) => {
          const agreed = settlementAmount(balance, bp);
          fc.pre(agreed >= count);
          const payments = settlementSchedule(agreed, count, "2026-12-06", windowDays);
          expect(payments.reduce((s, p) => s + p.amountMinor, 0)).toBe(agreed);
          expect(payments.reduce((s, p) => s + p.amountMinor, 0)).toBeLessThanOrEqual(balance);
          expect(payments.every((p) => p.amountMinor > 0)).toBe(true);
          expect(payments[0]!.dueDate).toBe("2026-12-06");
          const last = Date.parse(payments.at(-1)!.dueDate) - Date.parse("2026-12-06");
          expect(last / 86_400_000).toBeLessThan(windowDays);
        },
      ),
    );
  });

  it("puts the remainder on the first payment", () => {
    expect(settlementSchedule(1000, 3, "2026-01-01", 60)).toEqual([
      { seq: 1, dueDate: "2026-01-01", amountMinor: 334 },
      { seq: 2, dueDate: "2026-01-21", amountMinor: 333 },
      { seq: 3, dueDate: "2026-02-10", amountMinor: 333 },
    ]);
  });
});

describe("settlementPolicySchema", () => {
  it("refuses a discount of the whole balance, repeated counts and several payments without a window", () => {
    const bad = settlementPolicySchema.safeParse({
      graceDays: 7,
      bands: [band({ maxDiscountBp: 10_000 }), band({ paymentCounts: [3, 3] }), band({ windowDays: 0 })],
    });
    expect(bad.success).toBe(false);
    const paths = bad.error!.issues.map((i) => i.path.join("."));
    expect(paths).toEqual(
      expect.arrayContaining(["bands.0.maxDiscountBp", "bands.1.paymentCounts", "bands.2.windowDays"]),
    );
  });
});
