import { getFormProps, useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { formatCalendarDate, formatMoney } from "~/domain/money";
import { promiseSchema, type PromiseFields } from "~/borrower/action-forms";
import { requireBorrowerSession } from "~/borrower/session.server";
import { makePromise, promisePageFacts } from "~/borrower/promises.server";
import { ActionPage, FormProblem } from "~/ui/ActionPage";
import { SelectField } from "~/ui/choice-fields";
import { TextField } from "~/ui/form";

const noStore = { "Cache-Control": "no-store" };

export async function loader({ request, context }: LoaderFunctionArgs) {
  const session = await requireBorrowerSession(context.db, request);
  return data(await promisePageFacts(context.db, session), { headers: noStore });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const session = await requireBorrowerSession(context.db, request);
  const facts = await promisePageFacts(context.db, session);
  const submission = parseWithZod(await request.formData(), { schema: promiseSchema(facts) });
  if (submission.status !== "success")
    return data({ result: submission.reply() }, { status: 400, headers: noStore });
  const outcome = await makePromise(context.db, session, {
    amountMinor: submission.value.amount,
    promisedDate: submission.value.promisedDate,
  });
  if (outcome.status === "already_active") {
    return data(
      { result: submission.reply({ formErrors: ["actions:promise.alreadyActive"] }) },
      { status: 409, headers: noStore },
    );
  }
  return redirect("/account/done/promise", { status: 303, headers: noStore });
}

function dayWithWeekday(iso: string, locale: string) {
  const [y, m, d] = iso.split("-").map(Number);
  return new Intl.DateTimeFormat(locale, {
    weekday: "long",
    year: "numeric",
    month: "long",
    day: "numeric",
    timeZone: "UTC",
  }).format(new Date(Date.UTC(y!, m! - 1, d!)));
}

export default function PromisePage() {
  const facts = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const { t, i18n } = useTranslation("actions");
  const money = (minor: number) => formatMoney({ minor, currency: facts.currency }, i18n.language);
  const [form, fields] = useForm<PromiseFields>({
    lastResult: actionData?.result,
    shouldValidate: "onSubmit",
  });

  if (facts.activePromise) {
    return (
      <ActionPage id="promise" title={t("promise.title")}>
        <p className="notice">
          {t("promise.existing", {
            amount: money(facts.activePromise.amountMinor),
            date: formatCalendarDate(facts.activePromise.promisedDate, i18n.language),
          })}
        </p>
      </ActionPage>
    );
  }
  if (facts.balanceMinor <= 0) {
    return (
      <ActionPage id="promise" title={t("promise.title")}>
        <p className="notice">{t("promise.nothingOwed")}</p>
      </ActionPage>
    );
  }
  return (
    <ActionPage id="promise" title={t("promise.title")} intro={t("promise.intro")}>
      <Form method="post" {...getFormProps(form)} noValidate>
        <FormProblem id={form.errorId} errors={form.errors} />
        <TextField
          field={fields.amount}
          label={t("promise.amount")}
          hint={t("promise.amountHint", {
            overdue: money(facts.overdueMinor),
            balance: money(facts.balanceMinor),
          })}
          inputMode="decimal"
          autoComplete="off"
          className="w-amount"
        />
        <SelectField
          field={fields.promisedDate}
          label={t("promise.date")}
          hint={t("promise.dateHint")}
          placeholder={t("promise.datePlaceholder")}
          options={facts.dateOptions.map((d) => ({ value: d, label: dayWithWeekday(d, i18n.language) }))}
        />
        <p className="hint">{t("promise.whatHappens")}</p>
        <button type="submit" className="button primary">
          {t("promise.submit")}
        </button>
      </Form>
    </ActionPage>
  );
}
