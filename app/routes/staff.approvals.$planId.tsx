import { parseWithZod } from "@conform-to/zod";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Link, useActionData, useLoaderData, type ShouldRevalidateFunction } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { decidePlan } from "~/plans/plan-decisions.server";
import {
  decisionProblemsAsErrors,
  decisionSchema,
  DECISION_INTENTS,
  type DecisionIntent,
} from "~/staff/approval-forms";
import { viewPlanForApproval } from "~/staff/approval-detail.server";
import { planCurrency } from "~/staff/approvals.server";
import { assertRole, requireStaff } from "~/staff/auth.server";
import { displayContext } from "~/staff/display.server";
import { actionRoles, loaderRoles } from "~/staff/permissions";
import {
  AccountCard,
  DecisionOutcome,
  DecisionPanel,
  HardshipCard,
  HistoryCard,
  PlanCard,
} from "~/staff/ui/ApprovalDetail";
import type { DecisionReply } from "~/staff/ui/ApprovalParts";
import { StaffErrorBoundary } from "~/staff/ui/StaffErrorBoundary";

const ROUTE = "staff.approvals.$planId";
const noStore = { "Cache-Control": "no-store" };
const notFound = () => data({ reason: "not_found" }, { status: 404, headers: noStore });

/** One plan with everything an approver weighs; opening it is audited as a view of the borrower. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { user } = await requireStaff(context, request, { roles: loaderRoles(ROUTE) });
  const view = await viewPlanForApproval(context.db, {
    planId: params.planId ?? "",
    staff: user,
    ...(await displayContext(request)),
  });
  if (!view) throw notFound();
  return data(view, { headers: noStore });
}

/** approve | reject | counter, all through decidePlan (SMS, bank event, audit and task in its transaction). */
export async function action({ request, params, context }: ActionFunctionArgs) {
  const session = await requireStaff(context, request, { roles: actionRoles(ROUTE) });
  const formData = await request.formData();
  const raw = formData.get("intent");
  const intent = (DECISION_INTENTS as readonly unknown[]).includes(raw) ? (raw as DecisionIntent) : null;
  // The role check comes first: a role that may not decide learns nothing from validation errors.
  if (intent) assertRole(session, actionRoles(ROUTE, intent));
  const planId = params.planId ?? "";
  const currency = await planCurrency(context.db, planId);
  if (!currency) throw notFound();
  const reply = (body: Omit<DecisionReply, "intent">, status: number) =>
    data({ intent, ...body } satisfies DecisionReply, { status, headers: noStore });

  const submission = parseWithZod(formData, { schema: decisionSchema(currency) });
  if (submission.status !== "success") return reply({ result: submission.reply() }, 400);
  const form = submission.value;
  const outcome = await decidePlan(context.db, {
    planId,
    staffUserId: session.user.id,
    decision: form.intent,
    reason: form.reason,
    counter:
      form.intent === "counter"
        ? {
            count: form.count,
            frequency: form.frequency,
            firstDueDate: form.firstDueDate,
            totalMinor: form.total,
          }
        : undefined,
  });
  switch (outcome.status) {
    case "approved":
    case "rejected":
    case "countered":
      return redirect(`/staff/approvals?done=${outcome.status}`, { status: 303, headers: noStore });
    case "invalid":
      return reply(
        { result: submission.reply({ fieldErrors: decisionProblemsAsErrors(outcome.problems) }) },
        400,
      );
    case "conflict":
      return reply({ outcome: "conflict", currentStatus: outcome.currentStatus }, 409);
    case "first_date_passed":
      return reply({ outcome: "first_date_passed" }, 409);
    case "forbidden":
      // A role without decision rights never gets here (requireStaff above); this is four-eyes.
      if (outcome.reason === "not_a_decider")
        throw data({ reason: "forbidden" }, { status: 403, headers: noStore });
      return reply({ outcome: outcome.reason }, 403);
    case "not_found":
      throw notFound();
  }
}

/** After "someone else decided first", show the plan as it is now (errors skip revalidation by default). */
export const shouldRevalidate: ShouldRevalidateFunction = ({ actionResult, defaultShouldRevalidate }) =>
  (actionResult as DecisionReply | undefined)?.outcome ? true : defaultShouldRevalidate;

export default function StaffApprovalDetail() {
  const v = useLoaderData<typeof loader>();
  const reply = useActionData<typeof action>() as DecisionReply | undefined;
  const { t } = useTranslation("console");
  return (
    <>
      <p>
        <Link to="/staff/approvals">{t("approvals.back")}</Link>
      </p>
      <h1>{t("approvals.detailTitle", { name: v.borrower.name })}</h1>

      {reply?.outcome ? <DecisionOutcome reply={reply} planId={v.plan.id} /> : null}

      <div className="staff-columns">
        <div className="staff-main">
          <PlanCard view={v} />
          <AccountCard view={v} />
          <HardshipCard view={v} />
          <HistoryCard view={v} />
        </div>

        <aside className="staff-side" aria-label={t("approvals.decisionPanel")}>
          <DecisionPanel view={v} reply={reply} />
        </aside>
      </div>
    </>
  );
}

export { StaffErrorBoundary as ErrorBoundary };
