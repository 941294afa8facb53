import { describe, expect, it } from "vitest";
import { maskPath, maskPhone } from "./logger.server";

describe("log masking", () => {
  it("hides short-link codes and query strings", () => {
    expect(maskPath("/r/Ab3dEf9hJk")).toBe("/r/***");
    expect(maskPath("/r/Ab3dEf9hJk/verify?x=1")).toBe("/r/***/verify");
    expect(maskPath("/staff/borrowers?q=Chan")).toBe("/staff/borrowers");
  });
  it("keeps only the country prefix and last four digits of a phone", () => {
    expect(maskPhone("+85291234567")).toBe("+852****4567");
    expect(maskPhone("+8613812345678")).toBe("+861******5678");
    expect(maskPhone("+85291234567")).not.toContain("9123");
  });
});
