import { Form } from "@remix-run/react";
import { ScrollTable } from "../../ui/ScrollTable";
import { useTranslation } from "react-i18next";
import { BarChart } from "../../ui/BarChart";
import {
  OUTCOME_JURISDICTIONS,
  OUTCOME_LANGUAGES,
  OUTCOME_PRODUCTS,
  OUTCOME_STAGES,
} from "../outcome-filters";
import type { OutcomesSection, OutcomesView } from "../outcomes-view.server";
import { ContactsByChannel } from "./ContactsByChannel";

/**
 * The dashboard's outcome analytics (docs/outcomes.md): a GET form of filters (works without JavaScript),
 * the figures as charts with their tables, and a CSV link with the same filters.
 */
export function OutcomesCard({ section }: { section: OutcomesSection }) {
  const { t } = useTranslation("console");
  const values: Record<string, string | null> =
    section.status === "ok" ? { ...section.view.filters } : section.values;
  const errors = section.status === "invalid" ? section.errors : {};
  return (
    <section className="card" aria-labelledby="outcomes-title">
      <h2 id="outcomes-title">{t("outcomes.title")}</h2>
      <p className="hint">{t("outcomes.intro")}</p>
      {section.status === "ok" && section.demoHistory ? (
        <p className="notice" role="note">
          {t("outcomes.demoHistory")}
        </p>
      ) : null}
      <OutcomeFilterForm values={values} errors={errors} />
      {section.status === "ok" ? <OutcomeFigures view={section.view} /> : null}
    </section>
  );
}

function OutcomeFilterForm({
  values,
  errors,
}: {
  values: Record<string, string | null>;
  errors: Record<string, string>;
}) {
  const { t } = useTranslation("console");
  const { t: ts } = useTranslation("staff");
  const select = (name: string, options: readonly string[], label: (v: string) => string) => (
    <div className={`field ${errors[name] ? "field-error" : ""}`}>
      <label htmlFor={`outcomes-${name}`}>{t(`outcomes.filters.${name}`)}</label>
      <select
        id={`outcomes-${name}`}
        name={name}
        defaultValue={values[name] ?? ""}
        aria-invalid={errors[name] ? true : undefined}
        aria-describedby={errors[name] ? `outcomes-${name}-error` : undefined}
      >
        <option value="">{t("outcomes.filters.any")}</option>
        {options.map((o) => (
          <option key={o} value={o}>
            {label(o)}
          </option>
        ))}
      </select>
      {errors[name] ? (
        <p className="error-message" id={`outcomes-${name}-error`} role="alert">
          {t(errors[name])}
        </p>
      ) : null}
    </div>
  );
  const date = (name: "from" | "to") => (
    <div className={`field ${errors[name] ? "field-error" : ""}`}>
      <label htmlFor={`outcomes-${name}`}>{t(`outcomes.filters.${name}`)}</label>
      <input
        id={`outcomes-${name}`}
        type="date"
        name={name}
        defaultValue={values[name] ?? ""}
        aria-invalid={errors[name] ? true : undefined}
        aria-describedby={errors[name] ? `outcomes-${name}-error` : undefined}
      />
      {errors[name] ? (
        <p className="error-message" id={`outcomes-${name}-error`} role="alert">
          {t(errors[name])}
        </p>
      ) : null}
    </div>
  );
  return (
    <Form method="get" className="outcome-filters" preventScrollReset>
      <fieldset>
        <legend>{t("outcomes.filters.legend")}</legend>
        {date("from")}
        {date("to")}
        {select("stage", OUTCOME_STAGES, (v) => t(`templates.stages.${v}`))}
        {select("product", OUTCOME_PRODUCTS, (v) => ts(`products.${v}`))}
        {select("jurisdiction", OUTCOME_JURISDICTIONS, (v) => v)}
        {select("language", OUTCOME_LANGUAGES, (v) => ts(`languages.${v}`))}
        <div className="button-row">
          <button type="submit" className="button secondary small">
            {t("outcomes.filters.apply")}
          </button>
        </div>
      </fieldset>
    </Form>
  );
}

