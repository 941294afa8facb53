import { data, type LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { requireStaff } from "~/staff/auth.server";
import { displayContext } from "~/staff/display.server";
import { loaderRoles } from "~/staff/permissions";
import { loadQueues } from "~/staff/queues.server";
import {
  AppointmentQueue,
  CallQueue,
  ComplaintQueue,
  HardshipQueue,
  PlanQueue,
  WrongNumberQueue,
} from "~/staff/ui/Queues";
import { StaffErrorBoundary } from "~/staff/ui/StaffErrorBoundary";

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireStaff(context, request, { roles: loaderRoles("staff.queues") });
  const queues = await loadQueues(context.db, await displayContext(request));
  return data(queues, { headers: { "Cache-Control": "no-store" } });
}

export default function StaffQueues() {
  const q = useLoaderData<typeof loader>();
  const { t } = useTranslation("staff");
  return (
    <>
      <h1>{t("queues.title")}</h1>
      <p className="hint">{t("queues.intro")}</p>
      <PlanQueue queue={q.plans} />
      <HardshipQueue queue={q.hardship} />
      <ComplaintQueue queue={q.complaints} />
      <CallQueue queue={q.calls} />
      <AppointmentQueue queue={q.appointments} />
      <WrongNumberQueue queue={q.wrongNumbers} />
    </>
  );
}

export { StaffErrorBoundary as ErrorBoundary };
