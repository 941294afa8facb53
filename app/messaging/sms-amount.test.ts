import { describe, expect, it } from "vitest";
import { NonPositiveSmsAmountError, smsAmount } from "./outbound-sms.server";

describe("smsAmount: the one way an amount enters a text (docs/product-rules.md §4.12)", () => {
  it("formats a positive amount in the borrower's language", () => {
    expect(smsAmount(123_400, "HKD", "en")).toBe("HK$1,234.00");
    expect(smsAmount(1, "GBP", "en")).toBe("£0.01");
  });

  it("refuses to render a zero, negative or fractional amount", () => {
    for (const minor of [0, -1, -123_400, 0.5, Number.NaN])
      expect(() => smsAmount(minor, "HKD", "zh-HK")).toThrow(NonPositiveSmsAmountError);
  });
});
