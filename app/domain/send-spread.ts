import { isWithinWindow, nextWindowOpening, type LocalWindow } from "./local-time";

/**
 * The daily spread (docs/product-rules.md §4.22): the planner places each due text at an instant of the
 * borrower's window so that no clock hour gets more texts than the call centre can answer call-backs
 * for (`perHour` texts: its inbound calls per hour over the expected call-backs per text). Each hour has
 * perHour slots spaced evenly and a text takes one (the k-th at k / perHour of the hour), so link taps and
 * calls come as a steady flow, not a peak at the top of each hour. Pure: the caller keeps the slots used.
 *
 * A text goes in the first hour, from now, with room left; never before now (a send the send-time
 * choice timed for this hour stays in it while it has room) and never outside the window. When no hour
 * of today's window has room, it waits for the next window (`retryAt`): the capacity is never exceeded.
 */

const HOUR_MS = 3_600_000;

export interface SpreadInput {
  /** Epoch ms: when the text is due (the planner's clock, inside the window). */
  now: number;
  zone: string;
  /** The borrower's window: the legal window narrowed by the borrower's preference. */
  window: LocalWindow;
  /** Texts per clock hour (UTC-aligned hours). */
  perHour: number;
  /** The slots used per hour, by the hour's first epoch ms (a text takes the first free one); read and moved on. */
  loads: Map<number, number>;
}

export type SpreadPlace = { at: number } | { at: null; retryAt: number };

export function placeInSpread(input: SpreadInput): SpreadPlace {
  const { now, zone, window, perHour, loads } = input;
  if (!(Number.isInteger(perHour) && perHour >= 1)) throw new RangeError(`perHour must be >= 1: ${perHour}`);
  if (!isWithinWindow(now, zone, window)) return { at: null, retryAt: nextWindowOpening(now, zone, window) };
  const spacing = HOUR_MS / perHour;
  // Today's window runs out within 24 hours of now: at most 25 clock hours to look at.
  for (let hour = Math.floor(now / HOUR_MS) * HOUR_MS; hour < now + 25 * HOUR_MS; hour += HOUR_MS) {
    // The hour's slots are 1/perHour of it each; those already past count as used, so a text placed late in
    // an hour takes one of its remaining slots and the hour never runs faster than perHour an hour.
    const slot = Math.max(loads.get(hour) ?? 0, Math.ceil((now - hour) / spacing));
    if (slot >= perHour) continue;
    const at = Math.max(now, Math.ceil(hour + slot * spacing));
    // Now is inside the window, so a later instant outside it is past its end: nothing later today is in it.
    if (!isWithinWindow(at, zone, window)) return { at: null, retryAt: nextWindowOpening(at, zone, window) };
    loads.set(hour, slot + 1);
    return { at };
  }
  // Every hour of a whole day full (a window of 24 hours): try again after them.
  const later = now + 25 * HOUR_MS;
  return {
    at: null,
    retryAt: isWithinWindow(later, zone, window) ? later : nextWindowOpening(later, zone, window),
  };
}

/** The first epoch ms of the clock hour an instant is in (the key of `loads`). */
export function hourOf(at: number): number {
  return Math.floor(at / HOUR_MS) * HOUR_MS;
}
