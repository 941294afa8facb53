import { data, type LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { BarChart } from "~/ui/BarChart";
import { requireStaff } from "~/staff/auth.server";
import { loadDashboard, PAID_WITHIN_DAYS, type DashboardDay } from "~/staff/dashboard.server";
import { displayContext } from "~/staff/display.server";
import { loaderRoles } from "~/staff/permissions";
import { StaffErrorBoundary } from "~/staff/ui/StaffErrorBoundary";

const FUNNEL = ["sent", "delivered", "opened", "verified", "paid"] as const;
const DAILY = ["sent", "paid", "plansProposed", "plansApproved", "optOuts", "complaints"] as const;

/** The last 30 days: the reminder funnel, plans, opt-outs, complaints, and the A/B comparison. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireStaff(context, request, { roles: loaderRoles("staff.dashboard") });
  const { locale, timeZone } = await displayContext(request);
  const dashboard = await loadDashboard(context.db, { timeZone });
  const short = new Intl.DateTimeFormat(locale, { month: "numeric", day: "numeric", timeZone: "UTC" });
  const long = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone: "UTC" });
  const label = (iso: string) => short.format(new Date(`${iso}T00:00:00Z`));
  return data(
    {
      ...dashboard,
      paidWithinDays: PAID_WITHIN_DAYS,
      range: {
        from: long.format(new Date(`${dashboard.from}T00:00:00Z`)),
        to: long.format(new Date(`${dashboard.to}T00:00:00Z`)),
      },
      days: dashboard.days.map((d) => ({ ...d, label: label(d.day) })),
    },
    { headers: { "Cache-Control": "no-store" } },
  );
}

const percent = (part: number, whole: number) => (whole ? Math.round((part * 1000) / whole) / 10 : 0);

export default function StaffDashboard() {
  const d = useLoaderData<typeof loader>();
  const { t } = useTranslation("console");
  const chartText = { labelHeader: t("dashboard.day"), tableToggle: t("dashboard.showTable") };
  const busiest = (key: keyof Omit<DashboardDay, "day">) =>
    d.days.reduce((best, day) => (day[key] > best[key] ? day : best), d.days[0]!);
  return (
    <>
      <h1>{t("dashboard.title")}</h1>
      <p className="hint">
        {t("dashboard.intro", { from: d.range.from, to: d.range.to, timeZone: d.timeZone })}
      </p>

      <section className="card" aria-labelledby="funnel-title">
        <h2 id="funnel-title">{t("dashboard.funnelTitle")}</h2>
        <p className="hint">{t("dashboard.funnelHint", { days: d.paidWithinDays })}</p>
        <BarChart
          title={t("dashboard.funnelChart")}
          summary={t("dashboard.funnelSummary", {
            sent: d.totals.sent,
            paid: d.totals.paid,
            percent: percent(d.totals.paid, d.totals.sent),
          })}
          orientation="horizontal"
          labelHeader={t("dashboard.step")}
          valueHeader={t("dashboard.count")}
          tableToggle={t("dashboard.showTable")}
          data={FUNNEL.map((step) => ({
            label: t(`dashboard.metrics.${step}`),
            value: d.totals[step],
            display:
              step === "sent"
                ? String(d.totals.sent)
                : t("dashboard.countOfSent", {
                    n: d.totals[step],
                    percent: percent(d.totals[step], d.totals.sent),
                  }),
          }))}
        />
      </section>

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
                  total: d.totals[key],
                  peak: peak[key],
                  day: peak.label,
                })}
                {...chartText}
                valueHeader={t(`dashboard.metrics.${key}`)}
                labelEvery={5}
                data={d.days.map((day) => ({ label: day.label, value: day[key] }))}
              />
            );
          })}
        </div>
      </section>

      <section className="card" aria-labelledby="ab-title">
        <h2 id="ab-title">{t("dashboard.abTitle")}</h2>
        <p className="hint">{t("dashboard.abHint", { days: d.paidWithinDays })}</p>
        {d.variants.length === 0 ? (
          <p className="hint">{t("dashboard.abEmpty")}</p>
        ) : (
          <>
            <BarChart
              title={t("dashboard.abChart", { days: d.paidWithinDays })}
              summary={t("dashboard.abSummary", { n: d.variants.length })}
              orientation="horizontal"
              labelHeader={t("dashboard.variant")}
              valueHeader={t("dashboard.rate")}
              tableToggle={t("dashboard.showTable")}
              max={100}
              data={d.variants.map((v) => ({
                label: t("dashboard.stageVariant", {
                  stage: t(`templates.stages.${v.stage}`, { defaultValue: v.stage }),
                  variant: v.variant,
                }),
                value: v.ratePercent ?? 0,
                display: v.ratePercent === null ? "—" : `${v.ratePercent}%`,
              }))}
            />
            <div className="table-scroll" tabIndex={0} role="region" aria-labelledby="ab-title">
              <table className="staff-table">
                <thead>
                  <tr>
                    <th scope="col">{t("dashboard.stage")}</th>
                    <th scope="col">{t("dashboard.variant")}</th>
                    <th scope="col">{t("dashboard.metrics.sent")}</th>
                    <th scope="col">{t("dashboard.paidWithin", { days: d.paidWithinDays })}</th>
                    <th scope="col">{t("dashboard.rate")}</th>
                  </tr>
                </thead>
                <tbody>
                  {d.variants.map((v) => (
                    <tr key={`${v.stage}-${v.variant}`}>
                      <td>{t(`templates.stages.${v.stage}`, { defaultValue: v.stage })}</td>
                      <td>{v.variant}</td>
                      <td>{v.sent}</td>
                      <td>{v.paidWithin7Days}</td>
                      <td>{v.ratePercent === null ? "—" : `${v.ratePercent}%`}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </section>

      <section className="card" aria-labelledby="all-days-title">
        <h2 id="all-days-title">{t("dashboard.tableTitle")}</h2>
        <div className="table-scroll" tabIndex={0} role="region" aria-labelledby="all-days-title">
          <table className="staff-table numeric">
            <thead>
              <tr>
                <th scope="col">{t("dashboard.day")}</th>
                {[...FUNNEL, "plansProposed", "plansApproved", "optOuts", "complaints"].map((k) => (
                  <th key={k} scope="col">
                    {t(`dashboard.metrics.${k}`)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {d.days.map((day) => (
                <tr key={day.day}>
                  <th scope="row">{day.label}</th>
                  {([...FUNNEL, "plansProposed", "plansApproved", "optOuts", "complaints"] as const).map(
                    (k) => (
                      <td key={k}>{day[k]}</td>
                    ),
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}

export { StaffErrorBoundary as ErrorBoundary };
