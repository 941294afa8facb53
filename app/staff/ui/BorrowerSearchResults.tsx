import { Link } from "@remix-run/react";
import { ScrollTable } from "../../ui/ScrollTable";
import { useTranslation } from "react-i18next";
import type { BorrowerSearchResult } from "../search.server";

/** One page of borrowers matching the search, each with their accounts, and links to the pages around it. */
export function BorrowerSearchResults({ q, result }: { q: string; result: BorrowerSearchResult }) {
  const { t } = useTranslation("staff");
  const pageLink = (page: number) => `/staff/borrowers?${new URLSearchParams({ q, page: String(page) })}`;
  return (
    <section className="card" aria-labelledby="results-title">
      <h2 id="results-title">{t("search.results")}</h2>
      {result.hits.length === 0 ? (
        <p>{t("search.noResults")}</p>
      ) : (
        <ScrollTable labelledBy="results-title">
          <table className="staff-table">
            <thead>
              <tr>
                <th scope="col">{t("search.name")}</th>
                <th scope="col">{t("search.phone")}</th>
                <th scope="col">{t("search.reference")}</th>
                <th scope="col">{t("search.accounts")}</th>
              </tr>
            </thead>
            <tbody>
              {result.hits.map((hit) => (
                <tr key={hit.id}>
                  <td>
                    <Link to={`/staff/borrowers/${hit.id}`}>{hit.fullName}</Link>
                  </td>
                  <td>{hit.phone}</td>
                  <td>
                    <code>{hit.externalRef}</code>
                  </td>
                  <td>
                    {hit.accounts.map((a) => (
                      <span key={a.externalRef} className="account-chip">
                        <code>{a.externalRef}</code> · {t(`accountStatus.${a.status}`)}
                      </span>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollTable>
      )}
      <nav className="pager" aria-label={t("search.pages")}>
        {result.page > 1 ? <Link to={pageLink(result.page - 1)}>{t("common.previous")}</Link> : null}
        <span>{t("common.page", { page: result.page })}</span>
        {result.hasNext ? <Link to={pageLink(result.page + 1)}>{t("common.next")}</Link> : null}
      </nav>
    </section>
  );
}
