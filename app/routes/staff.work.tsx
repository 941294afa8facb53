import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { z } from "zod";
import { assertRole, requireStaff } from "~/staff/auth.server";
import { displayContext } from "~/staff/display.server";
import { formatStaffDateTime } from "~/staff/format";
import { actionRoles, loaderRoles } from "~/staff/permissions";
import { StaffErrorBoundary } from "~/staff/ui/StaffErrorBoundary";
import { TeamLoad, WorkTable } from "~/staff/ui/Worklist";
import {
  assignTask,
  claimTask,
  loadWorklist,
  releaseTask,
  type WorkItem,
  type WorkOutcome,
} from "~/staff/worklist.server";

const ROUTE = "staff.work";
const noStore = { "Cache-Control": "no-store" };
const taskId = z.string().uuid();
const workSchema = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("claim"), taskId }),
  z.object({ intent: z.literal("release"), taskId }),
  z.object({ intent: z.literal("assign"), taskId, assigneeId: z.string().uuid() }),
]);

/** My work, the unowned tasks to claim, and for supervisors and admins the team's load and reassignment. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { user } = await requireStaff(context, request, { roles: loaderRoles(ROUTE) });
  const { locale, timeZone } = await displayContext(request);
  const list = await loadWorklist(context.db, user);
  const when = (d: Date | null) => (d ? formatStaffDateTime(d, locale, timeZone) : null);
  const view = (items: WorkItem[]) => items.map((i) => ({ ...i, due: when(i.due)! }));
  return data(
    {
      mine: view(list.mine),
      unassigned: view(list.unassigned),
      team: list.team && {
        assigned: view(list.team.assigned),
        load: list.team.load.map((l) => ({ ...l, oldestDue: when(l.oldestDue) })),
      },
    },
    { headers: noStore },
  );
}

export async function action({ request, context }: ActionFunctionArgs) {
  const session = await requireStaff(context, request, { roles: actionRoles(ROUTE) });
  const parsed = workSchema.safeParse(Object.fromEntries(await request.formData()));
  if (!parsed.success)
    return data({ error: "errors.invalidRequest", by: null }, { status: 400, headers: noStore });
  const form = parsed.data;
  assertRole(session, actionRoles(ROUTE, form.intent));
  const opts = { staff: session.user, taskId: form.taskId };
  const result =
    form.intent === "claim"
      ? await claimTask(context.db, opts)
      : form.intent === "release"
        ? await releaseTask(context.db, opts)
        : await assignTask(context.db, { ...opts, assigneeId: form.assigneeId });
  return answer(result);
}

function answer(result: WorkOutcome) {
  switch (result.status) {
    case "ok":
      return redirect("/staff/work", { status: 303, headers: noStore });
    case "not_found":
      return data({ error: "errors.notFound", by: null }, { status: 404, headers: noStore });
    case "already_claimed":
      return data({ error: "work.alreadyClaimed", by: result.by }, { status: 409, headers: noStore });
    case "refused":
      return data(
        { error: result.reason === "not_owner" ? "work.notOwner" : "work.inactiveAssignee", by: null },
        { status: result.reason === "not_owner" ? 403 : 400, headers: noStore },
      );
  }
}

export default function StaffWork() {
  const { mine, unassigned, team } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const { t } = useTranslation("staff");
  const assignees = team?.load.map((l) => ({ id: l.id, name: l.displayName })) ?? null;
  return (
    <>
      <h1>{t("work.title")}</h1>
      <p className="hint">{t("work.intro")}</p>
      {actionData?.error ? (
        <p className="notice notice-error" role="alert">
          {t(actionData.error, { by: actionData.by })}
        </p>
      ) : null}
      <WorkTable id="mine" title={t("work.mine")} items={mine} action="release" />
      <WorkTable id="unassigned" title={t("work.unassigned")} items={unassigned} action="claim" />
      {team && assignees ? (
        <>
          <TeamLoad load={team.load} />
          <WorkTable
            id="team"
            title={t("work.team")}
            items={team.assigned}
            action="release"
            assignees={assignees}
          />
        </>
      ) : null}
    </>
  );
}

export { StaffErrorBoundary as ErrorBoundary };
