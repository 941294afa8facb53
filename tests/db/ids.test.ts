import { describe, expect, it } from "vitest";
import { timeOrderedId } from "../../db/ids";

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The creation time a UUIDv7 carries: its first 48 bits, in milliseconds. */
const millisOf = (id: string) => parseInt(id.replace(/-/g, "").slice(0, 12), 16);

describe("timeOrderedId", () => {
  it("is a UUIDv7 carrying the time it was made, and ids made one after another ascend even within a millisecond", () => {
    const before = Date.now();
    const ids = Array.from({ length: 20_000 }, () => timeOrderedId());
    const after = Date.now();
    for (const id of ids) expect(id).toMatch(V7);
    expect(new Set(ids).size).toBe(ids.length);
    // 20,000 ids take a few milliseconds: many share one, and still sort in the order they were made.
    expect([...ids].sort()).toEqual(ids);
    expect(millisOf(ids[0]!)).toBeGreaterThanOrEqual(before);
    expect(millisOf(ids.at(-1)!)).toBeLessThanOrEqual(after);
  });
});
