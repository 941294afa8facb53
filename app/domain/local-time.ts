import { DateTime, IANAZone } from "luxon";

/**
 * Wall-clock arithmetic in a borrower's IANA zone. Quiet hours and "one SMS a
 * day" are about the borrower's clock and calendar, never UTC, so everything
 * here goes through luxon, which resolves DST gaps (02:30 on a spring-forward
 * day does not exist) and overlaps (01:30 happens twice on a fall-back day).
 *
 * Instants are epoch milliseconds; calendar dates are "epoch days" (whole days
 * since 1970-01-01 on the local calendar), which subtract cleanly.
 */

/** "HH:MM", 00:00-23:59. */
export const CLOCK_PATTERN = /^([01]\d|2[0-3]):([0-5]\d)$/;
/** Postgres `time` columns render as "HH:MM:SS"; accepted where input comes from the database. */
const CLOCK_WITH_SECONDS = /^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

/** A daily window [startMinute, endMinute) in minutes after local midnight; never wraps midnight. */
export interface LocalWindow {
  startMinute: number;
  endMinute: number;
}

export function isValidTimeZone(zone: string): boolean {
  // Memoised: luxon builds an Intl.DateTimeFormat per check, and the planner asks once per account (DESIGN §12).
  let valid = validZones.get(zone);
  if (valid === undefined) {
    valid = IANAZone.isValidZone(zone);
    if (validZones.size > 1_000) validZones.clear();
    validZones.set(zone, valid);
  }
  return valid;
}
const validZones = new Map<string, boolean>();

/** Minutes after midnight for "HH:MM" (or "HH:MM:SS", seconds dropped); null when malformed. */
export function parseClock(text: string): number | null {
  const match = CLOCK_WITH_SECONDS.exec(text);
  if (!match) return null;
  return Number(match[1]) * 60 + Number(match[2]);
}

export function formatClock(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`;
}

export function windowFromClocks(start: string, end: string): LocalWindow | null {
  const startMinute = parseClock(start);
  const endMinute = parseClock(end);
  if (startMinute === null || endMinute === null || startMinute >= endMinute) return null;
  return { startMinute, endMinute };
}

/** The overlap of two windows, or null when they do not meet. */
export function intersectWindows(a: LocalWindow, b: LocalWindow): LocalWindow | null {
  const startMinute = Math.max(a.startMinute, b.startMinute);
  const endMinute = Math.min(a.endMinute, b.endMinute);
  return startMinute < endMinute ? { startMinute, endMinute } : null;
}

function local(t: number, zone: string): DateTime {
  return DateTime.fromMillis(t, { zone });
}

/** Minutes after local midnight shown on the borrower's clock at instant t. */
export function localClockMinute(t: number, zone: string): number {
  const d = local(t, zone);
  return d.hour * 60 + d.minute;
}

/** Inside [start, end) by the local clock; seconds are ignored, so 19:59:59 is inside a window ending 20:00. */
export function isWithinWindow(t: number, zone: string, window: LocalWindow): boolean {
  const minute = localClockMinute(t, zone);
  return minute >= window.startMinute && minute < window.endMinute;
}

/** The local calendar date of instant t as an epoch day. */
export function localEpochDay(t: number, zone: string): number {
  const d = local(t, zone);
  return Date.UTC(d.year, d.month - 1, d.day) / DAY_MS;
}

/** "YYYY-MM-DD" as an epoch day; null unless it is a real calendar date. */
export function epochDayFromIsoDate(text: string): number | null {
  const match = ISO_DATE.exec(text);
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const ms = Date.UTC(year, month - 1, day);
  const check = new Date(ms);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return null;
  return ms / DAY_MS;
}

export function isoDateFromEpochDay(epochDay: number): string {
  return new Date(epochDay * DAY_MS).toISOString().slice(0, 10);
}

/** The first instant of a local calendar day (luxon moves a midnight that a DST jump skips forward). */
export function startOfLocalDay(epochDay: number, zone: string): number {
  const utc = new Date(epochDay * DAY_MS);
  return DateTime.fromObject({ year: utc.getUTCFullYear(), month: utc.getUTCMonth() + 1, day: utc.getUTCDate() }, { zone })
    .startOf("day")
    .toMillis();
}

/**
 * A later instant at which the window may be open, for an instant t outside it.
 * Exact on ordinary days; around a DST change it may land a little off, so
 * callers loop until `isWithinWindow` holds. Always strictly after t.
 */
export function nextWindowOpening(t: number, zone: string, window: LocalWindow): number {
  const now = local(t, zone);
  const minute = now.hour * 60 + now.minute;
  const hour = Math.floor(window.startMinute / 60);
  const startMinuteOfHour = window.startMinute % 60;
  let candidate: number;
  if (minute < window.startMinute) {
    candidate = now.set({ hour, minute: startMinuteOfHour, second: 0, millisecond: 0 }).toMillis();
    // On a fall-back day the same clock time comes twice; if luxon picked the
    // occurrence already behind us, step forward by the wall-clock difference.
    if (candidate <= t)
      candidate = now
        .startOf("minute")
        .plus({ minutes: window.startMinute - minute })
        .toMillis();
  } else {
    candidate = now.plus({ days: 1 }).set({ hour, minute: startMinuteOfHour, second: 0, millisecond: 0 }).toMillis();
  }
  return candidate > t ? candidate : Math.floor(t / 60_000) * 60_000 + 60_000;
}
