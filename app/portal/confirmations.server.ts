import type { Kysely } from "kysely";
import { DateTime } from "luxon";
import type { Database } from "../../db/schema";
import { sessionAccount } from "../borrower/action-scope.server";
import { latestAppointment } from "../borrower/appointments.server";
import { latestComplaint } from "../borrower/complaints.server";
import { latestHardshipReport } from "../borrower/hardship.server";
import { currentPreferences } from "../borrower/preferences.server";
import { latestPromise } from "../borrower/promises.server";
import type { BorrowerSession } from "../borrower/session.server";

/**
 * One confirmation page per borrower action. What it shows is read back from
 * the database for the session's borrower and account, so the URL carries
 * nothing personal and a reload shows the same thing. Null when there is no
 * such action, or nothing of it to confirm.
 */
export async function loadConfirmation(
  db: Kysely<Database>,
  session: BorrowerSession,
  action: string | undefined,
) {
  switch (action) {
    case "promise": {
      const promise = await latestPromise(db, session);
      return promise && { kind: "promise" as const, ...promise };
    }
    case "hardship":
      return hardshipConfirmation(db, session);
    case "preferences":
      return { kind: "preferences" as const, ...(await currentPreferences(db, session)) };
    // Both read the current state, so a reload after changing it again tells the truth.
    case "texts-stopped":
    case "texts-resumed": {
      const prefs = await currentPreferences(db, session);
      return { kind: "texts" as const, smsOptedOut: prefs.smsOptedOut };
    }
    case "appointment": {
      const appointment = await latestAppointment(db, session);
      if (!appointment) return null;
      const { kind, ...slot } = appointment;
      return { kind: "appointment" as const, appointmentKind: kind, ...slot };
    }
    case "complaint": {
      const complaint = await latestComplaint(db, session);
      return complaint && { kind: "complaint" as const, ...complaint };
    }
    default:
      return null;
  }
}

export type Confirmation = NonNullable<Awaited<ReturnType<typeof loadConfirmation>>>;

/** The pause is shown as the borrower's calendar day it ends on. */
async function hardshipConfirmation(db: Kysely<Database>, session: BorrowerSession) {
  const report = await latestHardshipReport(db, session);
  if (!report) return null;
  const { time_zone } = await sessionAccount(db, session);
  const until = report.pausedUntil
    ? DateTime.fromISO(report.pausedUntil, { zone: time_zone }).toISODate()
    : null;
  return { kind: "hardship" as const, pauseGranted: report.pauseGranted, pausedUntil: until };
}
