import { getFormProps, getInputProps, getSelectProps, useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { DEFAULT_PLAN_POLICY } from "~/domain/instalments";
import { formatCalendarDate, formatMoney } from "~/domain/money";
import {
  latestFirstDate,
  PLAN_COUNT_MAX,
  PLAN_COUNT_MIN,
  PLAN_FREQUENCIES,
  previewPlan,
} from "~/domain/plan-terms";
import { planFormSchema, planProblemsAsFieldErrors, type PlanFields } from "~/portal/plan-form";
import { requireBorrowerSession } from "~/borrower/session.server";
import { getPlanContext, proposePlan } from "~/plans/plans.server";
import { FieldErrors } from "~/ui/form";
import { InstalmentTable } from "~/ui/InstalmentTable";

const STATUS_PAGE = "/account/plan/status";
const NO_STORE = { "Cache-Control": "no-store" };
const COUNTS = Array.from({ length: PLAN_COUNT_MAX - PLAN_COUNT_MIN + 1 }, (_, i) => PLAN_COUNT_MIN + i);

export async function loader({ request, context }: LoaderFunctionArgs) {
  const session = await requireBorrowerSession(context.db, request);
  const plan = await getPlanContext(context.db, session);
  // One open plan per account: show it instead of the calculator.
  if (plan.openPlanId) throw redirect(STATUS_PAGE, { headers: NO_STORE });
  const policy = DEFAULT_PLAN_POLICY;
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
  const preview = previewPlan({
    totalMinor: plan.totalMinor,
    count,
    frequency,
    firstDueDate,
    today: plan.today,
    brokenPlanWithinLookback: plan.brokenPlanWithinLookback,
  });
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
  const [form, fields] = useForm<PlanFields>({
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

  const dateHintId = `${fields.firstDueDate.id}-hint`;
  const frequencyLegendId = `${fields.frequency.id}-legend`;
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

        <Form method="post" {...getFormProps(form)} noValidate>
          {form.errors?.length ? (
            <p className="notice notice-error" role="alert" id={form.errorId}>
              {form.errors.map((e) => t(e)).join(" ")}
            </p>
          ) : null}
          <div className={`field ${fields.count.errors?.length ? "field-error" : ""}`}>
            <label htmlFor={fields.count.id}>{t("calculator.countLabel")}</label>
            <FieldErrors id={fields.count.errorId} errors={fields.count.errors} t={t} />
            <select {...getSelectProps(fields.count)} key={fields.count.key} className="w-select">
              {COUNTS.map((n) => (
                <option key={n} value={String(n)}>
                  {t("calculator.countOption", { n })}
                </option>
              ))}
            </select>
          </div>

          <fieldset
            className={`field choices ${fields.frequency.errors?.length ? "field-error" : ""}`}
            aria-describedby={fields.frequency.errors?.length ? fields.frequency.errorId : undefined}
          >
            <legend id={frequencyLegendId}>{t("calculator.frequencyLegend")}</legend>
            <FieldErrors id={fields.frequency.errorId} errors={fields.frequency.errors} t={t} />
            {PLAN_FREQUENCIES.map((f) => {
              const id = `${fields.frequency.id}-${f}`;
              return (
                <div className="choice" key={f}>
                  <input
                    {...getInputProps(fields.frequency, { type: "radio", value: f, ariaAttributes: false })}
                    id={id}
                    key={`${fields.frequency.key}-${f}`}
                  />
                  <label htmlFor={id}>{t(`calculator.frequency_${f}`)}</label>
                </div>
              );
            })}
          </fieldset>

          <div className={`field ${fields.firstDueDate.errors?.length ? "field-error" : ""}`}>
            <label htmlFor={fields.firstDueDate.id}>{t("calculator.firstDateLabel")}</label>
            <p className="hint" id={dateHintId}>
              {t("calculator.firstDateHint", { latest: formatCalendarDate(page.latest, i18n.language) })}
            </p>
            <FieldErrors id={fields.firstDueDate.errorId} errors={fields.firstDueDate.errors} t={t} />
            <input
              {...getInputProps(fields.firstDueDate, {
                type: "date",
                ariaDescribedBy: [
                  dateHintId,
                  fields.firstDueDate.errors?.length ? fields.firstDueDate.errorId : "",
                ]
                  .filter(Boolean)
                  .join(" "),
              })}
              key={fields.firstDueDate.key}
              min={page.today}
              max={page.latest}
              className="w-date"
            />
          </div>

          <button type="submit" name="intent" value="preview" className="button secondary">
            {t("calculator.preview")}
          </button>
        </Form>
      </section>

      {preview ? (
        <section className="card" aria-labelledby="preview-title">
          <h2 id="preview-title">{t("calculator.previewHeading")}</h2>
          <p>
            {t("calculator.previewSummary", {
              n: preview.count,
              frequency: t(`calculator.frequencyText_${preview.frequency}`),
              amount: money(preview.totalMinor),
            })}
          </p>
          <InstalmentTable instalments={preview.instalments} currency={page.currency} />
          {preview.autoApprove ? (
            <p className="notice">{t("calculator.fitsPolicy")}</p>
          ) : (
            <div className="notice">
              <p>{t("calculator.needsReview")}</p>
              <ul>
                {preview.reasons.map((r) => (
                  <li key={r}>{t(`reasons.${r}`, policyVars)}</li>
                ))}
              </ul>
              <p>{t("calculator.reviewAfter")}</p>
            </div>
          )}
          <p className="hint">{t("calculator.changeHint")}</p>
          {/* The exact terms shown above, so what is submitted is what was previewed. */}
          <Form method="post">
            <input type="hidden" name="count" value={String(preview.count)} />
            <input type="hidden" name="frequency" value={preview.frequency} />
            <input type="hidden" name="firstDueDate" value={preview.firstDueDate} />
            <button type="submit" name="intent" value="submit" className="button primary">
              {t("calculator.submit")}
            </button>
          </Form>
        </section>
      ) : null}

      <p>
        <Link to="/account">{t("calculator.back")}</Link>
      </p>
    </>
  );
}
