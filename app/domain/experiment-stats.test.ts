import { describe, expect, it } from "vitest";
import {
  meanDifference,
  meanInterval,
  MIN_SAMPLE_PER_ARM,
  proportionDifference,
  verdict,
  wilson,
} from "./experiment-stats";

/** The comparison's intervals against values computed by hand (and, where cited, published ones). */
describe("experiment statistics", () => {
  it("Wilson score interval: 8 of 10 is 0.4902 to 0.9433", () => {
    // p = 0.8, z² = 3.841459: centre (0.8 + z²/20) / (1 + z²/10) = 0.716738,
    // half-width (z / 1.384146) · √(0.016 + z²/400) = 0.226578.
    const w = wilson(8, 10)!;
    expect(w.estimate).toBe(0.8);
    expect(w.low).toBeCloseTo(0.490162, 5);
    expect(w.high).toBeCloseTo(0.943315, 5);
    expect(wilson(0, 0)).toBeNull();
    // Never outside [0, 1], even at the edges.
    expect(wilson(0, 5)!.low).toBe(0);
    expect(wilson(5, 5)!.high).toBe(1);
  });

  it("difference of proportions, Newcombe method 10: 56/70 − 48/80 is 0.0524 to 0.3339 (Newcombe 1998, example a)", () => {
    const d = proportionDifference({ successes: 56, n: 70 }, { successes: 48, n: 80 })!;
    expect(d.estimate).toBeCloseTo(0.2, 10);
    expect(d.low).toBeCloseTo(0.0524, 4);
    expect(d.high).toBeCloseTo(0.3339, 4);
  });

  it("a mean's normal interval from sum and sum of squares: 1..5 is 3 ± 1.3859", () => {
    // s² = (55 − 5·9) / 4 = 2.5; se = √(2.5/5) = 0.707107; 1.959964 · se = 1.385904.
    const m = meanInterval({ n: 5, sum: 15, sumSquares: 55 })!;
    expect(m.estimate).toBe(3);
    expect(m.low).toBeCloseTo(1.614096, 5);
    expect(m.high).toBeCloseTo(4.385904, 5);
    expect(meanInterval({ n: 1, sum: 3, sumSquares: 9 })).toBeNull();
  });

  it("difference of means, Welch's standard error: (2,4,6,8) − (1..5) is 2 ± 2.8850", () => {
    // s₁² = (120 − 100)/3 = 6.6667, s₂² = 2.5; se = √(6.6667/4 + 2.5/5) = √2.166667 = 1.471960.
    const d = meanDifference({ n: 4, sum: 20, sumSquares: 120 }, { n: 5, sum: 15, sumSquares: 55 })!;
    expect(d.estimate).toBe(2);
    expect(d.low).toBeCloseTo(-0.884989, 5);
    expect(d.high).toBeCloseTo(4.884989, 5);
  });

  it("calls no winner below the minimum sample, and otherwise only when the interval excludes 0", () => {
    const clear = { estimate: 0.1, low: 0.05, high: 0.15 };
    const under = MIN_SAMPLE_PER_ARM - 1;
    expect(verdict(clear, { challenger: under, champion: 1_000 })).toBe("too_few");
    expect(verdict(clear, { challenger: MIN_SAMPLE_PER_ARM, champion: MIN_SAMPLE_PER_ARM })).toBe(
      "challenger",
    );
    expect(verdict({ estimate: -0.1, low: -0.15, high: -0.05 }, { challenger: 200, champion: 200 })).toBe(
      "champion",
    );
    expect(verdict({ estimate: 0.01, low: -0.02, high: 0.04 }, { challenger: 200, champion: 200 })).toBe(
      "no_difference",
    );
    expect(verdict(null, { challenger: 200, champion: 200 })).toBe("too_few");
  });
});
