import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  answersMatch,
  hashVerificationAnswer,
  normaliseVerificationAnswer,
} from "./verification-answers.server";

const KEY = "test-verification-key-0123456789abcdef";

describe("hashVerificationAnswer", () => {
  it("is the HMAC-SHA256 hex of kind:normalised", () => {
    const expected = createHmac("sha256", KEY).update("dob:1985-03-14").digest("hex");
    expect(hashVerificationAnswer("dob", "1985-03-14", KEY)).toBe(expected);
    expect(expected).toMatch(/^[0-9a-f]{64}$/);
  });

  it("hashes the common ways of typing a date of birth alike", () => {
    const canonical = hashVerificationAnswer("dob", "1985-03-14", KEY);
    for (const typed of [" 1985-03-14 ", "1985/3/14", "1985.03.14", "19850314", "１９８５－０３－１４"]) {
      expect(hashVerificationAnswer("dob", typed, KEY)).toBe(canonical);
    }
  });

  it.each([
    "",
    "1985-02-30",
    "1985-13-01",
    "1985-00-10",
    "14/03/1985",
    "not a date",
    "1899-12-31",
    "2023-02-29",
  ])("rejects the invalid date of birth %j", (typed) => {
    expect(hashVerificationAnswer("dob", typed, KEY)).toBeNull();
  });

  it("accepts a leap day", () => {
    expect(normaliseVerificationAnswer("dob", "2000-02-29")).toBe("2000-02-29");
  });

  it("normalises the last four ID characters to upper case without spaces or brackets", () => {
    const canonical = hashVerificationAnswer("id_last4", "123A", KEY);
    for (const typed of ["123a", " 123A ", "12 3a", "123(A)", "１２３ａ"]) {
      expect(hashVerificationAnswer("id_last4", typed, KEY)).toBe(canonical);
    }
  });

  it.each(["", "123", "12345", "12-4", "ab!d", "12½4"])("rejects the invalid ID suffix %j", (typed) => {
    expect(hashVerificationAnswer("id_last4", typed, KEY)).toBeNull();
  });

  it("separates kinds and keys", () => {
    expect(hashVerificationAnswer("id_last4", "1234", KEY)).not.toBe(
      hashVerificationAnswer("id_last4", "1234", `${KEY}x`),
    );
    expect(hashVerificationAnswer("dob", "19850314", KEY)).not.toBe(
      createHmac("sha256", KEY).update("id_last4:19850314").digest("hex"),
    );
  });

  it("refuses an empty key", () => {
    expect(() => hashVerificationAnswer("dob", "1985-03-14", "")).toThrow();
  });
});

describe("answersMatch", () => {
  const stored = hashVerificationAnswer("dob", "1985-03-14", KEY);

  it("matches the same answer typed differently", () => {
    expect(answersMatch(stored, hashVerificationAnswer("dob", "1985/3/14", KEY))).toBe(true);
  });

  it("does not match a different answer, a missing hash or a different length", () => {
    expect(answersMatch(stored, hashVerificationAnswer("dob", "1985-03-15", KEY))).toBe(false);
    expect(answersMatch(stored, null)).toBe(false);
    expect(answersMatch(null, null)).toBe(false);
    expect(answersMatch(stored, "abc")).toBe(false);
  });
});
