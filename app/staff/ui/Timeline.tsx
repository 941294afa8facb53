import { useTranslation } from "react-i18next";
import { borrowerWords, type TimelineEntry } from "../timeline";

/**
 * One borrower's history, newest first. Free text written by borrowers or
 * staff (hardship details, complaints, notes, inbound texts) is rendered as
 * React text children only: escaped, never as HTML.
 */
export function Timeline({ entries, filtered = false }: { entries: TimelineEntry[]; filtered?: boolean }) {
  const { t } = useTranslation("staff");
  if (entries.length === 0)
    return <p className="hint">{filtered ? t("timeline.filteredEmpty") : t("timeline.empty")}</p>;
  return (
    <ol className="timeline">
      {entries.map((entry) => (
        <li
          key={entry.key}
          className={`timeline-item timeline-${entry.kind}${borrowerWords(entry) ? " has-borrower-words" : ""}`}
        >
          <p className="timeline-meta">
            <time dateTime={entry.at}>{entry.when}</time>
            <span className="timeline-kind">{t(`timeline.kinds.${entry.kind}`)}</span>
            {entry.accountLast4 ? (
              <span className="hint">{t("common.accountEnding", { last4: entry.accountLast4 })}</span>
            ) : null}
          </p>
          <TimelineBody entry={entry} />
        </li>
      ))}
    </ol>
  );
}

/** Text the borrower wrote themselves, set apart and labelled (not by colour alone). Escaped like all text. */
export function BorrowerWords({ text }: { text: string }) {
  const { t } = useTranslation("staff");
  return (
    <figure className="borrower-words">
      <figcaption>{t("timeline.borrowerWords")}</figcaption>
      <blockquote className="free-text">{text}</blockquote>
    </figure>
  );
}

type Entry<K extends TimelineEntry["kind"]> = { entry: Extract<TimelineEntry, { kind: K }> };

function TimelineBody({ entry }: { entry: TimelineEntry }) {
  const { t } = useTranslation("staff");
  switch (entry.kind) {
    case "message":
      return <MessageBody entry={entry} />;
    case "link_opened":
      return <p>{t("timeline.linkOpened", { count: entry.openCount, last: entry.lastOpened ?? "—" })}</p>;
    case "verification":
      return (
        <p>{entry.succeeded ? t("timeline.verification.succeeded") : t("timeline.verification.failed")}</p>
      );
    case "payment":
      return (
        <p>
          {t("timeline.payment", { amount: entry.amount, source: t(`paymentSource.${entry.source}`) })} ·{" "}
          {t(`paymentStatus.${entry.status}`)}
        </p>
      );
    case "payment_reversal":
      return <p>{t(`timeline.reversal.${entry.action}`, { amount: entry.amount })}</p>;
    case "plan":
      return <PlanBody entry={entry} />;
    case "promise":
      return (
        <p>
          {t("timeline.promise", { amount: entry.amount, date: entry.promisedDate })} ·{" "}
          {t(`promiseStatus.${entry.status}`)}
        </p>
      );
    case "hardship":
      return <HardshipBody entry={entry} />;
    case "preferences":
      return <PreferencesBody entry={entry} />;
    case "consent":
      return (
        <p>
          {t(`timeline.consent.${entry.action}`, { channel: t(`timeline.consentChannels.${entry.channel}`) })}{" "}
          · {t(`timeline.consentMethods.${entry.method}`)}
          {entry.textVersion ? (
            <span className="hint">
              {" "}
              · {t("timeline.consentWording")} <code>{entry.textVersion}</code>
            </span>
          ) : null}
        </p>
      );
    case "complaint":
      return (
        <>
          <p>
            <code>{entry.ackNumber}</code> · {t(`complaintCategories.${entry.category}`)} ·{" "}
            {t(`complaintStatus.${entry.status}`)}
          </p>
          <BorrowerWords text={entry.body} />
        </>
      );
    case "note":
      return (
        <>
          <p className="hint">{t("timeline.noteBy", { name: entry.author })}</p>
          <blockquote className="free-text">{entry.body}</blockquote>
        </>
      );
    case "call":
      return (
        <p>
          {t(`callOutcomes.${entry.outcome}`)}
          {entry.author ? <span className="hint"> · {t("timeline.by", { name: entry.author })}</span> : null}
        </p>
      );
    case "visit":
      return <VisitBody entry={entry} />;
    case "task":
      return <TaskBody entry={entry} />;
  }
}

