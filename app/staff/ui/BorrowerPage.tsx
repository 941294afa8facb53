import { Link } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import type { BorrowerWorkspace } from "../borrower-workspace.server";
import { ActForBorrower } from "./ActForBorrower";
import { CallForm, FlagForm, NoteForm, ResolveTaskForm, type BorrowerActionReply } from "./BorrowerActions";
import { ContactFactsForms, VisitOutcomeForm } from "./VisitActions";
import { ContactDecisions } from "./ContactDecisions";
import { NextContact } from "./NextContact";
import { StatusPanel } from "./StatusPanel";
import { BorrowerWords, Timeline } from "./Timeline";
import { TimelineFilters } from "./TimelineFilters";

type Props = { page: BorrowerWorkspace; reply?: BorrowerActionReply };
type T = (key: string, vars?: Record<string, unknown>) => string;

/** One borrower for staff: who they are, their accounts, the schedule, the timeline, and what staff can do. */
export function BorrowerPage({ page, reply }: Props) {
  const { t } = useTranslation("staff");
  const { t: ts } = useTranslation("settlement");
  return (
    <>
      <a className="skip-link" href="#timeline">
        {t("borrower.skipToTimeline")}
      </a>
      <h1>{page.borrower.fullName}</h1>
      <p>
        <Link to={`/staff/borrowers/${page.borrower.id}/settlements`}>{ts("staff.panelTitle")}</Link>
      </p>
      {page.can.dataRights ? (
        <p>
          <a href={`/staff/borrowers/${page.borrower.id}/data`}>{t("dataRights.link")}</a>
        </p>
      ) : null}
      {page.done ? (
        <p className="notice" role="status">
          {t(`actions.done.${page.done}`, { defaultValue: t("actions.done.default") })}
        </p>
      ) : null}
      <div className="staff-columns">
        <div className="staff-main">
          <NextContact page={page} />
          <StatusPanel page={page} reply={reply} />
          <BorrowerDetails page={page} />
          <section className="card" aria-labelledby="accounts-title">
            <h2 id="accounts-title">{t("borrower.accounts")}</h2>
            {page.accounts.map((a) => (
              <AccountCard key={a.id} account={a} canFlag={page.can.flags} reply={reply} />
            ))}
          </section>
          <section className="card" aria-labelledby="decisions-title">
            <h2 id="decisions-title">{t("decisions.title")}</h2>
            <ContactDecisions silence={page.silence} decisions={page.decisions} />
          </section>
          {page.acting ? <ActForBorrower page={page} acting={page.acting} reply={reply} /> : null}
          <section className="card" id="timeline" tabIndex={-1} aria-labelledby="timeline-title">
            <h2 id="timeline-title">{t("timeline.title")}</h2>
            <TimelineFilters shown={page.timelineFilters.shown} counts={page.timelineFilters.counts} />
            <Timeline entries={page.timeline} filtered={page.timelineFilters.shown.length > 0} />
          </section>
        </div>
        <SidePanel page={page} reply={reply} />
      </div>
    </>
  );
}

function BorrowerDetails({ page }: { page: BorrowerWorkspace }) {
  const { t } = useTranslation("staff");
  const b = page.borrower;
  return (
    <section className="card" aria-labelledby="borrower-details">
      <h2 id="borrower-details">{t("borrower.details")}</h2>
      <dl className="summary">
        <Row label={t("borrower.reference")} value={b.externalRef} />
        <Row label={t("borrower.phone")} value={b.phone} />
        <Row label={t("borrower.email")} value={b.email ?? "—"} />
        <Row label={t("borrower.language")} value={t(`languages.${b.locale}`, { defaultValue: b.locale })} />
        <Row label={t("borrower.timeZone")} value={`${b.timeZone} (${b.jurisdiction})`} />
        <Row label={t("visits.phoneOwner")} value={t(`phoneOwners.${b.phoneOwner}`)} />
        <Row
          label={t("visits.address")}
          value={
            b.address
              ? b.addressStaleSince
                ? t("visits.addressStale", { address: b.address, date: b.addressStaleSince })
                : b.address
              : "—"
          }
        />
      </dl>
    </section>
  );
}

