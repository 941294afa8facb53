import { data, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { z } from "zod";
import { requireStaff } from "~/staff/auth.server";
import { loaderRoles } from "~/staff/permissions";
import { searchBorrowers } from "~/staff/search.server";
import { StaffErrorBoundary } from "~/staff/ui/StaffErrorBoundary";

const searchParams = z.object({
  q: z.string().trim().max(100).catch(""),
  page: z.coerce.number().int().min(1).max(500).catch(1),
});

/** Search by phone, name or account reference (GET, so results can be bookmarked; the access log drops query strings). */
export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireStaff(context, request, { roles: loaderRoles("staff.borrowers._index") });
  const url = new URL(request.url);
  const { q, page } = searchParams.parse({
    q: url.searchParams.get("q") ?? "",
    page: url.searchParams.get("page") ?? "1",
  });
  const result = q.length >= 2 ? await searchBorrowers(context.db, q, page) : null;
  return data({ q, tooShort: q.length === 1, result }, { headers: { "Cache-Control": "no-store" } });
}

export default function StaffBorrowerSearch() {
  const { q, tooShort, result } = useLoaderData<typeof loader>();
  const { t } = useTranslation("staff");
  const pageLink = (page: number) => `/staff/borrowers?${new URLSearchParams({ q, page: String(page) })}`;
  return (
    <>
      <h1>{t("search.title")}</h1>
      <Form method="get" role="search" className="card staff-search">
        <div className="field">
          <label htmlFor="search-q">{t("search.label")}</label>
          <p className="hint" id="search-q-hint">
            {t("search.hint")}
          </p>
          {tooShort ? (
            <p className="error-message" id="search-q-error">
              {t("errors.queryTooShort")}
            </p>
          ) : null}
          <input
            id="search-q"
            name="q"
            type="search"
            defaultValue={q}
            maxLength={100}
            autoComplete="off"
            aria-describedby={tooShort ? "search-q-hint search-q-error" : "search-q-hint"}
            aria-invalid={tooShort || undefined}
          />
        </div>
        <button type="submit" className="button primary">
          {t("search.submit")}
        </button>
      </Form>

      {result ? (
        <section className="card" aria-labelledby="results-title">
          <h2 id="results-title">{t("search.results")}</h2>
          {result.hits.length === 0 ? (
            <p>{t("search.noResults")}</p>
          ) : (
            <div className="table-scroll" tabIndex={0} role="region" aria-labelledby="results-title">
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
            </div>
          )}
          <nav className="pager" aria-label={t("search.pages")}>
            {result.page > 1 ? <Link to={pageLink(result.page - 1)}>{t("common.previous")}</Link> : null}
            <span>{t("common.page", { page: result.page })}</span>
            {result.hasNext ? <Link to={pageLink(result.page + 1)}>{t("common.next")}</Link> : null}
          </nav>
        </section>
      ) : null}
    </>
  );
}

export { StaffErrorBoundary as ErrorBoundary };
