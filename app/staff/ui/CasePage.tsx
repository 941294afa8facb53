import { Form, Link } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import type { CaseEventKind, CaseReplyVia, CaseType } from "../../../db/schema";
import type { CaseAction, CaseClockName, CaseState } from "../../domain/case-lifecycle";

/**
 * A case's page: what the borrower wrote, who owns it, its SLA clocks, the actions its state allows (the
 * closing ones carry the final response, written in the borrower's language), internal notes, a further
 * hardship pause with its reason, and the history. Every action is a plain form post.
 */
interface CaseView {
  id: string;
  type: CaseType;
  status: CaseState;
  borrowerId: string;
  borrowerName: string;
  borrowerLocale: string;
  accountLast4: string | null;
  ackNumber: string | null;
  topic: string;
  created: string;
  taskId: string | null;
  ownerName: string | null;
  text: string;
  response: string | null;
  responded: string | null;
  pausedUntil: string | null;
  actions: CaseAction[];
  mayAct: boolean;
  clocks: Array<{ name: CaseClockName; due: string; metAt: string | null; breached: boolean }>;
  events: Array<{
    id: string;
    kind: CaseEventKind;
    staffName: string | null;
    replyVia: CaseReplyVia | null;
    fromStatus: string | null;
    toStatus: string | null;
    body: string | null;
    pauseUntil: string | null;
    at: string;
  }>;
}

export function CasePage({ c, error }: { c: CaseView; error: { error: string; by: string | null } | null }) {
  const { t } = useTranslation("staff");
  const title =
    c.type === "complaint"
      ? t("cases.complaintTitle", { ack: c.ackNumber })
      : t("cases.hardshipTitle", { reason: t(`hardshipReasons.${c.topic}`) });
  return (
    <>
      <h1>{title}</h1>
      {error ? (
        <p className="notice notice-error" role="alert">
          {t(error.error, { by: error.by })}
        </p>
      ) : null}
      <CaseSummary c={c} />
      <SlaClocks clocks={c.clocks} />
      {c.mayAct && c.actions.length ? <CaseActions c={c} /> : null}
      {c.response ? (
        <section className="card" aria-labelledby="case-response">
          <h2 id="case-response">{t("cases.response")}</h2>
          <p className="free-text">{c.response}</p>
          <p className="hint">{c.responded}</p>
        </section>
      ) : null}
      {c.mayAct ? <CaseNoteForm /> : null}
      {c.mayAct && c.type === "hardship" && c.actions.length ? (
        <PauseForm pausedUntil={c.pausedUntil} />
      ) : null}
      <CaseHistory events={c.events} />
    </>
  );
}

function CaseSummary({ c }: { c: CaseView }) {
  const { t } = useTranslation("staff");
  return (
    <section className="card" aria-labelledby="case-summary">
      <h2 id="case-summary">{t("cases.summary")}</h2>
      <dl className="summary">
        <div className="summary-row">
          <dt>{t("queues.borrower")}</dt>
          <dd>
            <Link to={`/staff/borrowers/${c.borrowerId}`}>{c.borrowerName}</Link>
            {c.accountLast4 ? ` · ${t("common.accountEnding", { last4: c.accountLast4 })}` : ""}
          </dd>
        </div>
        <div className="summary-row">
          <dt>{t("queues.status")}</dt>
          <dd data-testid="case-status">{t(`hardshipStatus.${c.status}`)}</dd>
        </div>
        <div className="summary-row">
          <dt>{t("work.owner")}</dt>
          <dd>{c.ownerName ?? t("work.nobody")}</dd>
        </div>
        <div className="summary-row">
          <dt>{t("cases.filed")}</dt>
          <dd>{c.created}</dd>
        </div>
        {c.type === "complaint" ? (
          <div className="summary-row">
            <dt>{t("queues.category")}</dt>
            <dd>{t(`complaintCategories.${c.topic}`)}</dd>
          </div>
        ) : null}
      </dl>
      <h3>{t("cases.theirWords")}</h3>
      <p className="free-text">{c.text || "—"}</p>
    </section>
  );
}