function MessageBody({ entry }: Entry<"message">) {
  const { t } = useTranslation("staff");
  return (
    <>
      <p>
        {t(`timeline.message.${entry.direction}`)} · {t(`messageStatus.${entry.status}`)}
        {entry.segments
          ? ` · ${t("timeline.message.segments", { count: entry.segments, encoding: entry.encoding ?? "" })}`
          : ""}
        {entry.templateKey ? (
          <>
            {" · "}
            <code>{entry.templateKey}</code>
          </>
        ) : null}
      </p>
      {entry.direction === "inbound" ? (
        <BorrowerWords text={entry.body} />
      ) : (
        <blockquote className="free-text">{entry.body}</blockquote>
      )}
      {entry.history.length ? (
        <p className="hint">
          {t("timeline.message.history")}{" "}
          {entry.history.map((h, i) => (
            <span key={i}>
              {i ? " → " : ""}
              {t(`messageStatus.${h.status}`)} ({h.when})
            </span>
          ))}
        </p>
      ) : null}
    </>
  );
}

function PlanBody({ entry }: Entry<"plan">) {
  const { t } = useTranslation("staff");
  return (
    <>
      <p>
        {t("timeline.plan", {
          total: entry.total,
          count: entry.instalmentCount,
          frequency: t(`frequency.${entry.frequency}`),
        })}{" "}
        · {t(`planStatus.${entry.status}`)} · {t(`timeline.proposedBy.${entry.proposedBy}`)}
        {entry.autopay ? ` · ${t(`timeline.autopay.${entry.autopay}`)}` : ""}
      </p>
      {entry.decisionReason ? <blockquote className="free-text">{entry.decisionReason}</blockquote> : null}
    </>
  );
}

function HardshipBody({ entry }: Entry<"hardship">) {
  const { t } = useTranslation("staff");
  return (
    <>
      <p>
        {t(`hardshipReasons.${entry.reason}`)} · {t(`hardshipStatus.${entry.status}`)}
        {entry.wantsPause ? ` · ${t("timeline.hardship.wantsPause")}` : ""}
        {entry.wantsLowerPayments ? ` · ${t("timeline.hardship.wantsLowerPayments")}` : ""}
      </p>
      {entry.income || entry.expenses ? (
        <p className="hint">
          {t("timeline.hardship.money", { income: entry.income ?? "—", expenses: entry.expenses ?? "—" })}
        </p>
      ) : null}
      {entry.pauseUntil ? (
        <p className="hint">{t("timeline.hardship.pauseUntil", { date: entry.pauseUntil })}</p>
      ) : null}
      {entry.details ? <BorrowerWords text={entry.details} /> : null}
    </>
  );
}

function PreferencesBody({ entry }: Entry<"preferences">) {
  const { t } = useTranslation("staff");
  return (
    <p>
      {t(`timeline.preferenceActions.${entry.action.replace(/^preferences\./, "").replace(/\./g, "_")}`, {
        defaultValue: entry.action,
      })}
      {entry.detail ? <span className="hint"> ({entry.detail})</span> : null}
    </p>
  );
}

/** The agent's notes are staff free text, shown as staff notes are (escaped, not the borrower's words). */
function VisitBody({ entry }: Entry<"visit">) {
  const { t } = useTranslation("staff");
  return (
    <>
      <p>
        {t(`visitOutcomes.${entry.outcome}`)}
        {entry.author ? <span className="hint"> · {t("timeline.by", { name: entry.author })}</span> : null}
      </p>
      {entry.notes ? <blockquote className="free-text">{entry.notes}</blockquote> : null}
    </>
  );
}

function TaskBody({ entry }: Entry<"task">) {
  const { t } = useTranslation("staff");
  return (
    <>
      <p>
        {t(`taskKinds.${entry.taskKind}`)} · {t(`taskStatus.${entry.status}`)}
        {entry.slot ? ` · ${t("timeline.task.slot", { slot: entry.slot })}` : ""}
        {entry.resolved ? ` · ${t("timeline.task.resolved", { date: entry.resolved })}` : ""}
      </p>
      {entry.borrowerNote ? <BorrowerWords text={entry.borrowerNote} /> : null}
      {entry.outcome ? (
        <p className="hint free-text">{t("timeline.task.outcome", { outcome: entry.outcome })}</p>
      ) : null}
    </>
  );
}
