import { Link } from "@remix-run/react";
import { ScrollTable } from "../../ui/ScrollTable";
import { useTranslation } from "react-i18next";
import type { ApprovalView } from "../approvals.server";
import { ApproveForm, CounterForm, PolicyReasons, RejectForm, type DecisionReply } from "./ApprovalParts";

/** The parts of one plan's approval page (app/routes/staff.approvals.$planId.tsx). */
type ViewProps = { view: ApprovalView };

type Terms = { count: number; total: string; frequency: string; firstDueDate: string };

/** "6 monthly payments, 1,200.00 in total, from 1 Dec" in the reader's language. */
function useTerms(): (x: Terms) => string {
  const { t } = useTranslation("console");
  const { t: ts } = useTranslation("staff");
  return (x) =>
    t("approvals.terms", {
      n: x.count,
      total: x.total,
      frequency: ts(`frequency.${x.frequency}`),
      date: x.firstDueDate,
    });
}

/** Why the decision just posted could not be made. */
export function DecisionOutcome({ reply, planId }: { reply: DecisionReply; planId: string }) {
  const { t } = useTranslation("console");
  return (
    <div className="notice notice-error" role="alert">
      <p>
        <strong>{t(`approvals.outcome.${reply.outcome}`)}</strong>
      </p>
      {reply.outcome === "conflict" && reply.currentStatus ? (
        <p>{t("approvals.outcome.nowStatus", { status: t(`planStatus.${reply.currentStatus}`) })}</p>
      ) : null}
      {reply.outcome === "conflict" ? (
        <p>
          <Link to={`/staff/approvals/${planId}`} reloadDocument>
            {t("approvals.outcome.reload")}
          </Link>
        </p>
      ) : null}
    </div>
  );
}