function SlaClocks({ clocks }: { clocks: CaseView["clocks"] }) {
  const { t } = useTranslation("staff");
  return (
    <section className="card" aria-labelledby="case-sla">
      <h2 id="case-sla">{t("cases.sla")}</h2>
      <ul>
        {clocks.map((k) => (
          <li key={k.name}>
            {t(`cases.clocks.${k.name}`, { due: k.due })} —{" "}
            {k.breached ? (
              <strong>{t("cases.breached")}</strong>
            ) : k.metAt ? (
              t("cases.met", { at: k.metAt })
            ) : (
              t("cases.running")
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

function CaseActions({ c }: { c: CaseView }) {
  const { t } = useTranslation("staff");
  const steps = c.actions.filter((a) => a !== "resolve" && a !== "reject");
  const closing = c.actions.filter((a) => a === "resolve" || a === "reject");
  const language = t(`languages.${c.borrowerLocale}`);
  return (
    <section className="card" aria-labelledby="case-actions">
      <h2 id="case-actions">{t("cases.actions")}</h2>
      {steps.map((a) => (
        <Form key={a} method="post" className="inline-form">
          <input type="hidden" name="intent" value={a} />
          <button type="submit" className="button secondary">
            {t(`cases.do.${a}`)}
          </button>
        </Form>
      ))}
      {closing.map((a) => (
        <Form key={a} method="post">
          <input type="hidden" name="intent" value={a} />
          <div className="field">
            <label htmlFor={`response-${a}`}>{t(`cases.responseLabel.${a}`)}</label>
            <p className="hint" id={`response-${a}-hint`}>
              {t("cases.responseHint", { language })}
            </p>
            <textarea
              id={`response-${a}`}
              name="response"
              rows={4}
              maxLength={4000}
              required
              aria-describedby={`response-${a}-hint`}
            />
          </div>
          <button type="submit" className="button primary">
            {t(`cases.do.${a}`)}
          </button>
        </Form>
      ))}
    </section>
  );
}

function CaseNoteForm() {
  const { t } = useTranslation("staff");
  return (
    <section className="card" aria-labelledby="case-note">
      <h2 id="case-note">{t("cases.note")}</h2>
      <Form method="post">
        <input type="hidden" name="intent" value="add_case_note" />
        <div className="field">
          <label htmlFor="case-note-body">{t("cases.noteLabel")}</label>
          <textarea id="case-note-body" name="body" rows={3} maxLength={4000} required />
        </div>
        <button type="submit" className="button secondary">
          {t("cases.addNote")}
        </button>
      </Form>
    </section>
  );
}

function PauseForm({ pausedUntil }: { pausedUntil: string | null }) {
  const { t } = useTranslation("staff");
  return (
    <section className="card" aria-labelledby="case-pause">
      <h2 id="case-pause">{t("cases.pause")}</h2>
      <p className="hint">
        {pausedUntil ? t("cases.pausedUntil", { date: pausedUntil }) : t("cases.notPaused")}
      </p>
      <Form method="post">
        <input type="hidden" name="intent" value="grant_pause" />
        <div className="field">
          <label htmlFor="pause-until">{t("cases.pauseUntil")}</label>
          <input id="pause-until" name="until" type="date" required />
        </div>
        <div className="field">
          <label htmlFor="pause-reason">{t("cases.pauseReason")}</label>
          <textarea id="pause-reason" name="reason" rows={2} maxLength={500} required />
        </div>
        <button type="submit" className="button secondary">
          {t("cases.grantPause")}
        </button>
      </Form>
    </section>
  );
}

function CaseHistory({ events }: { events: CaseView["events"] }) {
  const { t } = useTranslation("staff");
  return (
    <section className="card" aria-labelledby="case-history">
      <h2 id="case-history">{t("cases.history")}</h2>
      {events.length === 0 ? (
        <p className="hint">{t("cases.noHistory")}</p>
      ) : (
        <ol className="case-history">
          {events.map((e) => (
            <li key={e.id}>
              <span className="hint">
                {e.at} · {e.staffName ?? t("cases.system")}
              </span>{" "}
              {eventLine(e, t)}
              {e.body ? <p className="free-text">{e.body}</p> : null}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

/** What happened, in words: a move, a granted pause, or what the borrower sent (never their words). */
function eventLine(
  e: CaseView["events"][number],
  t: (key: string, opts?: Record<string, unknown>) => string,
) {
  const move = { from: t(`hardshipStatus.${e.fromStatus}`), to: t(`hardshipStatus.${e.toStatus}`) };
  if (e.kind === "borrower_reply") return t(`cases.replied.${e.replyVia}`, move);
  if (e.kind === "transition") return t("cases.moved", move);
  if (e.kind === "pause_granted") return t("cases.pauseGranted", { date: e.pauseUntil });
  return null;
}
