import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { assertRole, requireStaff } from "~/staff/auth.server";
import { actionRoles, loaderRoles, mayDo } from "~/staff/permissions";
import { decideSchema, fieldErrorsOf, proposeSchema } from "~/staff/settlement-forms";
import { loadSettlementPanel } from "~/staff/settlement-panel.server";
import { decideSettlement, proposeSettlement, withdrawSettlement } from "~/staff/settlements.server";
import { SettlementPanel, type SettlementPanelReply } from "~/staff/ui/SettlementPanel";
import { StaffErrorBoundary } from "~/staff/ui/StaffErrorBoundary";

/** A borrower's settlements: the panel, a staff proposal and its decision (docs/product-rules.md §7.10). */
const ROUTE = "staff.borrowers.$borrowerId_.settlements";
const noStore = { "Cache-Control": "no-store" };
const borrowerIdParam = z.string().uuid();

function borrowerIdFrom(params: LoaderFunctionArgs["params"]): string {
  const parsed = borrowerIdParam.safeParse(params.borrowerId);
  if (!parsed.success) throw data({ reason: "not_found" }, { status: 404, headers: noStore });
  return parsed.data;
}

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { user } = await requireStaff(context, request, { roles: loaderRoles(ROUTE) });
  const panel = await loadSettlementPanel(context.db, { borrowerId: borrowerIdFrom(params), staff: user });
  if (!panel) throw data({ reason: "not_found" }, { status: 404, headers: noStore });
  const done = new URL(request.url).searchParams.get("done");
  return data(
    {
      ...panel,
      done: done && ["proposed", "approved", "rejected", "withdrawn"].includes(done) ? done : null,
      may: {
        propose: mayDo(user.role, ROUTE, "propose"),
        decide: mayDo(user.role, ROUTE, "approve"),
        withdraw: mayDo(user.role, ROUTE, "withdraw"),
      },
    },
    { headers: noStore },
  );
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const session = await requireStaff(context, request, { roles: actionRoles(ROUTE) });
  const borrowerId = borrowerIdFrom(params);
  const form = Object.fromEntries(await request.formData());
  const intent = typeof form.intent === "string" ? form.intent : "";
  assertRole(session, actionRoles(ROUTE, intent));
  const reply = (r: SettlementPanelReply, status: number) => data(r, { status, headers: noStore });
  const after = (done: string) => redirect(`/staff/borrowers/${borrowerId}/settlements?done=${done}`, 303);
  const staff = session.user;

  if (intent === "propose") {
    const parsed = proposeSchema.safeParse(form);
    if (!parsed.success) return reply({ intent, errors: fieldErrorsOf(parsed.error) }, 400);
    const { discountPercent, ...rest } = parsed.data;
    const out = await proposeSettlement(context.db, {
      staff,
      borrowerId,
      proposal: { ...rest, discountBp: discountPercent },
    });
    if (out.status === "proposed") return after("proposed");
    if (out.status === "not_found")
      return reply({ intent, errors: { accountId: ["staff.fieldAccount"] } }, 404);
    return reply({ intent, errors: { _form: [`staff.errors.${out.problem}`] } }, 409);
  }
  const parsed = decideSchema.safeParse(form);
  if (!parsed.success) return reply({ intent, errors: fieldErrorsOf(parsed.error) }, 400);
  const { settlementId, reason } = parsed.data;
  const out =
    parsed.data.intent === "withdraw"
      ? await withdrawSettlement(context.db, { staff, borrowerId, settlementId, reason })
      : await decideSettlement(context.db, {
          staff,
          borrowerId,
          settlementId,
          reason,
          approve: parsed.data.intent === "approve",
        });
  if (out.status === "not_found") throw data({ reason: "not_found" }, { status: 404, headers: noStore });
  if (out.status === "refused")
    return reply({ intent, target: settlementId, errors: { _form: [`staff.errors.${out.problem}`] } }, 409);
  return after(out.status);
}

export default function StaffBorrowerSettlements() {
  const v = useLoaderData<typeof loader>();
  const reply = useActionData<typeof action>() as SettlementPanelReply | undefined;
  return <SettlementPanel view={v} reply={reply} />;
}

export { StaffErrorBoundary as ErrorBoundary };
