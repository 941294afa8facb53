import { Link } from "@remix-run/react";
import { ScrollTable } from "../../ui/ScrollTable";
import { useTranslation } from "react-i18next";
import { BarChart } from "../../ui/BarChart";
import type { Dashboard, DashboardDay } from "../dashboard.server";

/**
 * The dashboard's cards: the reminder funnel, one chart per daily figure, the A/B comparison, and every
 * figure of every day as a table.
 */
const FUNNEL = ["sent", "delivered", "opened", "verified", "paid"] as const;
const DAILY = ["sent", "paid", "plansProposed", "plansApproved", "optOuts", "complaints"] as const;

/** A day of the dashboard with its label as the console's language writes it. */
type LabelledDay = DashboardDay & { label: string };

const percent = (part: number, whole: number) => (whole ? Math.round((part * 1000) / whole) / 10 : 0);

export function FunnelCard({
  totals,
  paidWithinDays,
}: {
  totals: Dashboard["totals"];
  paidWithinDays: number;
}) {
  const { t } = useTranslation("console");
  return (
    <section className="card" aria-labelledby="funnel-title">
      <h2 id="funnel-title">{t("dashboard.funnelTitle")}</h2>
      <p className="hint">{t("dashboard.funnelHint", { days: paidWithinDays })}</p>
      <BarChart
        title={t("dashboard.funnelChart")}
        summary={t("dashboard.funnelSummary", {
          sent: totals.sent,
          paid: totals.paid,
          percent: percent(totals.paid, totals.sent),
        })}
        orientation="horizontal"
        labelHeader={t("dashboard.step")}
        valueHeader={t("dashboard.count")}
        tableToggle={t("dashboard.showTable")}
        data={FUNNEL.map((step) => ({
          label: t(`dashboard.metrics.${step}`),
          value: totals[step],
          display:
            step === "sent"
              ? String(totals.sent)
              : t("dashboard.countOfSent", {
                  n: totals[step],
                  percent: percent(totals[step], totals.sent),
                }),
        }))}
      />
    </section>
  );
}

export function DailyCharts({ days, totals }: { days: LabelledDay[]; totals: Dashboard["totals"] }) {
  const { t } = useTranslation("console");
  const chartText = { labelHeader: t("dashboard.day"), tableToggle: t("dashboard.showTable") };
  const busiest = (key: keyof Omit<DashboardDay, "day">) =>
    days.reduce((best, day) => (day[key] > best[key] ? day : best), days[0]!);
  return (
    <section className="card" aria-labelledby="daily-title">
      <h2 id="daily-title">{t("dashboard.dailyTitle")}</h2>
      <div className="chart-grid">
        {DAILY.map((key) => {
          const peak = busiest(key);
          return (
            <BarChart
              key={key}
              title={t(`dashboard.metrics.${key}`)}
              summary={t("dashboard.dailySummary", {
                total: totals[key],
                peak: peak[key],
                day: peak.label,
              })}
              {...chartText}
              valueHeader={t(`dashboard.metrics.${key}`)}
              labelEvery={5}
              data={days.map((day) => ({ label: day.label, value: day[key] }))}
            />
          );
        })}
      </div>
    </section>
  );
}

