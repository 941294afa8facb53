import { DateTime } from "luxon";
import { useTranslation } from "react-i18next";
import { formatSlotDay, formatSlotTimes } from "../../domain/appointment-slots";
import { formatCalendarDate, formatMoney } from "../../domain/money";
import { LOCALE_NAMES } from "../../i18n/config";
import type { Confirmation } from "../confirmations.server";

/**
 * What the confirmation page says after each borrower action, one component per action; the page puts the
 * title above it (confirmationTitle) and the way back below.
 */
type Of<K extends Confirmation["kind"]> = Extract<Confirmation, { kind: K }>;

/** The translation key of the page's heading. */
export function confirmationTitle(page: Confirmation): string {
  if (page.kind === "texts") return page.smsOptedOut ? "done.textsStopped.title" : "done.textsResumed.title";
  return `done.${page.kind}.title`;
}

export function ConfirmationBody({ page, hotline }: { page: Confirmation; hotline?: string }) {
  switch (page.kind) {
    case "promise":
      return <PromiseDone page={page} />;
    case "hardship":
      return <HardshipDone page={page} hotline={hotline} />;
    case "preferences":
      return <PreferencesDone page={page} />;
    case "texts":
      return <TextsDone page={page} hotline={hotline} />;
    case "appointment":
      return <AppointmentDone page={page} hotline={hotline} />;
    case "complaint":
      return <ComplaintDone page={page} hotline={hotline} />;
  }
}

function PromiseDone({ page }: { page: Of<"promise"> }) {
  const { t, i18n } = useTranslation("actions");
  const date = (iso: string) => formatCalendarDate(iso, i18n.language);
  return (
    <>
      <p>
        {t("done.promise.summary", {
          amount: formatMoney({ minor: page.amountMinor, currency: page.currency }, i18n.language),
          date: date(page.promisedDate),
        })}
      </p>
      {page.status === "active" ? (
        <p>{t("done.promise.paused", { date: date(page.remindersPausedThrough) })}</p>
      ) : null}
      <p>{t("done.promise.ifNot")}</p>
    </>
  );
}

function HardshipDone({ page, hotline }: { page: Of<"hardship">; hotline?: string }) {
  const { t, i18n } = useTranslation("actions");
  const date = (iso: string) => formatCalendarDate(iso, i18n.language);
  return (
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
}

function PreferencesDone({ page }: { page: Of<"preferences"> }) {
  const { t } = useTranslation("actions");
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
  return (
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
}

function TextsDone({ page, hotline }: { page: Of<"texts">; hotline?: string }) {
  const { t } = useTranslation("actions");
  if (!page.smsOptedOut) return <p>{t("done.textsResumed.body")}</p>;
  return (
    <>
      <p>{t("done.textsStopped.body")}</p>
      <ul className="plain-list">
        <li>{t("texts.stillDue")}</li>
        <li>{t("texts.stillContact")}</li>
        <li>{t("texts.stillService")}</li>
        <li>{t("texts.optBackIn", { hotline })}</li>
      </ul>
    </>
  );
}

function AppointmentDone({ page, hotline }: { page: Of<"appointment">; hotline?: string }) {
  const { t, i18n } = useTranslation("actions");
  const lang = i18n.language;
  const localDate = DateTime.fromISO(page.start, { zone: page.timeZone }).toISODate()!;
  const slot = `${formatSlotDay(localDate, lang)} ${formatSlotTimes(page, page.timeZone, lang)}`;
  return (
    <>
      <p className="notice">{t(`done.appointment.${page.appointmentKind}`, { slot })}</p>
      <p>{t("done.appointment.change", { hotline })}</p>
    </>
  );
}

function ComplaintDone({ page, hotline }: { page: Of<"complaint">; hotline?: string }) {
  const { t } = useTranslation("actions");
  return (
    <>
      <p>{t("done.complaint.ackIntro")}</p>
      <p className="ack-number">
        <strong>{page.ackNumber}</strong>
      </p>
      <p>{t("done.complaint.keep")}</p>
      <p>{t("done.complaint.next", { hotline })}</p>
    </>
  );
}
