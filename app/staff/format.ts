/** Date and time as the console shows it: the reader's language, the bank's time zone (STAFF_TIME_ZONE). */
export function formatStaffDateTime(value: Date | string, locale: string, timeZone: string): string {
  const date = typeof value === "string" ? new Date(value) : value;
  return new Intl.DateTimeFormat(locale, {
    timeZone,
    year: "numeric",
    month: "short",
    day: "numeric",
    weekday: "short",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).format(date);
}

/** Whole days between two instants (for queue ages), never negative. */
export function ageInDays(from: Date | string, now: Date): number {
  const start = typeof from === "string" ? Date.parse(from) : from.getTime();
  return Math.max(0, Math.floor((now.getTime() - start) / 86_400_000));
}
