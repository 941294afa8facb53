import { data, type LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { requireStaff } from "~/staff/auth.server";
import { loadSlaBreaches } from "~/staff/case-views.server";
import { loadDashboard, PAID_WITHIN_DAYS } from "~/staff/dashboard.server";
import { formatStaffDateTime } from "~/staff/format";
import { displayContext } from "~/staff/display.server";
import { loaderRoles } from "~/staff/permissions";
import { CaseBreaches, DailyCharts, DailyTable, FunnelCard, VariantComparison } from "~/staff/ui/Dashboard";
import { StaffErrorBoundary } from "~/staff/ui/StaffErrorBoundary";
import { outcomesSection } from "~/staff/outcomes-view.server";
import { OutcomesCard } from "~/staff/ui/Outcomes";

/** The last 30 days: the reminder funnel, plans, opt-outs, complaints, the A/B comparison; outcomes by filter. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireStaff(context, request, { roles: loaderRoles("staff.dashboard") });
  const { locale, timeZone } = await displayContext(request);
  const [dashboard, breaches, outcomes] = await Promise.all([
    loadDashboard(context.db, { timeZone }),
    loadSlaBreaches(context.db),
    outcomesSection(context.db, new URL(request.url).searchParams, { timeZone, locale }),
  ]);
  const when = (d: Date) => formatStaffDateTime(d, locale, timeZone);
  const short = new Intl.DateTimeFormat(locale, { month: "numeric", day: "numeric", timeZone: "UTC" });
  const long = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone: "UTC" });
  const label = (iso: string) => short.format(new Date(`${iso}T00:00:00Z`));
  return data(
    {
      ...dashboard,
      outcomes,
      paidWithinDays: PAID_WITHIN_DAYS,
      range: {
        from: long.format(new Date(`${dashboard.from}T00:00:00Z`)),
        to: long.format(new Date(`${dashboard.to}T00:00:00Z`)),
      },
      days: dashboard.days.map((d) => ({ ...d, label: label(d.day) })),
      breaches: breaches.map((b) => ({
        id: b.id,
        type: b.type,
        status: b.status,
        borrowerName: b.borrowerName,
        ackNumber: b.ackNumber,
        ownerName: b.ownerName,
        missed: b.clocks.filter((k) => k.breached).map((k) => ({ name: k.name, due: when(k.due) })),
      })),
    },
    // Filters the user must fix answer 400 (the page still shows everything else and the errors).
    { status: outcomes.status === "invalid" ? 400 : 200, headers: { "Cache-Control": "no-store" } },
  );
}

export default function StaffDashboard() {
  const d = useLoaderData<typeof loader>();
  const { t } = useTranslation("console");
  return (
    <>
      <h1>{t("dashboard.title")}</h1>
      <p className="hint">
        {t("dashboard.intro", { from: d.range.from, to: d.range.to, timeZone: d.timeZone })}
      </p>

      <CaseBreaches breaches={d.breaches} />

      <FunnelCard totals={d.totals} paidWithinDays={d.paidWithinDays} />

      <DailyCharts days={d.days} totals={d.totals} />

      <VariantComparison variants={d.variants} paidWithinDays={d.paidWithinDays} />

      <DailyTable days={d.days} />

      <OutcomesCard section={d.outcomes} />
    </>
  );
}

export { StaffErrorBoundary as ErrorBoundary };
