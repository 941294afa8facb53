import { data, type LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { viewAuditLog } from "~/staff/audit-log.server";
import { requireStaff } from "~/staff/auth.server";
import { displayContext } from "~/staff/display.server";
import { loaderRoles } from "~/staff/permissions";
import { AuditFilters, AuditTable } from "~/staff/ui/AuditLog";
import { StaffErrorBoundary } from "~/staff/ui/StaffErrorBoundary";

/** The audit log (admins only); looking at it is itself audited. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { user } = await requireStaff(context, request, { roles: loaderRoles("staff.audit") });
  const page = await viewAuditLog(context.db, {
    staffId: user.id,
    query: new URL(request.url).searchParams,
    ...(await displayContext(request)),
  });
  return data(page, { headers: { "Cache-Control": "no-store" } });
}

export default function StaffAudit() {
  const { filter, ignored, rows, nextBefore } = useLoaderData<typeof loader>();
  const { t } = useTranslation("staff");
  const nextLink = nextBefore
    ? `/staff/audit?${new URLSearchParams({ ...filter, before: String(nextBefore) })}`
    : null;
  return (
    <>
      <h1>{t("audit.title")}</h1>
      <AuditFilters filter={filter} ignored={ignored} />
      <section className="card" aria-labelledby="audit-results">
        <h2 id="audit-results">{t("audit.events")}</h2>
        {rows.length === 0 ? <p>{t("audit.none")}</p> : <AuditTable rows={rows} />}
        {nextLink ? (
          <nav className="pager" aria-label={t("audit.pages")}>
            <Link to={nextLink}>{t("audit.older")}</Link>
          </nav>
        ) : null}
      </section>
    </>
  );
}

export { StaffErrorBoundary as ErrorBoundary };
