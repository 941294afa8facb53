import { describe, expect, it } from "vitest";
import { boundedMemo } from "./memo";

describe("boundedMemo", () => {
  it("computes once per key, null and undefined results included", () => {
    const memo = boundedMemo<string | null | undefined>(10);
    let calls = 0;
    const get = (key: string) =>
      memo(key, () => (calls++, key === "n" ? null : key === "u" ? undefined : key.toUpperCase()));
    expect([get("a"), get("a"), get("n"), get("n"), get("u"), get("u")]).toEqual([
      "A",
      "A",
      null,
      null,
      undefined,
      undefined,
    ]);
    expect(calls).toBe(3);
  });

  it("never holds more than its bound", () => {
    const memo = boundedMemo<number>(3);
    let calls = 0;
    const get = (key: string) => memo(key, () => ++calls);
    for (const key of ["a", "b", "c"]) get(key);
    expect(get("a")).toBe(1); // still cached
    get("d"); // full: starts afresh, then holds d
    expect(get("a")).toBe(5);
  });
});
