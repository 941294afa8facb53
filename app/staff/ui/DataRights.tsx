import { Form } from "@remix-run/react";
import { useTranslation } from "react-i18next";

interface Page {
  borrowerId: string;
  externalRef: string;
  erasedAt: string | null;
  exports: Array<{ id: string; reason: string; createdAt: string; by: string }>;
}
interface Opened {
  id: string;
  reason: string;
  createdAt: string;
  content: Record<string, unknown>;
}

/** The data page: start an export, read or download one, erase the borrower (docs/product-rules.md §10.12). */
export function DataRightsPage({
  page,
  opened,
  error,
}: {
  page: Page;
  opened: Opened | null;
  error: string | null;
}) {
  const { t } = useTranslation("staff");
  const base = `/staff/borrowers/${page.borrowerId}/data`;
  return (
    <>
      <h1>{t("dataRights.title", { ref: page.externalRef })}</h1>
      <p>
        <a href={`/staff/borrowers/${page.borrowerId}`}>{t("dataRights.back")}</a>
      </p>
      {page.erasedAt ? (
        <p className="notice" role="status">
          {t("dataRights.erasedAt", { at: page.erasedAt })}
        </p>
      ) : null}
      {error ? (
        <p className="notice notice-error" role="alert">
          {t(error)}
        </p>
      ) : null}
      {opened ? <ExportView opened={opened} base={base} /> : null}
      <section className="card" aria-labelledby="export-title">
        <h2 id="export-title">{t("dataRights.exportTitle")}</h2>
        <p className="hint">{t("dataRights.exportHint")}</p>
        <Form method="post">
          <input type="hidden" name="intent" value="export" />
          <label htmlFor="export-reason">{t("dataRights.reason")}</label>
          <input id="export-reason" name="reason" required minLength={3} maxLength={200} />
          <button type="submit" className="button">
            {t("dataRights.startExport")}
          </button>
        </Form>
        {page.exports.length ? (
          <ul>
            {page.exports.map((e) => (
              <li key={e.id}>
                {e.createdAt} · {e.by} · {e.reason} ·{" "}
                <a href={`${base}?export=${e.id}`}>{t("dataRights.view")}</a> ·{" "}
                <a href={`${base}?export=${e.id}&format=json`}>{t("dataRights.download")}</a>
              </li>
            ))}
          </ul>
        ) : (
          <p>{t("dataRights.noExports")}</p>
        )}
      </section>
      {page.erasedAt ? null : (
        <section className="card" aria-labelledby="erase-title">
          <h2 id="erase-title">{t("dataRights.eraseTitle")}</h2>
          <p className="hint">{t("dataRights.eraseHint")}</p>
          <Form method="post">
            <input type="hidden" name="intent" value="erase" />
            <label htmlFor="erase-reason">{t("dataRights.reason")}</label>
            <input id="erase-reason" name="reason" required minLength={3} maxLength={200} />
            <label htmlFor="erase-confirm">{t("dataRights.confirm", { ref: page.externalRef })}</label>
            <input id="erase-confirm" name="confirm" required autoComplete="off" />
            <button type="submit" className="button button-danger">
              {t("dataRights.erase")}
            </button>
          </Form>
        </section>
      )}
    </>
  );
}

/** The export as a readable page: one section per class of data, each row's fields as text. */
function ExportView({ opened, base }: { opened: Opened; base: string }) {
  const { t } = useTranslation("staff");
  const sections = Object.entries(opened.content).filter(([, v]) => Array.isArray(v)) as Array<
    [string, unknown[]]
  >;
  return (
    <section className="card" aria-labelledby="opened-title">
      <h2 id="opened-title">{t("dataRights.openedTitle", { at: opened.createdAt })}</h2>
      <p>
        {opened.reason} · <a href={`${base}?export=${opened.id}&format=json`}>{t("dataRights.download")}</a>
      </p>
      {sections.map(([name, rows]) => (
        <details key={name} open={rows.length > 0 && rows.length <= 5}>
          <summary>
            {t(`dataRights.sections.${name}`, { defaultValue: name })} ({rows.length})
          </summary>
          {rows.map((row, i) => (
            <dl key={i} className="export-row">
              {Object.entries(row as Record<string, unknown>).map(([k, v]) => (
                <div key={k}>
                  <dt>{k}</dt>
                  <dd>{typeof v === "string" ? v : JSON.stringify(v)}</dd>
                </div>
              ))}
            </dl>
          ))}
        </details>
      ))}
    </section>
  );
}
