import { getFormProps, useForm } from "@conform-to/react";
import { Form } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import type { PhoneOwner } from "../../../db/schema";
import { NOTE_MAX, PHONE_OWNERS, VISIT_OUTCOMES } from "../borrower-forms";
import { FormProblem, replyFor, type BorrowerActionReply } from "./BorrowerActions";
import { StaffSelect, StaffTextArea } from "./fields";

/**
 * The borrower page's visit parts (docs/product-rules.md §4.19, §4.20): a visit task's outcome with notes,
 * whose the phone number is, and the borrower's refusal of visits as staff record it.
 */
export function VisitOutcomeForm({ reply, taskId }: { reply?: BorrowerActionReply; taskId: string }) {
  const { t } = useTranslation("staff");
  const [form, fields] = useForm<{ outcome: string; notes: string }>({
    id: `visit-${taskId}`,
    lastResult: replyFor(reply, "log_visit", taskId),
    shouldValidate: "onSubmit",
  });
  return (
    <Form method="post" {...getFormProps(form)} noValidate className="inline-form">
      <input type="hidden" name="intent" value="log_visit" />
      <input type="hidden" name="taskId" value={taskId} />
      <FormProblem id={form.errorId} errors={form.errors} />
      <StaffSelect
        field={fields.outcome}
        label={t("visits.outcome")}
        placeholder={t("actions.choose")}
        options={VISIT_OUTCOMES.map((o) => ({ value: o, label: t(`visitOutcomes.${o}`) }))}
      />
      <StaffTextArea field={fields.notes} label={t("visits.notes")} rows={2} maxLength={NOTE_MAX} />
      <button type="submit" className="button secondary">
        {t("visits.log")}
      </button>
    </Form>
  );
}

export function ContactFactsForms({
  reply,
  phoneOwner,
  visitAllowed,
}: {
  reply?: BorrowerActionReply;
  phoneOwner: PhoneOwner;
  visitAllowed: boolean;
}) {
  const { t } = useTranslation("staff");
  const [form, fields] = useForm<{ phoneOwner: string }>({
    id: "phone-owner-form",
    lastResult: replyFor(reply, "set_phone_owner"),
    shouldValidate: "onSubmit",
    defaultValue: { phoneOwner },
  });
  const visits = visitAllowed ? "refuse_visits" : "allow_visits";
  return (
    <section className="card" aria-labelledby="contact-facts-title">
      <h2 id="contact-facts-title">{t("visits.title")}</h2>
      <Form method="post" {...getFormProps(form)} noValidate>
        <input type="hidden" name="intent" value="set_phone_owner" />
        <FormProblem id={form.errorId} errors={form.errors} />
        <StaffSelect
          field={fields.phoneOwner}
          label={t("visits.phoneOwner")}
          options={PHONE_OWNERS.map((o) => ({ value: o, label: t(`phoneOwners.${o}`) }))}
        />
        <p className="hint">{t("visits.phoneOwnerHint")}</p>
        <button type="submit" className="button secondary">
          {t("visits.savePhoneOwner")}
        </button>
      </Form>
      <Form method="post" className="inline-form">
        <input type="hidden" name="intent" value={visits} />
        <button type="submit" className="button secondary small">
          {t(`visits.${visits}`)}
        </button>
      </Form>
    </section>
  );
}
