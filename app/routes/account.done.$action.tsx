import { data, type LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData, useRouteLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import type { loader as rootLoader } from "~/root";
import { requireBorrowerSession } from "~/borrower/session.server";
import { loadConfirmation, type Confirmation } from "~/portal/confirmations.server";
import { ConfirmationBody, confirmationTitle } from "~/portal/ui/ConfirmationBody";

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const session = await requireBorrowerSession(context.db, request);
  const confirmation = await loadConfirmation(context.db, session, params.action);
  if (!confirmation) throw data(null, { status: 404 });
  return data(confirmation, { headers: { "Cache-Control": "no-store" } });
}

export default function ActionDone() {
  const page = useLoaderData<typeof loader>() as Confirmation;
  const root = useRouteLoaderData<typeof rootLoader>("root");
  const { t } = useTranslation("actions");
  return (
    <>
      <section className="card" aria-labelledby="done-title">
        <h1 id="done-title">{t(confirmationTitle(page))}</h1>
        <ConfirmationBody page={page} hotline={root?.hotline} />
      </section>
      <p>
        <Link to="/account" className="back-link">
          {t("common.back")}
        </Link>
      </p>
    </>
  );
}
