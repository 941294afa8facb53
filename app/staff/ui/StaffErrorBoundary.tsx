import { isRouteErrorResponse, Link, useRouteError } from "@remix-run/react";
import { useTranslation } from "react-i18next";

/** Errors inside the console keep its navigation: each page re-exports this as its ErrorBoundary. */
export function StaffErrorBoundary() {
  const error = useRouteError();
  const { t } = useTranslation("staff");
  const status = isRouteErrorResponse(error) ? error.status : 500;
  const key = status === 403 ? "forbidden" : status === 404 ? "notFound" : "generic";
  return (
    <section className="card" aria-labelledby="staff-error-title">
      <h1 id="staff-error-title">{t(`errorPage.${key}Title`)}</h1>
      <p>{t(`errorPage.${key}Body`)}</p>
      <p>
        <Link to="/staff/queues">{t("errorPage.backToQueues")}</Link>
      </p>
    </section>
  );
}
