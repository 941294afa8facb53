import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { appendAudit } from "~/platform/audit.server";
import { requireStaff } from "~/staff/auth.server";
import { actionRoles, loaderRoles } from "~/staff/permissions";
import { endStaffSession } from "~/staff/session.server";

export async function action({ request, context }: ActionFunctionArgs) {
  const { user } = await requireStaff(context, request, { roles: actionRoles("staff.sign-out") });
  const setCookie = await context.db.transaction().execute(async (trx) => {
    const cookie = await endStaffSession(trx, request);
    await appendAudit(trx, {
      actorType: "staff",
      actorId: user.id,
      action: "staff.signed_out",
      subjectType: "staff_user",
      subjectId: user.id,
    });
    return cookie;
  });
  return redirect("/staff/login?signedOut=1", {
    status: 303,
    headers: { "Set-Cookie": setCookie, "Cache-Control": "no-store" },
  });
}

/** Signing out is a POST (a link could be triggered by another site); a GET just goes back to the console. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireStaff(context, request, { roles: loaderRoles("staff.sign-out") });
  return redirect("/staff/queues");
}
