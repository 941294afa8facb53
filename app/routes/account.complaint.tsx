import { getFormProps, useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import {
  COMPLAINT_CATEGORIES,
  COMPLAINT_TEXT_MAX,
  complaintSchema,
  type ComplaintFields,
} from "~/borrower/action-forms";
import { requireBorrowerSession } from "~/borrower/session.server";
import { fileComplaint } from "~/borrower/complaints.server";
import { ActionPage, FormProblem } from "~/ui/ActionPage";
import { ChoiceGroup, TextAreaField } from "~/ui/choice-fields";

const noStore = { "Cache-Control": "no-store" };

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireBorrowerSession(context.db, request);
  return data(null, { headers: noStore });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const session = await requireBorrowerSession(context.db, request);
  const submission = parseWithZod(await request.formData(), { schema: complaintSchema });
  if (submission.status !== "success")
    return data({ result: submission.reply() }, { status: 400, headers: noStore });
  await fileComplaint(context.db, session, submission.value);
  return redirect("/account/done/complaint", { status: 303, headers: noStore });
}

export default function ComplaintPage() {
  const actionData = useActionData<typeof action>();
  const { t } = useTranslation("actions");
  const [form, fields] = useForm<ComplaintFields>({
    lastResult: actionData?.result,
    shouldValidate: "onSubmit",
  });
  return (
    <ActionPage id="complaint" title={t("complaint.title")} intro={t("complaint.intro")}>
      <Form method="post" {...getFormProps(form)} noValidate>
        <FormProblem id={form.errorId} errors={form.errors} />
        <ChoiceGroup
          field={fields.category}
          type="radio"
          legend={t("complaint.category")}
          choices={COMPLAINT_CATEGORIES.map((c) => ({ value: c, label: t(`complaint.categories.${c}`) }))}
        />
        <TextAreaField
          field={fields.text}
          label={t("complaint.text")}
          hint={t("complaint.textHint", { max: COMPLAINT_TEXT_MAX })}
          rows={8}
        />
        <p className="hint">{t("complaint.whatHappens")}</p>
        <button type="submit" className="button primary">
          {t("complaint.submit")}
        </button>
      </Form>
    </ActionPage>
  );
}
