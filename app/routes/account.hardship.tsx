import { getFormProps, useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import {
  HARDSHIP_DETAILS_MAX,
  HARDSHIP_HELP,
  HARDSHIP_REASONS,
  hardshipSchema,
  type HardshipFields,
} from "~/borrower/action-forms";
import { requireBorrowerSession } from "~/borrower/session.server";
import { reportHardship } from "~/borrower/hardship.server";
import { sessionAccount } from "~/borrower/action-scope.server";
import { ActionPage, FormProblem } from "~/ui/ActionPage";
import { ChoiceGroup, TextAreaField } from "~/ui/choice-fields";
import { TextField } from "~/ui/form";

const noStore = { "Cache-Control": "no-store" };

export async function loader({ request, context }: LoaderFunctionArgs) {
  const session = await requireBorrowerSession(context.db, request);
  const account = await sessionAccount(context.db, session);
  return data({ currency: account.currency }, { headers: noStore });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const session = await requireBorrowerSession(context.db, request);
  const account = await sessionAccount(context.db, session);
  const submission = parseWithZod(await request.formData(), {
    schema: hardshipSchema({ currency: account.currency }),
  });
  if (submission.status !== "success")
    return data({ result: submission.reply() }, { status: 400, headers: noStore });
  await reportHardship(context.db, session, submission.value);
  return redirect("/account/done/hardship", { status: 303, headers: noStore });
}

export default function HardshipPage() {
  const { currency } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const { t } = useTranslation("actions");
  const [form, fields] = useForm<HardshipFields>({
    lastResult: actionData?.result,
    shouldValidate: "onSubmit",
  });
  return (
    <ActionPage id="hardship" title={t("hardship.title")} intro={t("hardship.intro")}>
      <Form method="post" {...getFormProps(form)} noValidate>
        <FormProblem id={form.errorId} errors={form.errors} />
        <ChoiceGroup
          field={fields.reason}
          type="radio"
          legend={t("hardship.reason")}
          choices={HARDSHIP_REASONS.map((r) => ({ value: r, label: t(`hardship.reasons.${r}`) }))}
        />
        <TextAreaField
          field={fields.details}
          label={t("hardship.details")}
          hint={t("hardship.detailsHint", { max: HARDSHIP_DETAILS_MAX })}
          rows={6}
        />
        <fieldset className="money-pair">
          <legend>{t("hardship.moneyLegend")}</legend>
          <p className="hint">{t("hardship.moneyHint", { currency })}</p>
          <TextField
            field={fields.monthlyIncome}
            label={t("hardship.income")}
            inputMode="decimal"
            autoComplete="off"
            className="w-amount"
          />
          <TextField
            field={fields.monthlyExpenses}
            label={t("hardship.expenses")}
            inputMode="decimal"
            autoComplete="off"
            className="w-amount"
          />
        </fieldset>
        <ChoiceGroup
          field={fields.help}
          type="checkbox"
          legend={t("hardship.help")}
          hint={t("hardship.helpHint")}
          choices={HARDSHIP_HELP.map((h) => ({ value: h, label: t(`hardship.helpOptions.${h}`) }))}
        />
        <p className="hint">{t("hardship.whatHappens")}</p>
        <button type="submit" className="button primary">
          {t("hardship.submit")}
        </button>
      </Form>
    </ActionPage>
  );
}
