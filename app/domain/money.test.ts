import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { currencyExponent, formatCalendarDate, formatMoney, parseMoneyInput } from "./money";

describe("money", () => {
  it("formats minor units per locale and currency exponent", () => {
    expect(formatMoney({ minor: 123_400, currency: "HKD" }, "zh-HK")).toBe("HK$1,234.00");
    expect(formatMoney({ minor: 123_400, currency: "HKD" }, "en")).toBe("HK$1,234.00");
    expect(formatMoney({ minor: 5, currency: "CNY" }, "zh-CN")).toBe("¥0.05");
    expect(formatMoney({ minor: 1234, currency: "JPY" }, "en")).toBe("¥1,234");
    expect(formatMoney({ minor: 1234, currency: "KWD" }, "en")).toBe("KWD\u00a01.234");
  });

  it("never loses a minor unit to floating point, even for huge amounts", () => {
    expect(formatMoney({ minor: 900_719_925_474_099, currency: "USD" }, "en")).toBe("$9,007,199,254,740.99");
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 99_999_999_999_999 }), (minor) => {
        const text = formatMoney({ minor, currency: "GBP" }, "en").replace(/[£,]/g, "");
        expect(parseMoneyInput(text, "GBP")).toBe(minor);
      }),
      { numRuns: 2_000 },
    );
  });

  it("rejects floats and bad currencies", () => {
    expect(() => formatMoney({ minor: 1.5, currency: "HKD" }, "en")).toThrow(RangeError);
    expect(() => formatMoney({ minor: 1, currency: "hkd" }, "en")).toThrow(RangeError);
  });

  it("parses typed amounts strictly", () => {
    expect(parseMoneyInput("1,234.5", "HKD")).toBe(123_450);
    expect(parseMoneyInput("１２３４", "HKD")).toBe(123_400);
    expect(parseMoneyInput("12.345", "HKD")).toBeNull();
    expect(parseMoneyInput("-5", "HKD")).toBeNull();
    expect(parseMoneyInput("1e5", "HKD")).toBeNull();
    expect(parseMoneyInput("12.5", "JPY")).toBeNull();
    expect(currencyExponent("JPY")).toBe(0);
  });

  it("formats calendar dates without shifting the day", () => {
    expect(formatCalendarDate("2026-11-30", "en")).toBe("November 30, 2026");
    expect(formatCalendarDate("2026-11-30", "zh-HK")).toBe("2026年11月30日");
  });
});
