import { appointmentSlots } from "./appointment-slots";
import { isWithinWindow, type LocalWindow } from "./local-time";

/**
 * The slot a visit task proposes (docs/product-rules.md §4.19): the first hourly slot on the next working
 * days (the call-back and visit slots of §5.5, on the borrower's clock) that lies wholly inside the
 * borrower's contact window (policy, jurisdiction and preferred window, as for texts and calls) and meets
 * none of the borrower's booked appointments. Null when no slot of the next ten working days fits: the
 * agent arranges the time. Pure: time, zone, window and bookings are inputs.
 */
export interface Interval {
  start: Date;
  end: Date;
}

export function proposeVisitSlot(
  now: Date,
  zone: string,
  window: LocalWindow,
  booked: readonly Interval[],
): Interval | null {
  for (const slot of appointmentSlots(now, zone)) {
    const start = Date.parse(slot.start);
    const end = Date.parse(slot.end);
    // The slot's last minute, not its end: a slot ending as the window closes is inside it.
    if (!isWithinWindow(start, zone, window) || !isWithinWindow(end - 60_000, zone, window)) continue;
    const clash = booked.some((b) => b.start.getTime() < end && start < b.end.getTime());
    if (!clash) return { start: new Date(start), end: new Date(end) };
  }
  return null;
}
