import { effectiveCaps, jurisdictionWindow, type ContactPolicy, type Jurisdiction } from "./contact-policy";
import {
  intersectWindows,
  isValidTimeZone,
  isWithinWindow,
  localEpochDay,
  nextWindowOpening,
  parseClock,
  startOfLocalDay,
  type LocalWindow,
} from "./local-time";

/**
 * When an SMS may go out at all, independent of what it says: the allowed
 * local window (quiet hours) and the frequency caps. `decideNextContact` uses
 * it to decide and to date deferrals; the dispatcher can rebuild it to
 * re-check at send time.
 */

export class InvalidContactInput extends Error {
  override name = "InvalidContactInput";
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

export interface SendConstraintsInput {
  borrower: { timeZone: string; jurisdiction: Jurisdiction };
  preferences: { windowStart?: string | null; windowEnd?: string | null; maxPerWeek?: number | null };
  history: { accountSmsSentAt: readonly Date[]; borrowerSmsSentAt: readonly Date[] };
}

export interface SendConstraints {
  zone: string;
  window: LocalWindow;
  perAccountPerDay: number;
  perBorrowerPer7Days: number;
  minGapMs: number;
  /** Epoch ms, ascending. */
  accountSent: readonly number[];
  /** Epoch ms, ascending; includes this account's sends even if the caller listed them only once. */
  borrowerSent: readonly number[];
}

export type SendBlocker = "quiet_hours" | "cap_account_daily" | "cap_borrower_weekly" | "cap_min_gap";

const HOUR_MS = 3_600_000;
const WEEK_MS = 7 * 24 * HOUR_MS;
const MAX_STEPS = 10_000;

export function instantOf(value: Date, field: string): number {
  const ms = value instanceof Date ? value.getTime() : Number.NaN;
  if (!Number.isFinite(ms)) throw new InvalidContactInput(field, "not a valid instant");
  return ms;
}

export function sendConstraintsFor(input: SendConstraintsInput, policy: ContactPolicy): SendConstraints {
  const zone = input.borrower.timeZone;
  if (typeof zone !== "string" || !isValidTimeZone(zone)) {
    throw new InvalidContactInput("borrower.timeZone", `not an IANA time zone: ${String(zone)}`);
  }
  const caps = effectiveCaps(policy, input.borrower.jurisdiction);
  const maxPerWeek = input.preferences.maxPerWeek;
  if (maxPerWeek != null && !(Number.isInteger(maxPerWeek) && maxPerWeek >= 1)) {
    throw new InvalidContactInput("preferences.maxPerWeek", "must be a whole number of at least 1");
  }
  const base = jurisdictionWindow(policy, input.borrower.jurisdiction);
  const preferred = preferredWindow(input.preferences);
  const accountSent = input.history.accountSmsSentAt.map((d, i) =>
    instantOf(d, `history.accountSmsSentAt.${i}`),
  );
  const borrowerOnly = input.history.borrowerSmsSentAt.map((d, i) =>
    instantOf(d, `history.borrowerSmsSentAt.${i}`),
  );
  return {
    zone,
    // A preference that misses the legal window entirely cannot widen it; fall back to the legal window.
    window: (preferred && intersectWindows(base, preferred)) ?? base,
    perAccountPerDay: caps.smsPerAccountPerDay,
    perBorrowerPer7Days: Math.min(caps.smsPerBorrowerPer7Days, maxPerWeek ?? Infinity),
    minGapMs: caps.minHoursBetweenReminders * HOUR_MS,
    accountSent: [...accountSent].sort((a, b) => a - b),
    borrowerSent: [...new Set([...accountSent, ...borrowerOnly])].sort((a, b) => a - b),
  };
}

function preferredWindow(p: SendConstraintsInput["preferences"]): LocalWindow | null {
  const { windowStart, windowEnd } = p;
  if (windowStart == null && windowEnd == null) return null;
  if (windowStart == null || windowEnd == null) {
    throw new InvalidContactInput(
      "preferences.windowStart",
      "a preferred window needs both a start and an end",
    );
  }
  const startMinute = parseClock(windowStart);
  const endMinute = parseClock(windowEnd);
  if (startMinute === null)
    throw new InvalidContactInput("preferences.windowStart", `not HH:MM: ${windowStart}`);
  if (endMinute === null) throw new InvalidContactInput("preferences.windowEnd", `not HH:MM: ${windowEnd}`);
  if (startMinute >= endMinute)
    throw new InvalidContactInput("preferences.windowEnd", "must be after windowStart");
  return { startMinute, endMinute };
}

/** Why an SMS may not go out at instant t, or null when it may. Quiet hours first, then caps in policy order. */
export function sendBlocker(t: number, c: SendConstraints): SendBlocker | null {
  if (!isWithinWindow(t, c.zone, c.window)) return "quiet_hours";
  const [first] = capsBlocking(t, c);
  return first?.cap ?? null;
}

interface BlockingCap {
  cap: Exclude<SendBlocker, "quiet_hours">;
  /** The earliest instant at which this cap alone would let a send through. */
  freeAt: number;
}

function capsBlocking(t: number, c: SendConstraints): BlockingCap[] {
  const blocking: BlockingCap[] = [];
  // One SMS per account per local calendar day: frees at the next local midnight.
  const day = localEpochDay(t, c.zone);
  const today = c.accountSent.filter((e) => localEpochDay(e, c.zone) === day).length;
  if (today >= c.perAccountPerDay)
    blocking.push({ cap: "cap_account_daily", freeAt: startOfLocalDay(day + 1, c.zone) });
  // Rolling 7 days (t - 7d, t]: frees when enough of the oldest sends age out.
  const week = c.borrowerSent.filter((e) => e > t - WEEK_MS && e <= t);
  if (week.length >= c.perBorrowerPer7Days) {
    blocking.push({
      cap: "cap_borrower_weekly",
      freeAt: week[week.length - c.perBorrowerPer7Days]! + WEEK_MS,
    });
  }
  // The gap is per borrower: two accounts must not make one person's phone buzz twice in 48 h.
  const near = c.borrowerSent.filter((e) => Math.abs(t - e) < c.minGapMs);
  if (near.length > 0) blocking.push({ cap: "cap_min_gap", freeAt: Math.max(...near) + c.minGapMs });
  return blocking;
}

/**
 * The earliest instant at or after `from` at which an SMS may go out: inside
 * the allowed local window with every cap free. Deferrals are dated with it,
 * so re-deciding at `until` never hits quiet hours or a cap again.
 */
export function nextPermittedTime(from: Date | number, c: SendConstraints): Date {
  let t = typeof from === "number" ? from : instantOf(from, "from");
  for (let step = 0; step < MAX_STEPS; step++) {
    if (!isWithinWindow(t, c.zone, c.window)) {
      t = nextWindowOpening(t, c.zone, c.window);
      continue;
    }
    const blocking = capsBlocking(t, c);
    if (blocking.length === 0) return new Date(t);
    // Nothing earlier than the latest of the blocking caps' release can satisfy them all.
    t = Math.max(...blocking.map((b) => b.freeAt));
  }
  throw new Error(`no permitted send time found within ${MAX_STEPS} steps from ${new Date(t).toISOString()}`);
}
