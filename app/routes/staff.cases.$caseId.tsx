import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { assertRole, requireStaff } from "~/staff/auth.server";
import { caseActionSchema } from "~/staff/case-forms";
import { auditCaseView, loadCase } from "~/staff/case-views.server";
import { addCaseNote, grantHardshipPause, moveCase, type CaseOutcome } from "~/staff/cases.server";
import { displayContext } from "~/staff/display.server";
import { formatStaffDateTime } from "~/staff/format";
import { actionRoles, loaderRoles } from "~/staff/permissions";
import { CasePage } from "~/staff/ui/CasePage";
import { StaffErrorBoundary } from "~/staff/ui/StaffErrorBoundary";

const ROUTE = "staff.cases.$caseId";
const noStore = { "Cache-Control": "no-store" };

function caseIdFrom(params: LoaderFunctionArgs["params"]): string {
  const parsed = z.string().uuid().safeParse(params.caseId);
  if (!parsed.success) throw data({ reason: "not_found" }, { status: 404, headers: noStore });
  return parsed.data;
}

/** One hardship report or complaint as a case: its state, owner, SLA clocks, history and actions. Audited. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { user } = await requireStaff(context, request, { roles: loaderRoles(ROUTE) });
  const found = await loadCase(context.db, caseIdFrom(params));
  if (!found) throw data({ reason: "not_found" }, { status: 404, headers: noStore });
  await auditCaseView(context.db, user, found);
  const { locale, timeZone } = await displayContext(request);
  const when = (d: Date | null) => (d ? formatStaffDateTime(d, locale, timeZone) : null);
  return data(
    {
      ...found,
      created: when(found.createdAt)!,
      responded: when(found.respondedAt),
      pausedUntil: when(found.pauseUntil),
      clocks: found.clocks.map((c) => ({ ...c, due: when(c.due)!, metAt: when(c.metAt) })),
      events: found.events.map((e) => ({ ...e, at: when(e.at)!, pauseUntil: when(e.pauseUntil) })),
      mayAct: actionRoles(ROUTE, "acknowledge").includes(user.role),
    },
    { headers: noStore },
  );
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const session = await requireStaff(context, request, { roles: actionRoles(ROUTE) });
  const caseId = caseIdFrom(params);
  const form = Object.fromEntries(await request.formData());
  // The role check comes first: a role that may not do this learns nothing from validation errors.
  if (typeof form.intent === "string" && actionRoles(ROUTE, form.intent).length)
    assertRole(session, actionRoles(ROUTE, form.intent));
  const parsed = caseActionSchema.safeParse(form);
  if (!parsed.success) return reply(parsed.error.issues[0]?.message ?? "errors.invalidRequest", 400);
  const input = parsed.data;
  const staff = session.user;
  const result =
    input.intent === "add_case_note"
      ? await addCaseNote(context.db, { staff, caseId, body: input.body })
      : input.intent === "grant_pause"
        ? await grantHardshipPause(context.db, {
            staff,
            caseId,
            untilDate: input.until,
            reason: input.reason,
          })
        : await moveCase(context.db, {
            staff,
            caseId,
            action: input.intent,
            response: "response" in input ? input.response : undefined,
          });
  return answer(caseId, result);
}

/** A refusal: a "staff" translation key (and who has the case, when someone else does). */
const reply = (error: string, status: number, by: string | null = null) =>
  data({ error, by }, { status, headers: noStore });

function answer(caseId: string, result: CaseOutcome) {
  switch (result.status) {
    case "ok":
      return redirect(`/staff/cases/${caseId}`, { status: 303, headers: noStore });
    case "not_found":
      return reply("errors.notFound", 404);
    case "already_claimed":
      return reply("work.alreadyClaimed", 409, result.by);
    case "refused":
      return reply(`cases.errors.${result.reason}`, result.reason === "illegal_transition" ? 409 : 400);
  }
}

export default function StaffCase() {
  const c = useLoaderData<typeof loader>();
  const reply = useActionData<typeof action>();
  return <CasePage c={c} error={reply ?? null} />;
}

export { StaffErrorBoundary as ErrorBoundary };
