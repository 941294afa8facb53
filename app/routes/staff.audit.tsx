import { data, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { z } from "zod";
import { appendAudit } from "~/platform/audit.server";
import { listAuditEvents } from "~/staff/audit-log.server";
import { requireStaff } from "~/staff/auth.server";
import { displayContext } from "~/staff/display.server";
import { loaderRoles } from "~/staff/permissions";
import { StaffErrorBoundary } from "~/staff/ui/StaffErrorBoundary";

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)));
// Unusable filter values are dropped (and shown as such) rather than failing the page.
const filterSchema = z.object({
  borrower: z.string().trim().uuid().optional().catch(undefined),
  action: z
    .string()
    .trim()
    .max(100)
    .regex(/^[a-z0-9_.]*$/i)
    .optional()
    .catch(undefined),
  from: isoDate.optional().catch(undefined),
  to: isoDate.optional().catch(undefined),
  before: z.coerce.number().int().positive().optional().catch(undefined),
});

/** The audit log (admins only); looking at it is itself audited. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { user } = await requireStaff(context, request, { roles: loaderRoles("staff.audit") });
  const url = new URL(request.url);
  const raw = Object.fromEntries([...url.searchParams].filter(([, v]) => v !== ""));
  const f = filterSchema.parse(raw);
  const filter = {
    borrowerId: f.borrower,
    action: f.action || undefined,
    from: f.from,
    to: f.to,
    before: f.before,
  };
  const page = await listAuditEvents(context.db, filter, await displayContext(request));
  await appendAudit(context.db, {
    actorType: "staff",
    actorId: user.id,
    action: "staff.viewed_audit_log",
    subjectType: "audit_log",
    borrowerId: filter.borrowerId ?? null,
    detail: {
      filter: {
        action: filter.action ?? null,
        from: filter.from ?? null,
        to: filter.to ?? null,
        before: filter.before ?? null,
      },
    },
  });
  const ignored = Object.keys(raw).filter(
    (k) => k in filterSchema.shape && k !== "before" && f[k as keyof typeof f] === undefined,
  );
  return data(
    {
      filter: { borrower: f.borrower ?? "", action: f.action ?? "", from: f.from ?? "", to: f.to ?? "" },
      ignored,
      ...page,
    },
    { headers: { "Cache-Control": "no-store" } },
  );
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
      <Form method="get" className="card staff-filters" aria-labelledby="audit-filter-title">
        <h2 id="audit-filter-title">{t("audit.filters")}</h2>
        {ignored.length ? (
          <p className="notice notice-error" role="alert">
            {t("audit.ignored", {
              fields: ignored.map((k) => t(`audit.field.${k}`, { defaultValue: k })).join(", "),
            })}
          </p>
        ) : null}
        <div className="filter-grid">
          <div className="field">
            <label htmlFor="audit-borrower">{t("audit.field.borrower")}</label>
            <input
              id="audit-borrower"
              name="borrower"
              defaultValue={filter.borrower}
              autoComplete="off"
              spellCheck={false}
            />
          </div>
          <div className="field">
            <label htmlFor="audit-action">{t("audit.field.action")}</label>
            <input
              id="audit-action"
              name="action"
              defaultValue={filter.action}
              autoComplete="off"
              spellCheck={false}
              aria-describedby="audit-action-hint"
            />
            <p className="hint" id="audit-action-hint">
              {t("audit.actionHint")}
            </p>
          </div>
          <div className="field">
            <label htmlFor="audit-from">{t("audit.field.from")}</label>
            <input id="audit-from" name="from" type="date" defaultValue={filter.from} />
          </div>
          <div className="field">
            <label htmlFor="audit-to">{t("audit.field.to")}</label>
            <input id="audit-to" name="to" type="date" defaultValue={filter.to} />
          </div>
        </div>
        <button type="submit" className="button primary">
          {t("audit.apply")}
        </button>
      </Form>
      <section className="card" aria-labelledby="audit-results">
        <h2 id="audit-results">{t("audit.events")}</h2>
        {rows.length === 0 ? (
          <p>{t("audit.none")}</p>
        ) : (
          <div className="table-scroll" tabIndex={0} role="region" aria-labelledby="audit-results">
            <table className="staff-table audit-table">
              <thead>
                <tr>
                  <th scope="col">{t("audit.id")}</th>
                  <th scope="col">{t("audit.when")}</th>
                  <th scope="col">{t("audit.actor")}</th>
                  <th scope="col">{t("audit.action")}</th>
                  <th scope="col">{t("audit.subject")}</th>
                  <th scope="col">{t("audit.borrower")}</th>
                  <th scope="col">{t("audit.detail")}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.id}>
                    <td>{r.id}</td>
                    <td>{r.when}</td>
                    <td>
                      {t(`actorTypes.${r.actorType}`, { defaultValue: r.actorType })}
                      {r.actor ? <span className="hint"> {r.actor}</span> : null}
                    </td>
                    <td>
                      <code>{r.action}</code>
                    </td>
                    <td className="break">{r.subject}</td>
                    <td>
                      {r.borrowerId ? (
                        <Link to={`/staff/borrowers/${r.borrowerId}`}>{r.borrowerName ?? r.borrowerId}</Link>
                      ) : (
                        "—"
                      )}
                    </td>
                    <td className="break">
                      <code>{r.detail}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
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
