import { createHash } from "node:crypto";

/**
 * Template A/B assignment (docs/product-rules.md §4.10): a pure function of
 * (account, stage), so re-running the planner, retrying a job or running two
 * workers always picks the same variant and the dashboard's paid-within-7-days
 * comparison is not polluted by accounts hopping between arms. Hashing the
 * stage in gives each stage's experiment an independent split.
 */
export function assignVariant(accountId: string, stage: string, variants: readonly string[]): string {
  if (variants.length === 0) throw new RangeError("assignVariant needs at least one variant");
  if (new Set(variants).size !== variants.length) {
    throw new RangeError(`assignVariant got duplicate variants: ${variants.join(", ")}`);
  }
  if (accountId === "") throw new RangeError("assignVariant needs an account id");
  const only = variants.length === 1 ? variants[0] : undefined;
  if (only !== undefined) return only;

  // NUL separator: ("ab", "c") and ("a", "bc") must not collide.
  const digest = createHash("sha256").update(`${stage}\u0000${accountId}`, "utf8").digest();
  // 48 bits modulo a handful of variants: the bias is below 1e-13, far under any experiment's noise.
  const bucket = digest.readUIntBE(0, 6) % variants.length;
  const variant = variants[bucket];
  if (variant === undefined) throw new Error("unreachable: bucket outside the variant list");
  return variant;
}
