import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  MIN_CUSTOM_PAYMENT_MINOR,
  parseTypedAmount,
  paymentBounds,
  resolvePaymentAmount,
} from "./payment-amount";

const hkd = paymentBounds({ currency: "HKD", overdueMinor: 123_400, balanceMinor: 500_000 });

describe("parseTypedAmount", () => {
  it.each([
    ["150", 15_000],
    ["150.5", 15_050],
    ["150.50", 15_050],
    ["1,234.56", 123_456],
    [" 80 ", 8_000],
    ["HK$80", 8_000],
    ["HKD 80.00", 8_000],
    ["１２３．４", 12_340], // full-width, as Chinese keyboards type it
    [".5", 50],
    ["12.", 1_200],
    ["12.500", 1_250],
  ])("reads %j as %i minor units of HKD", (input, minor) => {
    expect(parseTypedAmount(input, "HKD")).toEqual({ ok: true, minor });
  });

  it.each([
    ["", "amountRequired"],
    ["   ", "amountRequired"],
    ["-5", "amountNegative"],
    ["−5", "amountNegative"], // U+2212 minus sign
    ["HK$-5", "amountNegative"],
    ["0", "amountZero"],
    ["0.00", "amountZero"],
    ["-0", "amountZero"],
    ["12.345", "amountDecimals"],
    ["abc", "amountNotNumber"],
    ["1e5", "amountNotNumber"],
    ["12.3.4", "amountNotNumber"],
    ["<script>alert(1)</script>", "amountNotNumber"],
    ["9".repeat(20), "amountAboveBalance"],
    ["x".repeat(10_240), "amountNotNumber"],
    ["NaN", "amountNotNumber"],
    ["Infinity", "amountNotNumber"],
  ])("refuses %j with %s", (input, error) => {
    expect(parseTypedAmount(input, "HKD")).toEqual({ ok: false, error });
  });

  it("knows currencies without minor units", () => {
    expect(parseTypedAmount("500", "JPY")).toEqual({ ok: true, minor: 500 });
    expect(parseTypedAmount("500.5", "JPY")).toEqual({ ok: false, error: "amountDecimals" });
  });

  it("round-trips every amount written as a plain decimal (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 99_999_999_999 }), (minor) => {
        const text = `${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, "0")}`;
        expect(parseTypedAmount(text, "HKD")).toEqual({ ok: true, minor });
      }),
    );
  });
});

describe("resolvePaymentAmount", () => {
  it("pays the overdue amount or the full balance as held", () => {
    expect(resolvePaymentAmount("overdue", undefined, hkd)).toEqual({ ok: true, minor: 123_400 });
    expect(resolvePaymentAmount("full", undefined, hkd)).toEqual({ ok: true, minor: 500_000 });
  });

  it("bounds a custom amount by the minimum and the full balance", () => {
    expect(resolvePaymentAmount("custom", MIN_CUSTOM_PAYMENT_MINOR, hkd)).toEqual({
      ok: true,
      minor: MIN_CUSTOM_PAYMENT_MINOR,
    });
    expect(resolvePaymentAmount("custom", 500_000, hkd)).toEqual({ ok: true, minor: 500_000 });
    expect(resolvePaymentAmount("custom", 99, hkd)).toEqual({ ok: false, error: "amountBelowMinimum" });
    expect(resolvePaymentAmount("custom", 500_001, hkd)).toEqual({ ok: false, error: "amountAboveBalance" });
    expect(resolvePaymentAmount("custom", -1, hkd)).toEqual({ ok: false, error: "amountNegative" });
    expect(resolvePaymentAmount("custom", 0, hkd)).toEqual({ ok: false, error: "amountZero" });
    expect(resolvePaymentAmount("custom", undefined, hkd)).toEqual({ ok: false, error: "amountRequired" });
    expect(resolvePaymentAmount("custom", 1.5, hkd)).toEqual({ ok: false, error: "amountNotNumber" });
  });

  it("lets a balance below the minimum be paid off exactly", () => {
    const small = paymentBounds({ currency: "HKD", overdueMinor: 50, balanceMinor: 50 });
    expect(small.minMinor).toBe(50);
    expect(resolvePaymentAmount("custom", 50, small)).toEqual({ ok: true, minor: 50 });
    expect(resolvePaymentAmount("custom", 49, small)).toEqual({ ok: false, error: "amountBelowMinimum" });
  });

  it("offers nothing when nothing is owed, and no overdue payment when nothing is overdue", () => {
    const none = paymentBounds({ currency: "HKD", overdueMinor: 0, balanceMinor: 0 });
    expect(resolvePaymentAmount("full", undefined, none)).toEqual({ ok: false, error: "nothingToPay" });
    const current = paymentBounds({ currency: "HKD", overdueMinor: 0, balanceMinor: 10_000 });
    expect(resolvePaymentAmount("overdue", undefined, current)).toEqual({
      ok: false,
      error: "choiceUnavailable",
    });
  });

  it("never charges more than the balance, whatever the choice (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.constantFrom("overdue", "full", "custom" as const),
        fc.option(fc.integer({ min: -1_000, max: 20_000_000 }), { nil: undefined }),
        (overdue, balance, choice, custom) => {
          const bounds = paymentBounds({ currency: "HKD", overdueMinor: overdue, balanceMinor: balance });
          const r = resolvePaymentAmount(choice, custom, bounds);
          if (r.ok) {
            expect(r.minor).toBeGreaterThan(0);
            expect(r.minor).toBeLessThanOrEqual(balance);
          }
        },
      ),
    );
  });
});
