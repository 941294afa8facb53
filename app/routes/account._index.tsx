import { data, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useLoaderData, useRouteLoaderData } from "@remix-run/react";
import type { loader as rootLoader } from "~/root";
import { AccountStatuses } from "~/portal/ui/AccountStatuses";
import { PORTAL_ACTIONS } from "~/portal/actions";
import { useTranslation } from "react-i18next";
import { overviewPage, requireSessionOverview, type OverviewPage } from "~/borrower/overview.server";
import type { TemplateSlots } from "~/portal/page-template";
import { pageLocale } from "~/portal/landing.server";
import { once } from "~/platform/request-memo";

export async function loader({ request, context }: LoaderFunctionArgs) {
  // The session and its account in one statement (shared with other page views arriving together).
  const [{ overview }, locale] = await Promise.all([
    once(context.memo, "session-overview", () => requireSessionOverview(context.db, request)),
    pageLocale(request, context),
  ]);
  return data(overviewPage(overview, locale), { headers: { "Cache-Control": "no-store" } });
}

/** The busiest verified page is filled from templates (app/server/page-templates.server.ts): its per-request text. */
export const template: TemplateSlots<OverviewPage> = {
  slots: [
    "last4",
    "overdue",
    "minimumDue",
    "balance",
    "feesAndInterest",
    "dueDate",
    "dpd",
    "pending",
    "balanceAsOf",
    "caseResponse",
    "caseResponseRef",
    "breathingSpaceUntil",
  ],
};

export default function Overview() {
  const o = useLoaderData<typeof loader>();
  const { t } = useTranslation("portal");
  const root = useRouteLoaderData<typeof rootLoader>("root");
  const rows: Array<[string, string]> = [
    [t("overview.amountOverdue"), o.overdue],
    [t("overview.minimumDue"), o.minimumDue],
    [t("overview.totalBalance"), o.balance],
    [t("overview.feesAndInterest"), o.feesAndInterest],
  ];
  if (o.dueDate) rows.push([t("overview.dueDate"), o.dueDate]);
  rows.push([t("overview.daysPastDue"), o.dpd]);
  if (o.pending) rows.push([t("overview.pendingPayments"), o.pending]);
  return (
    <>
      <section className="card" aria-labelledby="overview-title">
        <h1 id="overview-title">
          {t("overview.title", { product: t(`products.${o.product}`), last4: o.last4 })}
        </h1>
        <dl className="summary">
          {rows.map(([label, value]) => (
            <div key={label} className="summary-row">
              <dt>{label}</dt>
              <dd>{value}</dd>
            </div>
          ))}
        </dl>
        <p className="hint">{t("overview.balanceAsOf", { date: o.balanceAsOf })}</p>
        {o.pending ? <p className="hint">{t("overview.pendingNote")}</p> : null}
      </section>
      {o.caseResponse ? (
        <section className="card" aria-labelledby="response-title">
          <h2 id="response-title">{t("overview.caseResponseHeading")}</h2>
          {o.caseResponseRef ? (
            <p className="hint">{t("overview.caseResponseRef", { ref: o.caseResponseRef })}</p>
          ) : null}
          <p className="free-text">{o.caseResponse}</p>
        </section>
      ) : null}
      <AccountStatuses statuses={o.statuses} until={o.breathingSpaceUntil} hotline={root?.hotline ?? ""} />
      <section className="card" aria-labelledby="next-title">
        <h2 id="next-title">{t("overview.nextStepsHeading")}</h2>
        <p>{t(`overview.next_${o.nextStep}`)}</p>
      </section>
      <nav className="card" aria-labelledby="actions-title">
        <h2 id="actions-title">{t("actions.heading")}</h2>
        <ul className="action-list">
          {PORTAL_ACTIONS.map((a) => (
            <li key={a.key}>
              <Link to={a.to} className={`button ${a.primary ? "primary" : "secondary"} block`}>
                {t(`actions.${a.key}`)}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <Form method="post" action="/account/sign-out">
        <button type="submit" className="button secondary">
          {t("overview.signOut")}
        </button>
      </Form>
    </>
  );
}
