import { Form, Link } from "@remix-run/react";
import { ScrollTable } from "../../ui/ScrollTable";
import { useTranslation } from "react-i18next";
import type { AuditFilterValues, AuditRowView } from "../audit-log.server";

/** The audit viewer's parts: the filter form (a GET, so a filtered page can be linked) and one page of rows. */
export function AuditFilters({ filter, ignored }: { filter: AuditFilterValues; ignored: string[] }) {
  const { t } = useTranslation("staff");
  return (
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
  );
}

export function AuditTable({ rows }: { rows: AuditRowView[] }) {
  const { t } = useTranslation("staff");
  return (
    <ScrollTable labelledBy="audit-results">
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
    </ScrollTable>
  );
}
