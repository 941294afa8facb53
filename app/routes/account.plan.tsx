import { useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Link, useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { formatMoney } from "~/domain/money";
import { latestFirstDate, previewPlan } from "~/domain/plan-terms";
import { planFormSchema, planProblemsAsFieldErrors, type PlanFields } from "~/portal/plan-form";
import { requireBorrowerSession } from "~/borrower/session.server";
import { getPlanContext, proposePlan } from "~/plans/plans.server";
import { PlanPreviewCard } from "~/portal/ui/PlanPreviewCard";
import { PlanTermsForm } from "~/portal/ui/PlanTermsForm";

const STATUS_PAGE = "/account/plan/status";
const NO_STORE = { "Cache-Control": "no-store" };

export async function loader({ request, context }: LoaderFunctionArgs) {
  const session = await requireBorrowerSession(context.db, request);
  const plan = await getPlanContext(context.db, session);
  // One open plan per account: show it instead of the calculator.
  if (plan.openPlanId) throw redirect(STATUS_PAGE, { headers: NO_STORE });
  const { policy } = plan;
  return data(
    {
      today: plan.today,
      latest: latestFirstDate(plan.today),
      currency: plan.currency,
      totalMinor: plan.totalMinor,
      policy: {
        days: policy.maxDaysToFirstPayment,
        months: plan.totalMinor >= policy.largeBalanceMinor ? policy.maxMonthsLarge : policy.maxMonthsSmall,
        minimumMinor: policy.minInstalmentMinor,
        lookbackDays: policy.brokenPlanLookbackDays,
      },
    },
    { headers: NO_STORE },
  );
}

export async function action({ request, context }: ActionFunctionArgs) {
  const session = await requireBorrowerSession(context.db, request);
  const plan = await getPlanContext(context.db, session);
  if (plan.openPlanId) return redirect(STATUS_PAGE, 303);
  const submission = parseWithZod(await request.formData(), { schema: planFormSchema(plan.today) });
  if (submission.status !== "success")
    return data({ result: submission.reply(), preview: null }, { status: 400, headers: NO_STORE });
  if (plan.totalMinor <= 0)
    return data(
      { result: submission.reply({ formErrors: ["errors.nothingOwed"] }), preview: null },
      { status: 400, headers: NO_STORE },
    );
  const { intent, count, frequency, firstDueDate } = submission.value;
  const preview = previewPlan(
    {
      totalMinor: plan.totalMinor,
      count,
      frequency,
      firstDueDate,
      today: plan.today,
      brokenPlanWithinLookback: plan.brokenPlanWithinLookback,
    },
    plan.policy,
  );
  if (!preview)
    return data(
      { result: submission.reply({ fieldErrors: { count: ["errors.amountTooSmall"] } }), preview: null },
      { status: 400, headers: NO_STORE },
    );
  if (intent === "preview") {
    return data(
      { result: submission.reply(), preview: { ...preview, count, frequency, firstDueDate } },
      { headers: NO_STORE },
    );
  }
  const outcome = await proposePlan(context.db, { session, count, frequency, firstDueDate });
  switch (outcome.status) {
    case "active":
    case "proposed":
    case "already_open":
      return redirect(STATUS_PAGE, 303);
    case "nothing_owed":
      return data(
        { result: submission.reply({ formErrors: ["errors.nothingOwed"] }), preview: null },
        { status: 400, headers: NO_STORE },
      );
    case "invalid":
      return data(
        {
          result: submission.reply({ fieldErrors: planProblemsAsFieldErrors(outcome.problems) }),
          preview: null,
        },
        { status: 400, headers: NO_STORE },
      );
  }
}

export default function PlanCalculator() {
  const page = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const { t, i18n } = useTranslation("plan");
  const money = (minor: number) => formatMoney({ minor, currency: page.currency }, i18n.language);
  const planForm = useForm<PlanFields>({
    lastResult: actionData?.result,
    defaultValue: { count: "3", frequency: "monthly", firstDueDate: "" },
    shouldValidate: "onSubmit",
  });
  const preview = actionData?.preview ?? null;
  const policyVars = {
    days: page.policy.days,
    months: page.policy.months,
    minimum: money(page.policy.minimumMinor),
    lookbackDays: page.policy.lookbackDays,
  };

  if (page.totalMinor <= 0) {
    return (
      <section className="card" aria-labelledby="plan-title">
        <h1 id="plan-title">{t("calculator.nothingOwedTitle")}</h1>
        <p>{t("calculator.nothingOwedBody")}</p>
        <Link to="/account">{t("calculator.back")}</Link>
      </section>
    );
  }

  return (
    <>
      <section className="card" aria-labelledby="plan-title">
        <h1 id="plan-title">{t("calculator.title")}</h1>
        <p>{t("calculator.intro")}</p>
        <dl className="summary">
          <div className="summary-row">
            <dt>{t("calculator.amountLabel")}</dt>
            <dd>{money(page.totalMinor)}</dd>
          </div>
        </dl>
        <p className="hint">{t("calculator.policyHint", policyVars)}</p>

        <PlanTermsForm form={planForm} today={page.today} latest={page.latest} />
      </section>

      {preview ? (
        <PlanPreviewCard preview={preview} currency={page.currency} policyVars={policyVars} />
      ) : null}

      <p>
        <Link to="/account">{t("calculator.back")}</Link>
      </p>
    </>
  );
}
