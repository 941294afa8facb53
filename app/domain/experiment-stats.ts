/**
 * The statistics of the strategy comparison (docs/outcomes.md, "Strategy experiments"). Pure, so the
 * numbers are checked against hand-computed values (experiment-stats.test.ts).
 *
 * - A proportion's 95% interval: Wilson score (good near 0 and 1 and for small n, unlike Wald).
 * - The difference of two proportions: Newcombe's hybrid score interval (method 10), built from the two
 *   Wilson intervals.
 * - A mean's 95% interval: normal approximation, mean ± z·s/√n (s the sample standard deviation).
 * - The difference of two means: Welch's unequal-variance standard error, √(s₁²/n₁ + s₂²/n₂), with the
 *   normal quantile (the arms are compared only from MIN_SAMPLE_PER_ARM accounts, where t ≈ z).
 */
const Z95 = 1.959964;
/** Below this many accounts in either arm no winner is called, whatever the intervals say. */
export const MIN_SAMPLE_PER_ARM = 100;

export interface Interval {
  estimate: number;
  low: number;
  high: number;
}

export function wilson(successes: number, n: number, z = Z95): Interval | null {
  if (n <= 0) return null;
  const p = successes / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // At 0 or n successes the bound is exactly 0 or 1; floating point would leave a 1e-17 crumb.
  return {
    estimate: p,
    low: successes === 0 ? 0 : Math.max(0, centre - half),
    high: successes === n ? 1 : Math.min(1, centre + half),
  };
}

/** Challenger minus champion, Newcombe's method 10. */
export function proportionDifference(
  challenger: { successes: number; n: number },
  champion: { successes: number; n: number },
): Interval | null {
  const a = wilson(challenger.successes, challenger.n);
  const b = wilson(champion.successes, champion.n);
  if (!a || !b) return null;
  const d = a.estimate - b.estimate;
  return {
    estimate: d,
    low: d - Math.sqrt((a.estimate - a.low) ** 2 + (b.high - b.estimate) ** 2),
    high: d + Math.sqrt((a.high - a.estimate) ** 2 + (b.estimate - b.low) ** 2),
  };
}

/** n values summarised by their sum and sum of squares (what one set-based query returns). */
export interface Moments {
  n: number;
  sum: number;
  sumSquares: number;
}

function meanAndVariance({ n, sum, sumSquares }: Moments): { mean: number; variance: number } | null {
  if (n < 2) return null;
  const mean = sum / n;
  // Sample variance; clamped at 0 against rounding when every value is equal.
  return { mean, variance: Math.max(0, (sumSquares - n * mean * mean) / (n - 1)) };
}

export function meanInterval(m: Moments, z = Z95): Interval | null {
  const mv = meanAndVariance(m);
  if (!mv) return null;
  const half = z * Math.sqrt(mv.variance / m.n);
  return { estimate: mv.mean, low: mv.mean - half, high: mv.mean + half };
}

/** Challenger minus champion, Welch's standard error. */
export function meanDifference(challenger: Moments, champion: Moments, z = Z95): Interval | null {
  const a = meanAndVariance(challenger);
  const b = meanAndVariance(champion);
  if (!a || !b) return null;
  const d = a.mean - b.mean;
  const half = z * Math.sqrt(a.variance / challenger.n + b.variance / champion.n);
  return { estimate: d, low: d - half, high: d + half };
}

export type Verdict = "too_few" | "challenger" | "champion" | "no_difference";

/**
 * Who wins one measure: nobody below the minimum sample in either arm; otherwise the arm the whole 95%
 * interval of the difference favours, or no difference when it spans 0.
 */
export function verdict(
  difference: Interval | null,
  arms: { challenger: number; champion: number },
): Verdict {
  if (!difference || Math.min(arms.challenger, arms.champion) < MIN_SAMPLE_PER_ARM) return "too_few";
  if (difference.low > 0) return "challenger";
  if (difference.high < 0) return "champion";
  return "no_difference";
}
