import { data, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { z } from "zod";
import { requireStaff } from "~/staff/auth.server";
import { loaderRoles } from "~/staff/permissions";
import { searchBorrowers } from "~/staff/search.server";
import { BorrowerSearchResults } from "~/staff/ui/BorrowerSearchResults";
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

      {result ? <BorrowerSearchResults q={q} result={result} /> : null}
    </>
  );
}

export { StaffErrorBoundary as ErrorBoundary };
