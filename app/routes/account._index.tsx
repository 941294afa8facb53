import { data, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { PORTAL_ACTIONS } from "~/portal/actions";
import { useTranslation } from "react-i18next";
import { formatCalendarDate, formatMoney } from "~/domain/money";
import { getAccountOverview } from "~/portal/overview.server";
import { requireBorrowerSession } from "~/services/borrower-session.server";

export async function loader({ request, context }: LoaderFunctionArgs) {
  const session = await requireBorrowerSession(context.db, request);
  const overview = await getAccountOverview(context.db, session);
  return data(overview, { headers: { "Cache-Control": "no-store" } });
}

export default function Overview() {
  const o = useLoaderData<typeof loader>();
  const { t, i18n } = useTranslation("portal");
  const money = (minor: number) => formatMoney({ minor, currency: o.currency }, i18n.language);
  const rows: Array<[string, string]> = [
    [t("overview.amountOverdue"), money(o.overdueMinor)],
    [t("overview.minimumDue"), money(o.minimumDueMinor)],
    [t("overview.totalBalance"), money(o.balanceMinor)],
    [t("overview.feesAndInterest"), money(o.feesAndInterestMinor)],
  ];
  if (o.dueDate) rows.push([t("overview.dueDate"), formatCalendarDate(o.dueDate, i18n.language)]);
  rows.push([t("overview.daysPastDue"), String(o.dpd)]);
  if (o.pendingMinor > 0) rows.push([t("overview.pendingPayments"), money(o.pendingMinor)]);
  return (
    <>
      <section className="card" aria-labelledby="overview-title">
        <h1 id="overview-title">{t("overview.title", { product: t(`products.${o.product}`), last4: o.last4 })}</h1>
        <dl className="summary">
          {rows.map(([label, value]) => (
            <div key={label} className="summary-row">
              <dt>{label}</dt>
              <dd>{value}</dd>
            </div>
          ))}
        </dl>
        <p className="hint">{t("overview.balanceAsOf", { date: formatCalendarDate(o.balanceAsOf, i18n.language) })}</p>
        {o.pendingMinor > 0 ? <p className="hint">{t("overview.pendingNote")}</p> : null}
      </section>
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