function OutcomeFigures({ view }: { view: OutcomesView }) {
  const { t } = useTranslation("console");
  const chartText = { tableToggle: t("dashboard.showTable") };
  const fa = view.firstAction;
  return (
    <>
      <p>
        <a href={`/staff/outcomes.csv?${view.csvQuery}`} download>
          {t("outcomes.csv")}
        </a>
      </p>
      <h3 id="outcomes-rates">{t("outcomes.ratesTitle")}</h3>
      <BarChart
        {...chartText}
        title={t("outcomes.ratesTitle")}
        summary={t("outcomes.ratesSummary")}
        orientation="horizontal"
        labelHeader={t("outcomes.figure")}
        valueHeader={t("dashboard.rate")}
        max={100}
        data={view.rates.map((r) => ({
          label: t(`outcomes.rates.${r.key}`),
          value: r.percent ?? 0,
          display:
            r.percent === null
              ? "—"
              : t("outcomes.rateOf", { percent: r.percent, n: r.numerator, of: r.denominator }),
        }))}
      />
      <p>
        {fa.medianHours === null
          ? t("outcomes.firstActionNone", { accounts: fa.accounts })
          : t("outcomes.firstAction", { hours: fa.medianHours, acted: fa.acted, accounts: fa.accounts })}
      </p>
      <ContactsByChannel contacts={view.contacts} />
      <CurrencyTable view={view} />
      <Liquidation view={view} />
    </>
  );
}

function CurrencyTable({ view }: { view: OutcomesView }) {
  const { t } = useTranslation("console");
  const per = (v: number | null) => (v === null ? "—" : String(v));
  return (
    <>
      <h3 id="outcomes-collected">{t("outcomes.collectedTitle")}</h3>
      {view.byCurrency.length === 0 ? (
        <p className="hint">{t("outcomes.nothing")}</p>
      ) : (
        <ScrollTable labelledBy="outcomes-collected">
          <table className="staff-table numeric">
            <thead>
              <tr>
                {[
                  "currency",
                  "portal",
                  "offline",
                  "total",
                  "texts",
                  "segments",
                  "calls",
                  "visits",
                  "textsPer",
                  "segmentsPer",
                  "callsPer",
                ].map((h) => (
                  <th scope="col" key={h}>
                    {t(`outcomes.columns.${h}`)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {view.byCurrency.map((c) => (
                <tr key={c.currency}>
                  <th scope="row">{c.currency}</th>
                  <td>{c.portal}</td>
                  <td>{c.offline}</td>
                  <td>{c.total}</td>
                  <td>{c.texts}</td>
                  <td>{c.segments}</td>
                  <td>{c.calls}</td>
                  <td>{c.visits}</td>
                  <td>{per(c.textsPerUnit)}</td>
                  <td>{per(c.segmentsPerUnit)}</td>
                  <td>{per(c.callsPerUnit)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollTable>
      )}
    </>
  );
}

function Liquidation({ view }: { view: OutcomesView }) {
  const { t } = useTranslation("console");
  if (view.cohorts.length === 0)
    return (
      <>
        <h3>{t("outcomes.liquidationTitle")}</h3>
        <p className="hint">{t("outcomes.nothing")}</p>
      </>
    );
  const months = Math.max(...view.cohorts.map((c) => c.curve.length));
  return (
    <>
      <h3 id="outcomes-liquidation">{t("outcomes.liquidationTitle")}</h3>
      <p className="hint">{t("outcomes.liquidationHint")}</p>
      <BarChart
        title={t("outcomes.liquidationTitle")}
        summary={t("outcomes.liquidationSummary", { n: view.cohorts.length })}
        orientation="horizontal"
        labelHeader={t("outcomes.columns.cohort")}
        valueHeader={t("outcomes.columns.liquidated")}
        tableToggle={t("dashboard.showTable")}
        max={100}
        data={view.cohorts.flatMap((c) =>
          c.curve.map((p) => ({
            label: t("outcomes.cohortMonth", {
              month: c.month,
              currency: c.currency,
              k: p.monthsSinceEntry + 1,
            }),
            value: p.percent,
            display: `${p.percent}%`,
          })),
        )}
      />
      <ScrollTable labelledBy="outcomes-liquidation">
        <table className="staff-table numeric">
          <thead>
            <tr>
              <th scope="col">{t("outcomes.columns.cohort")}</th>
              <th scope="col">{t("outcomes.columns.accounts")}</th>
              <th scope="col">{t("outcomes.columns.placed")}</th>
              {Array.from({ length: months }, (_, k) => (
                <th scope="col" key={k}>
                  {t("outcomes.columns.month", { k: k + 1 })}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {view.cohorts.map((c) => (
              <tr key={`${c.month}-${c.currency}`}>
                <th scope="row">{`${c.month} ${c.currency}`}</th>
                <td>{c.accounts}</td>
                <td>{c.placed}</td>
                {Array.from({ length: months }, (_, k) => (
                  <td key={k}>{c.curve[k] ? `${c.curve[k].percent}% (${c.curve[k].collected})` : "—"}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollTable>
    </>
  );
}
