import { data, type LoaderFunctionArgs } from "@remix-run/node";
import type { Kysely } from "kysely";
import { Link, useLoaderData, useRouteLoaderData } from "@remix-run/react";
import { DateTime } from "luxon";
import { useTranslation } from "react-i18next";
import { LOCALE_NAMES } from "~/i18n/config";
import { formatSlotDay, formatSlotTimes } from "~/domain/appointment-slots";
import { formatCalendarDate, formatMoney } from "~/domain/money";
import type { loader as rootLoader } from "~/root";
import { latestAppointment } from "~/borrower/appointments.server";
import { requireBorrowerSession, type BorrowerSession } from "~/borrower/session.server";
import { latestComplaint } from "~/borrower/complaints.server";
import { latestHardshipReport } from "~/borrower/hardship.server";
import { currentPreferences } from "~/borrower/preferences.server";
import { latestPromise } from "~/borrower/promises.server";
import { sessionAccount } from "~/borrower/action-scope.server";
import type { Database } from "../../db/schema";

/**
 * One confirmation page per borrower action. What it shows is read back from
 * the database for the session's borrower and account, so the URL carries
 * nothing personal and a reload shows the same thing.
 */
async function confirmation(db: Kysely<Database>, session: BorrowerSession, action: string | undefined) {
  const notFound = () => {
    throw data(null, { status: 404 });
  };
  switch (action) {
    case "promise": {
      const promise = (await latestPromise(db, session)) ?? notFound();
      return { kind: "promise" as const, ...promise };
    }
    case "hardship": {
      const report = (await latestHardshipReport(db, session)) ?? notFound();
      const { time_zone } = await sessionAccount(db, session);
      const until = report.pausedUntil
        ? DateTime.fromISO(report.pausedUntil, { zone: time_zone }).toISODate()
        : null;
      return { kind: "hardship" as const, pauseGranted: report.pauseGranted, pausedUntil: until };
    }
    case "preferences":
      return { kind: "preferences" as const, ...(await currentPreferences(db, session)) };
    // Both read the current state, so a reload after changing it again tells the truth.
    case "texts-stopped":
    case "texts-resumed": {
      const prefs = await currentPreferences(db, session);
      return { kind: "texts" as const, smsOptedOut: prefs.smsOptedOut };
    }
    case "appointment": {
      const { kind, ...slot } = (await latestAppointment(db, session)) ?? notFound();
      return { kind: "appointment" as const, appointmentKind: kind, ...slot };
    }
    case "complaint": {
      const complaint = (await latestComplaint(db, session)) ?? notFound();
      return { kind: "complaint" as const, ...complaint };
    }
    default:
      return notFound();
  }
}

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const session = await requireBorrowerSession(context.db, request);
  return data(await confirmation(context.db, session, params.action), {
    headers: { "Cache-Control": "no-store" },
  });
}

type Confirmation = Awaited<ReturnType<typeof confirmation>>;

export default function ActionDone() {
  const page = useLoaderData<typeof loader>() as Confirmation;
  const root = useRouteLoaderData<typeof rootLoader>("root");
  const { t, i18n } = useTranslation("actions");
  const lang = i18n.language;
  const date = (iso: string) => formatCalendarDate(iso, lang);
  const hotline = root?.hotline;
  let title: string;
  let body: React.ReactNode;

  switch (page.kind) {
    case "promise":
      title = t("done.promise.title");
      body = (
        <>
          <p>
            {t("done.promise.summary", {
              amount: formatMoney({ minor: page.amountMinor, currency: page.currency }, lang),
              date: date(page.promisedDate),
            })}
          </p>
          {page.status === "active" ? (
            <p>{t("done.promise.paused", { date: date(page.remindersPausedThrough) })}</p>
          ) : null}
          <p>{t("done.promise.ifNot")}</p>
        </>
      );
      break;
    case "hardship":
      title = t("done.hardship.title");
      body = (
        <>
          {page.pauseGranted && page.pausedUntil ? (
            <p className="notice">{t("done.hardship.paused", { date: date(page.pausedUntil) })}</p>
          ) : (
            <p className="notice">{t("done.hardship.notExtended")}</p>
          )}
          {!page.pauseGranted && page.pausedUntil ? (
            <p>{t("done.hardship.stillPaused", { date: date(page.pausedUntil) })}</p>
          ) : null}
          <p>{t("done.hardship.review")}</p>
          <p>{t("done.hardship.help", { hotline })}</p>
        </>
      );
      break;
    case "preferences": {
      title = t("done.preferences.title");
      const channels = (["sms", "email", "phone"] as const).filter((c) =>
        c === "sms"
          ? page.smsAllowed && !page.smsOptedOut
          : c === "email"
            ? page.emailAllowed
            : page.phoneAllowed,
      );
      const rows: Array<[string, string]> = [
        [
          t("preferences.channels"),
          channels.length
            ? channels.map((c) => t(`preferences.channelNames.${c}`)).join(t("common.listSeparator"))
            : t("done.preferences.noChannels"),
        ],
        [
          t("preferences.window"),
          page.windowStart && page.windowEnd
            ? `${page.windowStart}-${page.windowEnd}`
            : t("preferences.noPreference"),
        ],
        [t("preferences.language"), LOCALE_NAMES[page.language]],
        [
          t("preferences.maxPerWeek"),
          page.maxPerWeek ? t("preferences.perWeek", { n: page.maxPerWeek }) : t("preferences.noPreference"),
        ],
      ];
      body = (
        <>
          <p>{t("done.preferences.body")}</p>
          <dl className="summary">
            {rows.map(([label, value]) => (
              <div key={label} className="summary-row">
                <dt>{label}</dt>
                <dd>{value}</dd>
              </div>
            ))}
          </dl>
        </>
      );
      break;
    }
    case "texts":
      title = page.smsOptedOut ? t("done.textsStopped.title") : t("done.textsResumed.title");
      body = page.smsOptedOut ? (
        <>
          <p>{t("done.textsStopped.body")}</p>
          <ul className="plain-list">
            <li>{t("texts.stillDue")}</li>
            <li>{t("texts.stillContact")}</li>
            <li>{t("texts.stillService")}</li>
            <li>{t("texts.optBackIn", { hotline })}</li>
          </ul>
        </>
      ) : (
        <p>{t("done.textsResumed.body")}</p>
      );
      break;
    case "appointment": {
      title = t("done.appointment.title");
      const localDate = DateTime.fromISO(page.start, { zone: page.timeZone }).toISODate()!;
      const slot = `${formatSlotDay(localDate, lang)} ${formatSlotTimes(page, page.timeZone, lang)}`;
      body = (
        <>
          <p className="notice">{t(`done.appointment.${page.appointmentKind}`, { slot })}</p>
          <p>{t("done.appointment.change", { hotline })}</p>
        </>
      );
      break;
    }
    case "complaint":
      title = t("done.complaint.title");
      body = (
        <>
          <p>{t("done.complaint.ackIntro")}</p>
          <p className="ack-number">
            <strong>{page.ackNumber}</strong>
          </p>
          <p>{t("done.complaint.keep")}</p>
          <p>{t("done.complaint.next", { hotline })}</p>
        </>
      );
      break;
  }

  return (
    <>
      <section className="card" aria-labelledby="done-title">
        <h1 id="done-title">{title}</h1>
        {body}
      </section>
      <p>
        <Link to="/account" className="back-link">
          {t("common.back")}
        </Link>
      </p>
    </>
  );
}
