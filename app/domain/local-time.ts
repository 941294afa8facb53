import { DateTime, IANAZone, Info, type Zone } from "luxon";
import { boundedMemo } from "./memo";

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
  // Memoised: luxon builds an Intl.DateTimeFormat per check, and the planner asks once per account
  // (docs/product-rules.md §12).
  return validZones(zone, () => IANAZone.isValidZone(zone));
}
const validZones = boundedMemo<boolean>(1_000);

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

/*
 * Fast path (docs/product-rules.md §12: the planner asks a million times). luxon works out a
 * zone's offset with Intl.DateTimeFormat#formatToParts on every DateTime, which
 * dominates the planner's CPU. The offset only changes at transitions, never
 * twice within an hour, so it is cached per zone and UTC hour: when both ends
 * of the hour have the same offset, the whole hour has it; an hour holding a
 * transition is resolved per instant by luxon. Local fields are then derived
 * exactly as luxon derives them (instant + offset, read as UTC).
 */
const HOUR_MS = 3_600_000;
const zoneCache = new Map<string, { zone: Zone; hours: Map<number, number> }>();
const TRANSITION = Number.NaN;

function zoneEntry(zone: string) {
  let entry = zoneCache.get(zone);
  if (!entry) {
    if (zoneCache.size > 1_000) zoneCache.clear();
    entry = { zone: Info.normalizeZone(zone), hours: new Map() };
    zoneCache.set(zone, entry);
  }
  return entry;
}

/** The zone's offset from UTC in minutes at instant t (NaN for an unknown zone), as luxon computes it. */
export function zoneOffsetMinutes(t: number, zone: string): number {
  const entry = zoneEntry(zone);
  const hour = Math.floor(t / HOUR_MS);
  let offset = entry.hours.get(hour);
  if (offset === undefined) {
    const start = entry.zone.offset(hour * HOUR_MS);
    offset = start === entry.zone.offset(hour * HOUR_MS + HOUR_MS - 1) ? start : TRANSITION;
    if (entry.hours.size > 10_000) entry.hours.clear();
    entry.hours.set(hour, offset);
  }
  return Number.isNaN(offset) ? entry.zone.offset(t) : offset;
}

/** Wall-clock milliseconds: the instant shifted by the zone's offset, to be read with getUTC* / epoch-day arithmetic. */
function wallMillis(t: number, zone: string): number {
  return t + zoneOffsetMinutes(t, zone) * 60_000;
}

/** Minutes after local midnight shown on the borrower's clock at instant t. */
export function localClockMinute(t: number, zone: string): number {
  const wall = wallMillis(t, zone);
  const msOfDay = wall - Math.floor(wall / DAY_MS) * DAY_MS;
  return Math.floor(msOfDay / 60_000);
}

/** Inside [start, end) by the local clock; seconds are ignored, so 19:59:59 is inside a window ending 20:00. */
export function isWithinWindow(t: number, zone: string, window: LocalWindow): boolean {
  const minute = localClockMinute(t, zone);
  return minute >= window.startMinute && minute < window.endMinute;
}

/** The local calendar date of instant t as an epoch day. */
export function localEpochDay(t: number, zone: string): number {
  return Math.floor(wallMillis(t, zone) / DAY_MS);
}

/** "YYYY-MM-DD" as an epoch day; null unless it is a real calendar date. */
export function epochDayFromIsoDate(text: string): number | null {
  const match = ISO_DATE.exec(text);
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const ms = Date.UTC(year, month - 1, day);
  const check = new Date(ms);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day)
    return null;
  return ms / DAY_MS;
}

export function isoDateFromEpochDay(epochDay: number): string {
  return new Date(epochDay * DAY_MS).toISOString().slice(0, 10);
}

/** The first instant of a local calendar day (luxon moves a midnight that a DST jump skips forward). Memoised per zone and day. */
export function startOfLocalDay(epochDay: number, zone: string): number {
  return dayStarts(`${zone}\u0000${epochDay}`, () => {
    const utc = new Date(epochDay * DAY_MS);
    return DateTime.fromObject(
      { year: utc.getUTCFullYear(), month: utc.getUTCMonth() + 1, day: utc.getUTCDate() },
      { zone },
    )
      .startOf("day")
      .toMillis();
  });
}
const dayStarts = boundedMemo<number>(50_000);

/**
 * A later instant at which the window may be open, for an instant t outside it.
 * Exact on ordinary days; around a DST change it may land a little off, so
 * callers loop until `isWithinWindow` holds. Always strictly after t.
 */
export function nextWindowOpening(t: number, zone: string, window: LocalWindow): number {
  // Memoised: the planner asks this for the same instant (its clock) and zone over and over.
  return openings(`${t}\u0000${zone}\u0000${window.startMinute}\u0000${window.endMinute}`, () =>
    computeNextWindowOpening(t, zone, window),
  );
}
const openings = boundedMemo<number>(50_000);

function computeNextWindowOpening(t: number, zone: string, window: LocalWindow): number {
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
    candidate = now
      .plus({ days: 1 })
      .set({ hour, minute: startMinuteOfHour, second: 0, millisecond: 0 })
      .toMillis();
  }
  return candidate > t ? candidate : Math.floor(t / 60_000) * 60_000 + 60_000;
}
