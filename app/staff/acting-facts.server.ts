import type { Kysely } from "kysely";
import type { Database } from "../../db/schema";
import { formatSlotDay, formatSlotTimes, appointmentSlots } from "../domain/appointment-slots";
import { localToday, promiseDateOptions } from "../domain/borrower-actions";
import { latestFirstDate } from "../domain/plan-terms";
import { currentPreferences } from "../borrower/preferences.server";

type Option = { value: string; label: string };

/** What the borrower page's "act for the borrower" forms offer: the portal's choices, on the borrower's clock. */
export interface ActingFacts {
  promiseDates: Option[];
  planFirstDates: { min: string; max: string };
  callbackSlots: Option[];
  preferences: {
    channels: string[];
    windowStart: string;
    windowEnd: string;
    language: string;
    maxPerWeek: string;
  };
  smsRefused: boolean;
}

export async function actingFacts(
  db: Kysely<Database>,
  opts: { borrowerId: string; accountId: string; timeZone: string; locale: string; now: Date },
): Promise<ActingFacts> {
  const { timeZone, locale, now } = opts;
  const today = localToday(now, timeZone);
  const p = await currentPreferences(db, { borrowerId: opts.borrowerId, accountId: opts.accountId });
  return {
    promiseDates: promiseDateOptions(today).map((d) => ({ value: d, label: dayLabel(d, locale) })),
    planFirstDates: { min: today, max: latestFirstDate(today) },
    callbackSlots: appointmentSlots(now, timeZone).map((slot) => ({
      value: slot.start,
      label: `${formatSlotDay(slot.localDate, locale)} ${formatSlotTimes(slot, timeZone, locale)}`,
    })),
    preferences: {
      channels: [
        ...(p.smsAllowed ? ["sms"] : []),
        ...(p.emailAllowed ? ["email"] : []),
        ...(p.phoneAllowed ? ["phone"] : []),
      ],
      windowStart: p.windowStart ?? "",
      windowEnd: p.windowEnd ?? "",
      language: p.language,
      maxPerWeek: p.maxPerWeek === null ? "" : String(p.maxPerWeek),
    },
    smsRefused: p.smsOptedOut || !p.smsAllowed,
  };
}

/** "Friday 12 December" in the reader's language, for a calendar date on the borrower's clock. */
function dayLabel(isoDate: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, {
    weekday: "long",
    month: "long",
    day: "numeric",
    timeZone: "UTC",
  }).format(new Date(`${isoDate}T00:00:00Z`));
}
