import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { assignVariant } from "./ab-variant.server";

describe("assignVariant", () => {
  it("gives the same account and stage the same variant every time", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string(), (accountId, stage) => {
        const first = assignVariant(accountId, stage, ["A", "B", "C"]);
        expect(assignVariant(accountId, stage, ["A", "B", "C"])).toBe(first);
        expect(["A", "B", "C"]).toContain(first);
      }),
    );
  });

  it("splits 10,000 accounts roughly evenly between A and B", () => {
    let a = 0;
    for (let i = 0; i < 10_000; i++) if (assignVariant(randomUUID(), "early", ["A", "B"]) === "A") a++;
    expect(a).toBeGreaterThan(4_500);
    expect(a).toBeLessThan(5_500);
  });

  it("splits sequential ids evenly too (bank refs are often consecutive)", () => {
    const counts = { A: 0, B: 0, C: 0 } as Record<string, number>;
    for (let i = 0; i < 9_000; i++) {
      const v = assignVariant(`ACC${String(i).padStart(8, "0")}`, "mid", ["A", "B", "C"]);
      counts[v] = (counts[v] ?? 0) + 1;
    }
    for (const n of Object.values(counts)) {
      expect(n).toBeGreaterThan(2_700);
      expect(n).toBeLessThan(3_300);
    }
  });

  it("assigns stages independently", () => {
    let same = 0;
    for (let i = 0; i < 4_000; i++) {
      const id = `acct-${i}`;
      if (assignVariant(id, "early", ["A", "B"]) === assignVariant(id, "mid", ["A", "B"])) same++;
    }
    // Independent 50/50 splits agree about half the time; a stage-blind hash would agree always.
    expect(same).toBeGreaterThan(1_800);
    expect(same).toBeLessThan(2_200);
  });

  it("returns the only variant when there is one", () => {
    expect(assignVariant("acct-1", "late", ["A"])).toBe("A");
  });

  it("refuses an empty or duplicated variant list and an empty account id", () => {
    expect(() => assignVariant("acct-1", "late", [])).toThrow(RangeError);
    expect(() => assignVariant("acct-1", "late", ["A", "A"])).toThrow(RangeError);
    expect(() => assignVariant("", "late", ["A", "B"])).toThrow(RangeError);
  });
});
