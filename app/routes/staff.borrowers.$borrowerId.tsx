import { parseWithZod } from "@conform-to/zod";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { assertRole, requireStaff } from "~/staff/auth.server";
import { applyBorrowerAction } from "~/staff/borrower-actions.server";
import { borrowerActionSchema, PER_ROW_INTENTS } from "~/staff/borrower-forms";
import { borrowerWorkspace, pageAfterAction } from "~/staff/borrower-workspace.server";
import { displayContext } from "~/staff/display.server";
import { actionRoles, loaderRoles } from "~/staff/permissions";
import type { BorrowerActionReply } from "~/staff/ui/BorrowerActions";
import { BorrowerPage } from "~/staff/ui/BorrowerPage";
import { StaffErrorBoundary } from "~/staff/ui/StaffErrorBoundary";

const ROUTE = "staff.borrowers.$borrowerId";
const noStore = { "Cache-Control": "no-store" };
const borrowerIdParam = z.string().uuid();

function borrowerIdFrom(params: LoaderFunctionArgs["params"]): string {
  const parsed = borrowerIdParam.safeParse(params.borrowerId);
  if (!parsed.success) throw data({ reason: "not_found" }, { status: 404, headers: noStore });
  return parsed.data;
}

/** The borrower page. Every view is audited (staff.viewed_borrower). */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { user } = await requireStaff(context, request, { roles: loaderRoles(ROUTE) });
  const page = await borrowerWorkspace(context.db, {
    borrowerId: borrowerIdFrom(params),
    staff: user,
    url: new URL(request.url),
    ...(await displayContext(request)),
  });
  if (!page) throw data({ reason: "not_found" }, { status: 404, headers: noStore });
  return data(page, { headers: noStore });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const session = await requireStaff(context, request, { roles: actionRoles(ROUTE) });
  const borrowerId = borrowerIdFrom(params);
  const formData = await request.formData();
  const intent = formData.get("intent");
  // Forms shown once per task or account are told apart by their row; the others are one per page.
  const target = (formData.get("taskId") ?? formData.get("statusId") ?? formData.get("accountId") ?? null) as
    string | null;
  const reply = (result: BorrowerActionReply["result"], status: number) =>
    data(
      {
        intent: typeof intent === "string" ? intent : null,
        target: typeof intent === "string" && PER_ROW_INTENTS.has(intent) ? target : null,
        result,
      } satisfies BorrowerActionReply,
      { status, headers: noStore },
    );

  // The role check comes first: a role that may not do this learns nothing from validation errors.
  if (typeof intent === "string" && actionRoles(ROUTE, intent).length)
    assertRole(session, actionRoles(ROUTE, intent));
  const submission = parseWithZod(formData, { schema: borrowerActionSchema });
  if (submission.status !== "success") return reply(submission.reply(), 400);

  const outcome = await applyBorrowerAction(context.db, {
    staff: session.user,
    borrowerId,
    action: submission.value,
  });
  if (outcome.status === "not_found")
    return reply(submission.reply({ formErrors: ["errors.notFound"] }), 404);
  if (outcome.status === "refused")
    return reply(
      submission.reply({ formErrors: outcome.formErrors ?? [], fieldErrors: outcome.fieldErrors ?? {} }),
      outcome.httpStatus,
    );
  return redirect(pageAfterAction(borrowerId, submission.value, outcome), { status: 303, headers: noStore });
}

export default function StaffBorrowerPage() {
  const page = useLoaderData<typeof loader>();
  const reply = useActionData<typeof action>() as BorrowerActionReply | undefined;
  return <BorrowerPage page={page} reply={reply} />;
}

export { StaffErrorBoundary as ErrorBoundary };