/** Each reminder variant's share of texts followed by a payment, as a chart and as a table. */
export function VariantComparison({
  variants,
  paidWithinDays,
}: {
  variants: Dashboard["variants"];
  paidWithinDays: number;
}) {
  const { t } = useTranslation("console");
  const stageName = (stage: string) => t(`templates.stages.${stage}`, { defaultValue: stage });
  const rate = (v: Dashboard["variants"][number]) => (v.ratePercent === null ? "—" : `${v.ratePercent}%`);
  return (
    <section className="card" aria-labelledby="ab-title">
      <h2 id="ab-title">{t("dashboard.abTitle")}</h2>
      <p className="hint">{t("dashboard.abHint", { days: paidWithinDays })}</p>
      {variants.length === 0 ? (
        <p className="hint">{t("dashboard.abEmpty")}</p>
      ) : (
        <>
          <BarChart
            title={t("dashboard.abChart", { days: paidWithinDays })}
            summary={t("dashboard.abSummary", { n: variants.length })}
            orientation="horizontal"
            labelHeader={t("dashboard.variant")}
            valueHeader={t("dashboard.rate")}
            tableToggle={t("dashboard.showTable")}
            max={100}
            data={variants.map((v) => ({
              label: t("dashboard.stageVariant", { stage: stageName(v.stage), variant: v.variant }),
              value: v.ratePercent ?? 0,
              display: rate(v),
            }))}
          />
          <ScrollTable labelledBy="ab-title">
            <table className="staff-table">
              <thead>
                <tr>
                  <th scope="col">{t("dashboard.stage")}</th>
                  <th scope="col">{t("dashboard.variant")}</th>
                  <th scope="col">{t("dashboard.metrics.sent")}</th>
                  <th scope="col">{t("dashboard.paidWithin", { days: paidWithinDays })}</th>
                  <th scope="col">{t("dashboard.rate")}</th>
                </tr>
              </thead>
              <tbody>
                {variants.map((v) => (
                  <tr key={`${v.stage}-${v.variant}`}>
                    <td>{stageName(v.stage)}</td>
                    <td>{v.variant}</td>
                    <td>{v.sent}</td>
                    <td>{v.paidWithin7Days}</td>
                    <td>{rate(v)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollTable>
        </>
      )}
    </section>
  );
}

const ALL_FIGURES = [...FUNNEL, "plansProposed", "plansApproved", "optOuts", "complaints"] as const;

export function DailyTable({ days }: { days: LabelledDay[] }) {
  const { t } = useTranslation("console");
  return (
    <section className="card" aria-labelledby="all-days-title">
      <h2 id="all-days-title">{t("dashboard.tableTitle")}</h2>
      <ScrollTable labelledBy="all-days-title">
        <table className="staff-table numeric">
          <thead>
            <tr>
              <th scope="col">{t("dashboard.day")}</th>
              {ALL_FIGURES.map((k) => (
                <th key={k} scope="col">
                  {t(`dashboard.metrics.${k}`)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {days.map((day) => (
              <tr key={day.day}>
                <th scope="row">{day.label}</th>
                {ALL_FIGURES.map((k) => (
                  <td key={k}>{day[k]}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollTable>
    </section>
  );
}

/** Open cases that missed an SLA clock (docs/product-rules.md §8.13), each linked to its page. */
export function CaseBreaches({
  breaches,
}: {
  breaches: Array<{
    id: string;
    type: "hardship" | "complaint";
    status: string;
    borrowerName: string;
    ackNumber: string | null;
    ownerName: string | null;
    missed: Array<{ name: string; due: string }>;
  }>;
}) {
  const { t } = useTranslation("staff");
  return (
    <section className="card" aria-labelledby="breaches-title">
      <h2 id="breaches-title">
        {t("cases.breachesTitle")} <span className="count">({breaches.length})</span>
      </h2>
      {breaches.length === 0 ? (
        <p className="hint">{t("cases.noBreaches")}</p>
      ) : (
        <ScrollTable labelledBy="breaches-title">
          <table className="staff-table">
            <thead>
              <tr>
                <th scope="col">{t("cases.case")}</th>
                <th scope="col">{t("queues.borrower")}</th>
                <th scope="col">{t("queues.status")}</th>
                <th scope="col">{t("work.owner")}</th>
                <th scope="col">{t("cases.missed")}</th>
              </tr>
            </thead>
            <tbody>
              {breaches.map((b) => (
                <tr key={b.id}>
                  <td>
                    <Link to={`/staff/cases/${b.id}`}>
                      {b.type === "complaint" ? b.ackNumber : t("taskKinds.hardship_review")}
                    </Link>
                  </td>
                  <td>{b.borrowerName}</td>
                  <td>{t(`hardshipStatus.${b.status}`)}</td>
                  <td>{b.ownerName ?? t("work.nobody")}</td>
                  <td>{b.missed.map((m) => t(`cases.clocks.${m.name}`, { due: m.due })).join("; ")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollTable>
      )}
    </section>
  );
}
