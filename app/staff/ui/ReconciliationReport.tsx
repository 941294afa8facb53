import { Link } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { formatMoney } from "../../domain/money";
import { LEDGER_CATEGORIES } from "../../domain/reconciliation";
import type { ReconciliationReport } from "../../payments/reconciliation.server";

/** One day's report: per currency, Settle beside Stripe by category, Stripe's fees, then each mismatch. */
export function ReconciliationReportView({
  report,
  borrowers,
}: {
  report: ReconciliationReport;
  borrowers: Record<string, string>;
}) {
  const { t, i18n } = useTranslation("console");
  const money = (minor: number, currency: string) => formatMoney({ minor, currency }, i18n.language);
  return (
    <section className="card" aria-labelledby="report-title">
      <h2 id="report-title">
        {t("reconciliation.reportTitle", { day: report.day })}{" "}
        {report.mismatches.length
          ? t("reconciliation.mismatchedCount", { count: report.mismatches.length })
          : t("reconciliation.matched")}
      </h2>
      <p>
        <a href={`/staff/reconciliation.csv?day=${report.day}`} download>
          {t("reconciliation.csv")}
        </a>
      </p>
      {report.totals.map((c) => (
        <table key={c.currency} className="staff-table">
          <caption>{c.currency}</caption>
          <thead>
            <tr>
              <th scope="col">{t("reconciliation.category")}</th>
              <th scope="col">{t("reconciliation.settle")}</th>
              <th scope="col">{t("reconciliation.stripe")}</th>
            </tr>
          </thead>
          <tbody>
            {LEDGER_CATEGORIES.map((category) => (
              <tr key={category}>
                <th scope="row">{t(`reconciliation.categories.${category}`)}</th>
                <td>{money(c.settle[category], c.currency)}</td>
                <td>{money(c.stripe[category], c.currency)}</td>
              </tr>
            ))}
            <tr>
              <th scope="row">{t("reconciliation.fees")}</th>
              <td />
              <td>{money(c.stripe.fees, c.currency)}</td>
            </tr>
            <tr>
              <th scope="row">{t("reconciliation.net")}</th>
              <td />
              <td>{money(c.stripe.net, c.currency)}</td>
            </tr>
          </tbody>
        </table>
      ))}
      {report.offline.length ? (
        <p>
          {t("reconciliation.offline", {
            list: report.offline.map((o) => `${money(o.amountMinor, o.currency)} (${o.count})`).join(", "),
          })}
        </p>
      ) : null}
      {report.mismatches.length ? (
        <MismatchTable mismatches={report.mismatches} borrowers={borrowers} money={money} />
      ) : null}
    </section>
  );
}

function MismatchTable({
  mismatches,
  borrowers,
  money,
}: {
  mismatches: ReconciliationReport["mismatches"];
  borrowers: Record<string, string>;
  money: (minor: number, currency: string) => string;
}) {
  const { t } = useTranslation("console");
  return (
    <table className="staff-table">
      <caption>{t("reconciliation.mismatches")}</caption>
      <thead>
        <tr>
          <th scope="col">{t("reconciliation.paymentIntent")}</th>
          <th scope="col">{t("reconciliation.category")}</th>
          <th scope="col">{t("reconciliation.settle")}</th>
          <th scope="col">{t("reconciliation.stripe")}</th>
        </tr>
      </thead>
      <tbody>
        {mismatches.map((m) => (
          <tr key={`${m.currency}-${m.category}-${m.paymentIntentId}`}>
            <th scope="row">
              {borrowers[m.paymentIntentId] ? (
                <Link to={`/staff/borrowers/${borrowers[m.paymentIntentId]}`}>{m.paymentIntentId}</Link>
              ) : (
                m.paymentIntentId
              )}
            </th>
            <td>{t(`reconciliation.categories.${m.category}`)}</td>
            <td>{money(m.settleMinor, m.currency)}</td>
            <td>{money(m.stripeMinor, m.currency)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
