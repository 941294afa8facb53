import { getFormProps, useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { formatSlotDay, formatSlotTimes, slotsByDay, timeZoneLabel } from "~/domain/appointment-slots";
import {
  APPOINTMENT_KINDS,
  APPOINTMENT_NOTE_MAX,
  appointmentSchema,
  type AppointmentFields,
} from "~/borrower/action-forms";
import { appointmentPageFacts, bookAppointment } from "~/borrower/appointments.server";
import { requireBorrowerSession } from "~/borrower/session.server";
import { ActionPage, FormProblem } from "~/ui/ActionPage";
import { ChoiceGroup, SelectField, TextAreaField } from "~/ui/choice-fields";

const noStore = { "Cache-Control": "no-store" };

export async function loader({ request, context }: LoaderFunctionArgs) {
  const session = await requireBorrowerSession(context.db, request);
  return data(await appointmentPageFacts(context.db, session), { headers: noStore });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const session = await requireBorrowerSession(context.db, request);
  const facts = await appointmentPageFacts(context.db, session);
  const schema = appointmentSchema({ slotStarts: new Set(facts.slots.map((s) => s.start)) });
  const submission = parseWithZod(await request.formData(), { schema });
  if (submission.status !== "success")
    return data({ result: submission.reply() }, { status: 400, headers: noStore });
  const { kind, slot, note } = submission.value;
  const outcome = await bookAppointment(context.db, session, { kind, slotStart: slot, note });
  if (outcome.status === "slot_unavailable") {
    // The hour passed between showing the page and submitting it.
    return data(
      { result: submission.reply({ fieldErrors: { slot: ["actions:errors.slotUnavailable"] } }) },
      { status: 409, headers: noStore },
    );
  }
  return redirect("/account/done/appointment", { status: 303, headers: noStore });
}

export default function AppointmentPage() {
  const { slots, timeZone } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const { t, i18n } = useTranslation("actions");
  const [form, fields] = useForm<AppointmentFields>({
    lastResult: actionData?.result,
    shouldValidate: "onSubmit",
  });
  const lang = i18n.language;
  const groups = slotsByDay(slots).map((day) => ({
    label: formatSlotDay(day.localDate, lang),
    options: day.slots.map((s) => ({
      value: s.start,
      label: `${formatSlotDay(day.localDate, lang)} ${formatSlotTimes(s, timeZone, lang)}`,
    })),
  }));
  const zoneName = slots[0] ? timeZoneLabel(slots[0].start, timeZone, lang) : timeZone;
  return (
    <ActionPage id="appointment" title={t("appointment.title")} intro={t("appointment.intro")}>
      <Form method="post" {...getFormProps(form)} noValidate>
        <FormProblem id={form.errorId} errors={form.errors} />
        <ChoiceGroup
          field={fields.kind}
          type="radio"
          legend={t("appointment.kind")}
          choices={APPOINTMENT_KINDS.map((k) => ({
            value: k,
            label: t(`appointment.kinds.${k}`),
            hint: t(`appointment.kindHints.${k}`),
          }))}
        />
        <SelectField
          field={fields.slot}
          label={t("appointment.slot")}
          hint={t("appointment.slotHint", { zone: zoneName })}
          placeholder={t("appointment.slotPlaceholder")}
          groups={groups}
        />
        <TextAreaField
          field={fields.note}
          label={t("appointment.note")}
          hint={t("appointment.noteHint", { max: APPOINTMENT_NOTE_MAX })}
          rows={3}
        />
        <button type="submit" className="button primary">
          {t("appointment.submit")}
        </button>
      </Form>
    </ActionPage>
  );
}
