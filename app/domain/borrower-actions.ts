import { epochDayFromIsoDate, isoDateFromEpochDay, localEpochDay } from "./local-time";

/**
 * Rules of the borrower's self-service actions that need no database
 * (docs/product-rules.md §5.2, §5.3): how far ahead a promise may go, and when a hardship report
 * pauses reminders.
 */

/** A promise names a date from today to 14 days ahead, on the borrower's calendar. */
const PROMISE_MAX_DAYS_AHEAD = 14;
/** Without staff, a hardship report pauses reminders at most once in this many days. */
const HARDSHIP_PAUSE_COOLDOWN_DAYS = 180;

const DAY_MS = 86_400_000;

/** Today's date (YYYY-MM-DD) on the borrower's clock. */
export function localToday(now: Date, zone: string): string {
  return isoDateFromEpochDay(localEpochDay(now.getTime(), zone));
}

/** Every date a promise may name, today first. */
export function promiseDateOptions(today: string): string[] {
  const first = epochDayFromIsoDate(today);
  if (first === null) throw new RangeError(`not a calendar date: ${today}`);
  return Array.from({ length: PROMISE_MAX_DAYS_AHEAD + 1 }, (_, i) => isoDateFromEpochDay(first + i));
}

export type PromiseDateProblem = "invalid" | "past" | "too_late";

export function checkPromiseDate(date: string, today: string): PromiseDateProblem | null {
  const day = epochDayFromIsoDate(date);
  const from = epochDayFromIsoDate(today);
  if (day === null || from === null) return "invalid";
  if (day < from) return "past";
  if (day > from + PROMISE_MAX_DAYS_AHEAD) return "too_late";
  return null;
}

/**
 * A report pauses reminders for `pauseDays` unless an earlier report paused
 * them less than 180 days ago; then it is recorded and reviewed by staff,
 * but the pause is not extended.
 */
export function hardshipPauseFor(
  now: Date,
  pauseDays: number,
  lastPauseStartedAt: Date | null,
): { granted: boolean; pauseUntil: Date | null } {
  if (
    lastPauseStartedAt &&
    now.getTime() - lastPauseStartedAt.getTime() < HARDSHIP_PAUSE_COOLDOWN_DAYS * DAY_MS
  ) {
    return { granted: false, pauseUntil: null };
  }
  return { granted: true, pauseUntil: new Date(now.getTime() + pauseDays * DAY_MS) };
}
