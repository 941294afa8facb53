import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { describeChanges, diffJson, flattenJson } from "./json-diff";

describe("diffJson", () => {
  it("lists changed, added and removed leaves in reading order", () => {
    const before = { caps: { a: 1, b: 2 }, stages: [{ every: 3 }, { every: 5 }], gone: true };
    const after = {
      caps: { a: 1, b: 3 },
      stages: [{ every: 3 }, { every: 5, variants: ["A", "C"] }],
      added: "x",
    };
    expect(diffJson(before, after)).toEqual([
      { path: "added", from: null, to: '"x"' },
      { path: "caps.b", from: "2", to: "3" },
      { path: "gone", from: "true", to: null },
      { path: "stages.1.variants.0", from: null, to: '"A"' },
      { path: "stages.1.variants.1", from: null, to: '"C"' },
    ]);
    expect(describeChanges(diffJson({ a: 1 }, { a: 2 }))).toEqual(["a: 1 -> 2"]);
  });

  it("orders numeric segments as numbers", () => {
    const many = Array.from({ length: 12 }, (_, i) => i);
    expect(diffJson({ s: many }, { s: many.map((n) => n + 1) }).map((c) => c.path)).toEqual(
      many.map((i) => `s.${i}`),
    );
  });

  it("keeps empty objects and arrays as leaves", () => {
    expect([...flattenJson({ a: {}, b: [] })]).toEqual([
      ["a", "{}"],
      ["b", "[]"],
    ]);
  });

  it("finds no change between a document and itself, and some change between different ones", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        expect(diffJson(a, a)).toEqual([]);
        const leaves = (v: unknown) => JSON.stringify([...flattenJson(v)].sort());
        if (leaves(a) !== leaves(b)) {
          expect(diffJson(a, b).length).toBeGreaterThan(0);
        }
      }),
    );
  });
});
