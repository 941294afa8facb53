import { parseWithZod } from "@conform-to/zod";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Link, useActionData, useLoaderData, type ShouldRevalidateFunction } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { decidePlan } from "~/plans/plans.server";
import {
  decisionProblemsAsErrors,
  decisionSchema,
  DECISION_INTENTS,
  type DecisionIntent,
} from "~/staff/approval-forms";
import { planCurrency, viewPlanForApproval } from "~/staff/approvals.server";
import { assertRole, requireStaff } from "~/staff/auth.server";
import { displayContext } from "~/staff/display.server";
import { actionRoles, loaderRoles } from "~/staff/permissions";
import {
  ApproveForm,
  CounterForm,
  PolicyReasons,
  RejectForm,
  type DecisionReply,
} from "~/staff/ui/ApprovalParts";
import { StaffErrorBoundary } from "~/staff/ui/StaffErrorBoundary";

const ROUTE = "staff.approvals.$planId";
const noStore = { "Cache-Control": "no-store" };
const notFound = () => data({ reason: "not_found" }, { status: 404, headers: noStore });

/** One plan with everything an approver weighs; opening it is audited as a view of the borrower. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { user } = await requireStaff(context, request, { roles: loaderRoles(ROUTE) });
  const view = await viewPlanForApproval(context.db, {
    planId: params.planId ?? "",
    staff: user,
    ...(await displayContext(request)),
  });
  if (!view) throw notFound();
  return data(view, { headers: noStore });
}

/** approve | reject | counter, all through decidePlan (SMS, bank event, audit and task in its transaction). */
export async function action({ request, params, context }: ActionFunctionArgs) {
  const session = await requireStaff(context, request, { roles: actionRoles(ROUTE) });
  const formData = await request.formData();
  const raw = formData.get("intent");
  const intent = (DECISION_INTENTS as readonly unknown[]).includes(raw) ? (raw as DecisionIntent) : null;
  // The role check comes first: a role that may not decide learns nothing from validation errors.
  if (intent) assertRole(session, actionRoles(ROUTE, intent));
  const planId = params.planId ?? "";
  const currency = await planCurrency(context.db, planId);
  if (!currency) throw notFound();
  const reply = (body: Omit<DecisionReply, "intent">, status: number) =>
    data({ intent, ...body } satisfies DecisionReply, { status, headers: noStore });

  const submission = parseWithZod(formData, { schema: decisionSchema(currency) });
  if (submission.status !== "success") return reply({ result: submission.reply() }, 400);
  const form = submission.value;
  const outcome = await decidePlan(context.db, {
    planId,
    staffUserId: session.user.id,
    decision: form.intent,
    reason: form.reason,
    counter:
      form.intent === "counter"
        ? {
            count: form.count,
            frequency: form.frequency,
            firstDueDate: form.firstDueDate,
            totalMinor: form.total,
          }
        : undefined,
  });
  switch (outcome.status) {
    case "approved":
    case "rejected":
    case "countered":
      return redirect(`/staff/approvals?done=${outcome.status}`, { status: 303, headers: noStore });
    case "invalid":
      return reply(
        { result: submission.reply({ fieldErrors: decisionProblemsAsErrors(outcome.problems) }) },
        400,
      );
    case "conflict":
      return reply({ outcome: "conflict", currentStatus: outcome.currentStatus }, 409);
    case "first_date_passed":
      return reply({ outcome: "first_date_passed" }, 409);
    case "forbidden":
      // A role without decision rights never gets here (requireStaff above); this is four-eyes.
      if (outcome.reason === "not_a_decider")
        throw data({ reason: "forbidden" }, { status: 403, headers: noStore });
      return reply({ outcome: "own_counter_offer" }, 403);
    case "not_found":
      throw notFound();
  }
}

/** After "someone else decided first", show the plan as it is now (errors skip revalidation by default). */
export const shouldRevalidate: ShouldRevalidateFunction = ({ actionResult, defaultShouldRevalidate }) =>
  (actionResult as DecisionReply | undefined)?.outcome ? true : defaultShouldRevalidate;

export default function StaffApprovalDetail() {
  const v = useLoaderData<typeof loader>();
  const reply = useActionData<typeof action>() as DecisionReply | undefined;
  const { t } = useTranslation("console");
  const { t: ts } = useTranslation("staff");
  const p = v.plan;
  const open = p.status === "proposed";
  const terms = (x: { count: number; total: string; frequency: string; firstDueDate: string }) =>
    t("approvals.terms", {
      n: x.count,
      total: x.total,
      frequency: ts(`frequency.${x.frequency}`),
      date: x.firstDueDate,
    });
  return (
    <>
      <p>
        <Link to="/staff/approvals">{t("approvals.back")}</Link>
      </p>
      <h1>{t("approvals.detailTitle", { name: v.borrower.name })}</h1>

      {reply?.outcome ? (
        <div className="notice notice-error" role="alert">
          <p>
            <strong>{t(`approvals.outcome.${reply.outcome}`)}</strong>
          </p>
          {reply.outcome === "conflict" && reply.currentStatus ? (
            <p>{t("approvals.outcome.nowStatus", { status: t(`planStatus.${reply.currentStatus}`) })}</p>
          ) : null}
          {reply.outcome === "conflict" ? (
            <p>
              <Link to={`/staff/approvals/${p.id}`} reloadDocument>
                {t("approvals.outcome.reload")}
              </Link>
            </p>
          ) : null}
        </div>
      ) : null}

      <div className="staff-columns">
        <div className="staff-main">
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
            <div className="table-scroll" tabIndex={0} role="region" aria-labelledby="schedule-caption">
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
            </div>
          </section>

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

          <section className="card" aria-labelledby="history-title">
            <h2 id="history-title">{t("approvals.historyTitle")}</h2>
            <h3 id="payments-title">{t("approvals.payments")}</h3>
            {v.payments.length === 0 ? (
              <p className="hint">{t("approvals.noPayments")}</p>
            ) : (
              <div className="table-scroll" tabIndex={0} role="region" aria-labelledby="payments-title">
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
              </div>
            )}
            <h3 id="plans-title">{t("approvals.otherPlans")}</h3>
            {v.otherPlans.length === 0 ? (
              <p className="hint">{t("approvals.noOtherPlans")}</p>
            ) : (
              <div className="table-scroll" tabIndex={0} role="region" aria-labelledby="plans-title">
                <table className="staff-table">
                  <thead>
                    <tr>
                      <th scope="col">{t("approvals.submitted")}</th>
                      <th scope="col">{t("approvals.proposal")}</th>
                      <th scope="col">{t("approvals.status")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {v.otherPlans.map((q) => (
                      <tr key={q.id}>
                        <td>
                          {q.created}
                          <span className="hint">
                            {" "}
                            · {ts("common.accountEnding", { last4: q.accountLast4 })}
                          </span>
                        </td>
                        <td>{terms(q)}</td>
                        <td>
                          <Link to={`/staff/approvals/${q.id}`}>{t(`planStatus.${q.status}`)}</Link>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
        </div>

        <aside className="staff-side" aria-label={t("approvals.decisionPanel")}>
          {!open ? (
            <section className="card">
              <h2>{t("approvals.closedTitle")}</h2>
              <p>{t("approvals.closedBody", { status: t(`planStatus.${p.status}`) })}</p>
            </section>
          ) : p.ownCounterOffer ? (
            <section className="card">
              <h2>{t("approvals.ownTitle")}</h2>
              <p>{t("approvals.outcome.own_counter_offer")}</p>
            </section>
          ) : (
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
          )}
        </aside>
      </div>
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

export { StaffErrorBoundary as ErrorBoundary };