function AccountCard({
  account: a,
  canFlag,
  reply,
}: {
  account: BorrowerWorkspace["accounts"][number];
  canFlag: boolean;
  reply?: BorrowerActionReply;
}) {
  const { t } = useTranslation("staff");
  const flag = (since: string | null) =>
    since ? t("borrower.flagSince", { date: since }) : t("borrower.flagOff");
  return (
    <article className="account-card" aria-labelledby={`account-${a.id}`}>
      <h3 id={`account-${a.id}`}>
        {t(`products.${a.product}`)} · {t("common.accountEnding", { last4: a.last4 })} ·{" "}
        <code>{a.externalRef}</code>
      </h3>
      <dl className="summary">
        <Row
          label={t("borrower.status")}
          value={`${t(`accountStatus.${a.status}`)} · ${t("borrower.dpd", { count: a.dpd })}`}
        />
        <Row label={t("borrower.overdue")} value={a.overdue} />
        <Row label={t("borrower.minimumDue")} value={a.minimumDue} />
        <Row label={t("borrower.balance")} value={a.balance} />
        <Row label={t("borrower.feesAndInterest")} value={a.feesAndInterest} />
        <Row label={t("borrower.dueDate")} value={a.dueDate ?? "—"} />
        <Row label={t("borrower.balanceAsOf")} value={a.balanceAsOf} />
        <Row label={t("borrower.wrongNumber")} value={flag(a.wrongNumberSince)} />
        <Row label={t("borrower.dispute")} value={flag(a.disputeSince)} />
      </dl>
      {canFlag ? (
        <div className="button-row">
          <FlagForm
            reply={reply}
            accountId={a.id}
            flag="wrong_number"
            on={a.wrongNumberSince !== null}
            label={a.wrongNumberSince ? t("actions.clearWrongNumber") : t("actions.setWrongNumber")}
          />
          <FlagForm
            reply={reply}
            accountId={a.id}
            flag="dispute"
            on={a.disputeSince !== null}
            label={a.disputeSince ? t("actions.clearDispute") : t("actions.setDispute")}
          />
        </div>
      ) : null}
    </article>
  );
}

function SidePanel({ page, reply }: Props) {
  const { t } = useTranslation("staff");
  return (
    <aside className="staff-side" aria-label={t("borrower.sidePanel")}>
      <OpenTasks page={page} reply={reply} />
      {page.can.call ? (
        <section className="card" aria-labelledby="call-title">
          <h2 id="call-title">{t("actions.callTitle")}</h2>
          <CallForm reply={reply} accounts={page.accounts} />
        </section>
      ) : null}
      {page.can.call ? (
        <ContactFactsForms
          reply={reply}
          phoneOwner={page.borrower.phoneOwner}
          visitAllowed={page.preferences?.visitAllowed ?? true}
        />
      ) : null}
      {page.can.note ? (
        <section className="card" aria-labelledby="note-title">
          <h2 id="note-title">{t("actions.noteTitle")}</h2>
          <NoteForm reply={reply} />
        </section>
      ) : null}
      <PreferencesSummary preferences={page.preferences} />
    </aside>
  );
}

function OpenTasks({ page, reply }: Props) {
  const { t } = useTranslation("staff");
  return (
    <section className="card" aria-labelledby="tasks-title">
      <h2 id="tasks-title">{t("borrower.openTasks")}</h2>
      {page.openTasks.length === 0 ? <p className="hint">{t("borrower.noOpenTasks")}</p> : null}
      <ul className="task-list">
        {page.openTasks.map((task) => (
          <li key={task.id}>
            <p>
              <strong>{t(`taskKinds.${task.kind}`)}</strong>
              {task.accountLast4 ? ` · ${t("common.accountEnding", { last4: task.accountLast4 })}` : ""}
            </p>
            <p className="hint">
              {task.slot
                ? t("timeline.task.slot", { slot: task.slot })
                : t("borrower.taskDue", { date: task.due })}
            </p>
            {task.address ? <p>{t("visits.taskAddress", { address: task.address })}</p> : null}
            {task.reason ? <p className="hint">{t("visits.taskReason", { reason: task.reason })}</p> : null}
            {task.borrowerNote ? <BorrowerWords text={task.borrowerNote} /> : null}
            {page.can.resolveTask && task.kind === "visit" ? (
              <VisitOutcomeForm reply={reply} taskId={task.id} />
            ) : page.can.resolveTask ? (
              <ResolveTaskForm reply={reply} taskId={task.id} />
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}

function PreferencesSummary({ preferences: p }: { preferences: BorrowerWorkspace["preferences"] }) {
  const { t } = useTranslation("staff");
  return (
    <section className="card" aria-labelledby="prefs-title">
      <h2 id="prefs-title">{t("preferences.title")}</h2>
      {p ? (
        <dl className="summary">
          <Row
            label={t("preferences.sms")}
            value={
              p.smsOptedOut ? t("preferences.optedOut", { date: p.smsOptedOut }) : yesNo(t, p.smsAllowed)
            }
          />
          <Row label={t("preferences.phone")} value={yesNo(t, p.phoneAllowed)} />
          <Row label={t("preferences.email")} value={yesNo(t, p.emailAllowed)} />
          <Row label={t("preferences.visits")} value={yesNo(t, p.visitAllowed)} />
          <Row label={t("preferences.window")} value={p.window ?? t("preferences.anyTime")} />
          <Row
            label={t("preferences.maxPerWeek")}
            value={p.maxPerWeek === null ? t("preferences.policyDefault") : String(p.maxPerWeek)}
          />
          <Row
            label={t("preferences.language")}
            value={p.preferredLocale ? t(`languages.${p.preferredLocale}`) : t("preferences.policyDefault")}
          />
        </dl>
      ) : (
        <p className="hint">{t("preferences.none")}</p>
      )}
    </section>
  );
}

function Row({ label, value }: { label: string; value: string }) {
  return (
    <div className="summary-row">
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}

const yesNo = (t: T, value: boolean) => (value ? t("common.yes") : t("common.no"));
