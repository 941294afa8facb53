import { describe, expect, it } from "vitest";
import { randomPool } from "./random-pool.server";

describe("randomPool", () => {
  it("draws distinct byte strings of the asked length, across refills, each kept intact by later draws", () => {
    const draw = randomPool(16, 8); // a refill every 8 draws
    const first = draw();
    const copy = Buffer.from(first);
    const draws = Array.from({ length: 100 }, () => draw()); // twelve refills later
    expect(first.equals(copy)).toBe(true);
    expect(draws.every((d) => d.length === 16)).toBe(true);
    expect(new Set([first, ...draws].map((d) => d.toString("hex"))).size).toBe(101);
  });

  it("looks uniform: every byte value turns up at about its share over many draws", () => {
    const draw = randomPool(32);
    const counts = new Array<number>(256).fill(0);
    for (let i = 0; i < 4_000; i++) for (const byte of draw()) counts[byte]! += 1;
    // 128,000 bytes: 500 expected per value; a stuck or repeating pool would be far outside this band.
    expect(Math.min(...counts)).toBeGreaterThan(380);
    expect(Math.max(...counts)).toBeLessThan(620);
  });

  it("refuses a nonsensical draw size", () => {
    expect(() => randomPool(0)).toThrow(RangeError);
  });
});
