import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_CONTACT_POLICY } from "./contact-policy";
import { armPolicy, assignArm } from "./experiment-arm.server";

/** Strategy-experiment assignment (docs/product-rules.md §4.21) as properties. */
const ACCOUNTS = Array.from({ length: 4_000 }, () => randomUUID());

describe("assignArm", () => {
  it("is stable: the same experiment and account always get the same arm", () => {
    fc.assert(
      fc.property(fc.uuid(), fc.uuid(), fc.integer({ min: 1, max: 50 }), (experiment, account, share) => {
        const arm = assignArm(experiment, account, share);
        expect(assignArm(experiment, account, share)).toBe(arm);
        expect(assignArm(`${experiment}`, `${account}`, share)).toBe(arm);
      }),
    );
  });

  it("is balanced: the challenger gets its share of accounts, within 4 standard deviations", () => {
    fc.assert(
      fc.property(fc.uuid(), fc.integer({ min: 1, max: 50 }), (experiment, share) => {
        const p = share / 100;
        const got = ACCOUNTS.filter((a) => assignArm(experiment, a, share) === "challenger").length;
        const sd = Math.sqrt(ACCOUNTS.length * p * (1 - p));
        expect(Math.abs(got - ACCOUNTS.length * p)).toBeLessThanOrEqual(4 * sd);
      }),
      { numRuns: 30 },
    );
  });

  it("is monotone in the share: raising it only moves champion accounts into the challenger arm", () => {
    fc.assert(
      fc.property(fc.uuid(), fc.uuid(), fc.integer({ min: 1, max: 49 }), (experiment, account, share) => {
        if (assignArm(experiment, account, share) === "challenger")
          expect(assignArm(experiment, account, share + 1)).toBe("challenger");
      }),
    );
  });

  it("reshuffles per experiment: two experiments split the book independently", () => {
    fc.assert(
      fc.property(fc.uuid(), fc.uuid(), (first, second) => {
        fc.pre(first !== second);
        const both = ACCOUNTS.filter(
          (a) => assignArm(first, a, 50) === "challenger" && assignArm(second, a, 50) === "challenger",
        ).length;
        // Independent halves overlap on a quarter of the book (sd = √(n · 3/16) ≈ 27).
        expect(Math.abs(both - ACCOUNTS.length / 4)).toBeLessThanOrEqual(
          4 * Math.sqrt((ACCOUNTS.length * 3) / 16),
        );
      }),
      { numRuns: 20 },
    );
  });

  it("refuses a share outside 1-50 and empty ids", () => {
    expect(() => assignArm("e", "a", 0)).toThrow(RangeError);
    expect(() => assignArm("e", "a", 51)).toThrow(RangeError);
    expect(() => assignArm("e", "a", 2.5)).toThrow(RangeError);
    expect(() => assignArm("", "a", 10)).toThrow(RangeError);
  });
});

describe("armPolicy", () => {
  it("runs the challenger under the champion's jurisdiction profiles", () => {
    const loosened = {
      ...DEFAULT_CONTACT_POLICY,
      contactWindow: { start: "06:00", end: "20:00" },
      jurisdictions: {
        ...DEFAULT_CONTACT_POLICY.jurisdictions,
        US: { ...DEFAULT_CONTACT_POLICY.jurisdictions.US, contactWindow: { start: "06:00", end: "23:00" } },
      },
    };
    const policy = armPolicy(DEFAULT_CONTACT_POLICY, loosened, "challenger");
    expect(policy.contactWindow).toEqual({ start: "06:00", end: "20:00" });
    expect(policy.jurisdictions).toBe(DEFAULT_CONTACT_POLICY.jurisdictions);
    expect(armPolicy(DEFAULT_CONTACT_POLICY, loosened, "champion")).toBe(DEFAULT_CONTACT_POLICY);
  });
});
