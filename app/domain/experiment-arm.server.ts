import { createHash } from "node:crypto";
import type { ContactPolicy } from "./contact-policy";

/**
 * Champion-challenger on whole contact strategies (docs/product-rules.md §4.21). The arm is a pure
 * function of (experiment, account): a re-run, a retry, the dispatcher's re-check and a second worker all
 * land the account in the same arm, and a new experiment reshuffles the book independently of the last.
 */
export type Arm = "champion" | "challenger";

/** 1 to 50: a challenger never gets the majority of the book. */
const MAX_CHALLENGER_SHARE = 50;

export function assignArm(experimentId: string, accountId: string, sharePercent: number): Arm {
  if (!Number.isInteger(sharePercent) || sharePercent < 1 || sharePercent > MAX_CHALLENGER_SHARE)
    throw new RangeError(`assignArm: share ${sharePercent} outside 1-${MAX_CHALLENGER_SHARE}`);
  if (experimentId === "" || accountId === "") throw new RangeError("assignArm needs both ids");
  // NUL separator: ("ab", "c") and ("a", "bc") must not collide. 48 bits into 10,000 buckets (basis
  // points): the modulo bias is below 1e-10, far under any experiment's noise.
  const digest = createHash("sha256").update(`${experimentId}\u0000${accountId}`, "utf8").digest();
  const bucket = digest.readUIntBE(0, 6) % 10_000;
  return bucket < sharePercent * 100 ? "challenger" : "champion";
}

/**
 * The policy an arm runs. The jurisdiction profiles are the law, not the strategy: every arm runs under
 * the champion's, so a challenger can change cadence, stages, channels, windows and templates but can
 * never widen a legal contact window or loosen a legal cap (the profiles clamp every policy).
 */
export function armPolicy(champion: ContactPolicy, challenger: ContactPolicy, arm: Arm): ContactPolicy {
  return arm === "champion" ? champion : { ...challenger, jurisdictions: champion.jurisdictions };
}
