import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { assertRole, requireStaff } from "~/staff/auth.server";
import { BalanceUnavailableError } from "~/payments/reconciliation.server";
import { actionRoles, loaderRoles } from "~/staff/permissions";
import { daySchema, runReconciliationSchema } from "~/staff/reconciliation-forms";
import { loadReconciliation, runReconciliationFromConsole } from "~/staff/reconciliation.server";
import { ReconciliationReportView } from "~/staff/ui/ReconciliationReport";
import { StaffErrorBoundary } from "~/staff/ui/StaffErrorBoundary";

const ROUTE = "staff.reconciliation";
const noStore = { "Cache-Control": "no-store" };

/** Card payments, refunds and disputes against Stripe's balance, day by day (supervisors and admins). */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const session = await requireStaff(context, request, { roles: loaderRoles(ROUTE) });
  const asked = new URL(request.url).searchParams.get("day");
  const day = asked === null ? null : daySchema.safeParse(asked);
  if (day && !day.success) throw data({ error: "console:reconciliation.errors.day" }, { status: 400 });
  const view = await loadReconciliation(context.db, session.user, day?.data ?? null);
  return data(view, { headers: noStore });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const session = await requireStaff(context, request, { roles: actionRoles(ROUTE) });
  const form = Object.fromEntries(await request.formData());
  assertRole(session, actionRoles(ROUTE, String(form.intent ?? "")));
  const parsed = runReconciliationSchema.safeParse(form);
  if (!parsed.success)
    return data({ error: "console:reconciliation.errors.day" }, { status: 400, headers: noStore });
  try {
    await runReconciliationFromConsole(context.db, { staff: session.user, day: parsed.data.day });
  } catch (error) {
    if (!(error instanceof BalanceUnavailableError)) throw error;
    return data({ error: "console:reconciliation.errors.unavailable" }, { status: 503, headers: noStore });
  }
  return redirect(`/staff/reconciliation?day=${parsed.data.day}`, { status: 303, headers: noStore });
}

export default function StaffReconciliation() {
  const v = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const { t } = useTranslation("console");
  return (
    <>
      <h1>{t("reconciliation.title")}</h1>
      <p className="hint">{t("reconciliation.intro", { timeZone: v.timeZone })}</p>
      {actionData?.error ? (
        <p className="notice notice-error" role="alert">
          {t(actionData.error)}
        </p>
      ) : null}
      <Form method="post" className="inline-form">
        <input type="hidden" name="intent" value="run" />
        <label htmlFor="reconcile-day">{t("reconciliation.day")}</label>
        <input id="reconcile-day" name="day" type="date" required defaultValue={v.report?.day ?? ""} />
        <button type="submit" className="button">
          {t("reconciliation.run")}
        </button>
      </Form>
      {v.report ? (
        <ReconciliationReportView report={v.report} borrowers={v.borrowers} />
      ) : (
        <p>{t("reconciliation.none")}</p>
      )}
      <section className="card" aria-labelledby="runs-title">
        <h2 id="runs-title">{t("reconciliation.runs")}</h2>
        <ul>
          {v.runs.map((r) => (
            <li key={r.day}>
              <Link to={`/staff/reconciliation?day=${r.day}`}>{r.day}</Link>{" "}
              {r.mismatches
                ? t("reconciliation.mismatchedCount", { count: r.mismatches })
                : t("reconciliation.matched")}
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}

export { StaffErrorBoundary as ErrorBoundary };
