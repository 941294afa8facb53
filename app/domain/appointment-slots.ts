import { DateTime } from "luxon";

/**
 * Call-back and branch-visit slots (docs/product-rules.md §5.5): hourly from 09:00 to 18:00
 * on the next working days (Monday to Friday; public holidays are not modelled),
 * on the borrower's own clock. A slot is identified by its start instant in
 * UTC ISO form, so the form can only name a slot the server would offer.
 */
const SLOT_WORKING_DAYS = 10;
const SLOT_FIRST_HOUR = 9;
const SLOT_END_HOUR = 18;

export interface AppointmentSlot {
  /** UTC ISO instant, e.g. "2026-11-24T01:00:00.000Z": the form value. */
  start: string;
  end: string;
  /** The borrower's local calendar date, YYYY-MM-DD. */
  localDate: string;
}

export function appointmentSlots(
  now: Date,
  zone: string,
  workingDays = SLOT_WORKING_DAYS,
): AppointmentSlot[] {
  const today = DateTime.fromJSDate(now, { zone });
  if (!today.isValid) throw new RangeError(`not a usable time zone: ${zone}`);
  const slots: AppointmentSlot[] = [];
  let day = today.startOf("day");
  for (let found = 0; found < workingDays;) {
    day = day.plus({ days: 1 });
    if (day.weekday > 5) continue; // Saturday 6, Sunday 7
    found += 1;
    slots.push(...daySlots(day));
  }
  return slots;
}

/**
 * One working day's hourly slots. Zone arithmetic in luxon is slow (a page of 90 slots took 25 ms), so
 * the hours are added in milliseconds when the day has no clock change between its first and last hour,
 * which is every day but a handful a year in a few zones; those go through luxon hour by hour.
 */
function daySlots(day: DateTime): AppointmentSlot[] {
  const localDate = day.toISODate()!;
  const at = (hour: number) => day.set({ hour, minute: 0, second: 0, millisecond: 0 }).toMillis();
  const first = at(SLOT_FIRST_HOUR);
  const steady = at(SLOT_END_HOUR) - first === (SLOT_END_HOUR - SLOT_FIRST_HOUR) * HOUR_MS;
  const slots: AppointmentSlot[] = [];
  for (let hour = SLOT_FIRST_HOUR; hour < SLOT_END_HOUR; hour++) {
    const start = steady ? first + (hour - SLOT_FIRST_HOUR) * HOUR_MS : at(hour);
    slots.push({ start: isoMs(start), end: isoMs(start + HOUR_MS), localDate });
  }
  return slots;
}

const HOUR_MS = 3_600_000;
const isoMs = (ms: number) => new Date(ms).toISOString();

export function findSlot(slots: readonly AppointmentSlot[], start: string): AppointmentSlot | undefined {
  return slots.find((s) => s.start === start);
}

/** Slots grouped by local day, in order, for a page that lists one day under each heading. */
export function slotsByDay(
  slots: readonly AppointmentSlot[],
): Array<{ localDate: string; slots: AppointmentSlot[] }> {
  const days: Array<{ localDate: string; slots: AppointmentSlot[] }> = [];
  for (const slot of slots) {
    const last = days[days.length - 1];
    if (last && last.localDate === slot.localDate) last.slots.push(slot);
    else days.push({ localDate: slot.localDate, slots: [slot] });
  }
  return days;
}

function local(instant: string, zone: string, locale: string): DateTime {
  return DateTime.fromISO(instant, { zone }).setLocale(locale);
}

const isChinese = (locale: string) => locale.startsWith("zh");

/** "14:00-15:00" in Chinese, "2pm-3pm" (or "2:30pm") in English, on the borrower's clock. */
export function formatSlotTimes(
  slot: Pick<AppointmentSlot, "start" | "end">,
  zone: string,
  locale: string,
): string {
  const clock = (dt: DateTime) =>
    isChinese(locale)
      ? dt.toFormat("HH:mm")
      : `${dt.toFormat(dt.minute ? "h:mm" : "h")}${dt.hour < 12 ? "am" : "pm"}`;
  return `${clock(local(slot.start, zone, locale))}-${clock(local(slot.end, zone, locale))}`;
}

/** A day heading for the slot picker, e.g. "Monday 24 November" / "11月24日星期一". */
export function formatSlotDay(localDate: string, locale: string): string {
  return DateTime.fromISO(localDate, { zone: "UTC" })
    .setLocale(locale === "en" ? "en-GB" : locale)
    .toLocaleString({ weekday: "long", month: "long", day: "numeric" });
}

/**
 * The slot as an SMS states it, within the lengths the templates are proven to
 * fit (WORST_CASE_VARS.slot): "12月31日 14:00-15:00" or "Wed 31 Dec, 10am-11am".
 */
export function formatSlotForSms(
  slot: Pick<AppointmentSlot, "start" | "end">,
  zone: string,
  locale: string,
): string {
  const start = local(slot.start, zone, isChinese(locale) ? locale : "en-GB");
  const day = isChinese(locale) ? `${start.month}月${start.day}日 ` : `${start.toFormat("ccc d LLL")}, `;
  return `${day}${formatSlotTimes(slot, zone, locale)}`;
}

/** The zone's name in the reader's language, e.g. "Hong Kong Standard Time" / "香港標準時間". */
export function timeZoneLabel(instant: string, zone: string, locale: string): string {
  return local(instant, zone, locale === "en" ? "en-GB" : locale).offsetNameLong ?? zone;
}
