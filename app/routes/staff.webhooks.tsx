import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Link, useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { z } from "zod";
import { assertRole, requireStaff } from "~/staff/auth.server";
import { listBankEvents, redeliverFromConsole, webhookEndpointOrigin } from "~/staff/bank-integration.server";
import { displayContext } from "~/staff/display.server";
import { actionRoles, loaderRoles } from "~/staff/permissions";
import { StaffErrorBoundary } from "~/staff/ui/StaffErrorBoundary";
import { WebhookEventsTable } from "~/staff/ui/WebhookEvents";

const ROUTE = "staff.webhooks";
const noStore = { "Cache-Control": "no-store" };
const redeliverSchema = z.object({ intent: z.literal("redeliver"), eventId: z.string().uuid() });

/** Recent events for the bank and every delivery attempt (admins). */
export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireStaff(context, request, { roles: loaderRoles(ROUTE) });
  const url = new URL(request.url);
  const failedOnly = url.searchParams.get("failed") === "1";
  const events = await listBankEvents(context.db, { ...(await displayContext(request)), failedOnly });
  return data(
    { events, failedOnly, endpoint: webhookEndpointOrigin(), queued: url.searchParams.has("queued") },
    { headers: noStore },
  );
}

export async function action({ request, context }: ActionFunctionArgs) {
  const session = await requireStaff(context, request, { roles: actionRoles(ROUTE) });
  const form = Object.fromEntries(await request.formData());
  assertRole(session, actionRoles(ROUTE, String(form.intent ?? "")));
  const parsed = redeliverSchema.safeParse(form);
  if (!parsed.success)
    return data({ error: "console:webhooks.errors.invalid" }, { status: 400, headers: noStore });
  const result = await redeliverFromConsole(context.db, {
    staff: session.user,
    eventId: parsed.data.eventId,
  });
  if (result === "not_found")
    return data({ error: "console:webhooks.errors.notFound" }, { status: 404, headers: noStore });
  const back = new URL(request.url).searchParams.get("failed") === "1" ? "failed=1&" : "";
  return redirect(`/staff/webhooks?${back}queued=1`, { status: 303, headers: noStore });
}

export default function StaffWebhooks() {
  const v = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const { t } = useTranslation("console");
  return (
    <>
      <h1>{t("webhooks.title")}</h1>
      <p className="hint">
        {v.endpoint ? t("webhooks.endpoint", { origin: v.endpoint }) : t("webhooks.noEndpoint")}
      </p>
      {v.queued ? (
        <p className="notice" role="status">
          {t("webhooks.queued")}
        </p>
      ) : null}
      {actionData?.error ? (
        <p className="notice notice-error" role="alert">
          {t(actionData.error)}
        </p>
      ) : null}
      <p>
        {v.failedOnly ? (
          <Link to="/staff/webhooks">{t("webhooks.showAll")}</Link>
        ) : (
          <Link to="/staff/webhooks?failed=1">{t("webhooks.showFailed")}</Link>
        )}
      </p>
      <section className="card" aria-labelledby="events-title">
        <h2 id="events-title">{v.failedOnly ? t("webhooks.failedEvents") : t("webhooks.recentEvents")}</h2>
        {v.events.length === 0 ? (
          <p className="hint">{t("webhooks.none")}</p>
        ) : (
          <WebhookEventsTable events={v.events} failedOnly={v.failedOnly} />
        )}
      </section>
    </>
  );
}

export { StaffErrorBoundary as ErrorBoundary };