/** The plan's terms, who proposed and decided it, why it needs review, and its instalments. */
export function PlanCard({ view: v }: ViewProps) {
  const { t } = useTranslation("console");
  const terms = useTerms();
  const p = v.plan;
  return (
    <section className="card" aria-labelledby="plan-title">
      <h2 id="plan-title">
        {p.awaiting === "borrower" ? t("approvals.counterOfferTitle") : t("approvals.proposalTitle")}
      </h2>
      <dl className="summary">
        <Row label={t("approvals.status")} value={t(`planStatus.${p.status}`)} />
        <Row label={t("approvals.proposal")} value={terms(p)} />
        <Row
          label={t("approvals.proposedBy")}
          value={
            p.proposedBy === "staff"
              ? t("approvals.byStaff", { name: p.proposedByName ?? "—" })
              : t("approvals.byBorrower")
          }
        />
        <Row label={t("approvals.submitted")} value={p.created} />
        {p.original ? <Row label={t("approvals.originalRequest")} value={terms(p.original)} /> : null}
        {p.decided ? (
          <Row
            label={t("approvals.decided")}
            value={t("approvals.decidedBy", { when: p.decided.at, name: p.decided.byName ?? "—" })}
          />
        ) : null}
        {p.decided?.reason ? (
          <Row label={t("approvals.decisionReason")} value={p.decided.reason} freeText />
        ) : null}
      </dl>
      {p.counterOfferId ? (
        <p>
          <Link to={`/staff/approvals/${p.counterOfferId}`}>{t("approvals.seeCounterOffer")}</Link>
        </p>
      ) : null}
      <h3>{t("approvals.whyReview")}</h3>
      <PolicyReasons reasons={v.reasons} />
      <ScrollTable labelledBy="schedule-caption">
        <table className="staff-table">
          <caption id="schedule-caption">{t("approvals.schedule")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("approvals.seq")}</th>
              <th scope="col">{t("approvals.dueDate")}</th>
              <th scope="col">{t("approvals.amount")}</th>
            </tr>
          </thead>
          <tbody>
            {p.instalments.map((i) => (
              <tr key={i.seq}>
                <td>{i.seq}</td>
                <td>{i.dueDate}</td>
                <td>{i.amount}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollTable>
    </section>
  );
}

export function AccountCard({ view: v }: ViewProps) {
  const { t } = useTranslation("console");
  const { t: ts } = useTranslation("staff");
  return (
    <section className="card" aria-labelledby="account-title">
      <h2 id="account-title">
        {ts(`products.${v.account.product}`)} · {ts("common.accountEnding", { last4: v.account.last4 })}
      </h2>
      <dl className="summary">
        <Row label={t("approvals.reference")} value={v.account.externalRef} />
        <Row label={t("approvals.accountStatus")} value={ts(`accountStatus.${v.account.status}`)} />
        <Row label={t("approvals.dpd")} value={String(v.account.dpd)} />
        <Row label={t("approvals.balance")} value={v.account.balance} />
        <Row label={t("approvals.toSettle")} value={v.account.toSettle} />
        <Row label={t("approvals.overdue")} value={v.account.overdue} />
        <Row label={t("approvals.minimumDue")} value={v.account.minimumDue} />
        <Row label={t("approvals.dueDate")} value={v.account.dueDate ?? "—"} />
      </dl>
      <p>
        <Link to={`/staff/borrowers/${v.borrower.id}`}>{t("approvals.openBorrower")}</Link>
      </p>
    </section>
  );
}

/** Affordability against the latest figures, and every hardship report. */
export function HardshipCard({ view: v }: ViewProps) {
  const { t } = useTranslation("console");
  const { t: ts } = useTranslation("staff");
  return (
    <section className="card" aria-labelledby="hardship-title">
      <h2 id="hardship-title">{t("approvals.hardshipTitle")}</h2>
      {v.affordability ? (
        <dl className="summary">
          <Row label={t("approvals.income")} value={v.affordability.income} />
          <Row label={t("approvals.expenses")} value={v.affordability.expenses} />
          <Row label={t("approvals.disposable")} value={v.affordability.disposable} />
          <Row label={t("approvals.monthlyCost")} value={v.affordability.monthlyCost} />
          <Row
            label={t("approvals.share")}
            value={
              v.affordability.sharePercent === null
                ? t("approvals.nothingLeft")
                : t("approvals.sharePercent", { percent: v.affordability.sharePercent })
            }
          />
        </dl>
      ) : (
        <p className="hint">{t("approvals.noFigures")}</p>
      )}
      {v.hardship.length === 0 ? <p className="hint">{t("approvals.noHardship")}</p> : null}
      <ul className="task-list">
        {v.hardship.map((h) => (
          <li key={h.id}>
            <p>
              <strong>{ts(`hardshipReasons.${h.reason}`)}</strong> · {h.created} ·{" "}
              {ts(`hardshipStatus.${h.status}`)}
            </p>
            {h.details ? <blockquote className="free-text">{h.details}</blockquote> : null}
            <p className="hint">
              {[
                h.income ? t("approvals.incomeShort", { amount: h.income }) : null,
                h.expenses ? t("approvals.expensesShort", { amount: h.expenses }) : null,
                h.wantsPause ? t("approvals.wantsPause") : null,
                h.wantsLowerPayments ? t("approvals.wantsLower") : null,
              ]
                .filter(Boolean)
                .join(" · ")}
            </p>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The account's payments and the borrower's other plans. */
export function HistoryCard({ view: v }: ViewProps) {
  const { t } = useTranslation("console");
  return (
    <section className="card" aria-labelledby="history-title">
      <h2 id="history-title">{t("approvals.historyTitle")}</h2>
      <h3 id="payments-title">{t("approvals.payments")}</h3>
      {v.payments.length === 0 ? (
        <p className="hint">{t("approvals.noPayments")}</p>
      ) : (
        <ScrollTable labelledBy="payments-title">
          <table className="staff-table">
            <thead>
              <tr>
                <th scope="col">{t("approvals.when")}</th>
                <th scope="col">{t("approvals.amount")}</th>
                <th scope="col">{t("approvals.source")}</th>
                <th scope="col">{t("approvals.status")}</th>
              </tr>
            </thead>
            <tbody>
              {v.payments.map((pay) => (
                <tr key={pay.id}>
                  <td>{pay.when}</td>
                  <td>{pay.amount}</td>
                  <td>{t(`paymentSource.${pay.source}`)}</td>
                  <td>{t(`paymentStatus.${pay.status}`)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollTable>
      )}
      <h3 id="plans-title">{t("approvals.otherPlans")}</h3>
      {v.otherPlans.length === 0 ? (
        <p className="hint">{t("approvals.noOtherPlans")}</p>
      ) : (
        <OtherPlansTable plans={v.otherPlans} />
      )}
    </section>
  );
}

function OtherPlansTable({ plans }: { plans: ApprovalView["otherPlans"] }) {
  const { t } = useTranslation("console");
  const { t: ts } = useTranslation("staff");
  const terms = useTerms();
  return (
    <ScrollTable labelledBy="plans-title">
      <table className="staff-table">
        <thead>
          <tr>
            <th scope="col">{t("approvals.submitted")}</th>
            <th scope="col">{t("approvals.proposal")}</th>
            <th scope="col">{t("approvals.status")}</th>
          </tr>
        </thead>
        <tbody>
          {plans.map((q) => (
            <tr key={q.id}>
              <td>
                {q.created}
                <span className="hint"> · {ts("common.accountEnding", { last4: q.accountLast4 })}</span>
              </td>
              <td>{terms(q)}</td>
              <td>
                <Link to={`/staff/approvals/${q.id}`}>{t(`planStatus.${q.status}`)}</Link>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollTable>
  );
}

/** The forms while the plan awaits a decision this staff member may make; why not, otherwise. */
export function DecisionPanel({ view: v, reply }: ViewProps & { reply: DecisionReply | undefined }) {
  const { t } = useTranslation("console");
  const p = v.plan;
  if (p.status !== "proposed") {
    return (
      <section className="card">
        <h2>{t("approvals.closedTitle")}</h2>
        <p>{t("approvals.closedBody", { status: t(`planStatus.${p.status}`) })}</p>
      </section>
    );
  }
  if (p.ownCounterOffer || p.ownProposal) {
    return (
      <section className="card">
        <h2>{t(p.ownProposal ? "approvals.ownProposalTitle" : "approvals.ownTitle")}</h2>
        <p>{t(`approvals.outcome.${p.ownProposal ? "own_proposal" : "own_counter_offer"}`)}</p>
      </section>
    );
  }
  return (
    <>
      {p.awaiting === "borrower" ? <p className="notice">{t("approvals.counterOfferHint")}</p> : null}
      <section className="card" aria-labelledby="approve-title">
        <h2 id="approve-title">{t("approvals.form.approveTitle")}</h2>
        <ApproveForm reply={reply} />
      </section>
      <section className="card" aria-labelledby="counter-title">
        <h2 id="counter-title">{t("approvals.form.counterTitle")}</h2>
        <CounterForm reply={reply} defaults={v.counterDefaults} currency={p.currency} />
      </section>
      <section className="card" aria-labelledby="reject-title">
        <h2 id="reject-title">{t("approvals.form.rejectTitle")}</h2>
        <RejectForm reply={reply} />
      </section>
    </>
  );
}

function Row({ label, value, freeText = false }: { label: string; value: string; freeText?: boolean }) {
  return (
    <div className="summary-row">
      <dt>{label}</dt>
      <dd className={freeText ? "free-text" : undefined}>{value}</dd>
    </div>
  );
}
