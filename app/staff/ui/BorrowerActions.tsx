import { getFormProps, useForm, type SubmissionResult } from "@conform-to/react";
import { Form } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import type { BorrowerPageView } from "../borrower-page.server";
import { CALL_OUTCOMES, CALL_OVERRIDE_MAX, NOTE_MAX, PHONE_OWNERS } from "../borrower-forms";
import { StaffErrors, StaffSelect, StaffTextArea } from "./fields";

/** What the borrower page's action returned for the form that posted. */
export interface BorrowerActionReply {
  intent: string | null;
  target: string | null;
  result: SubmissionResult<string[]>;
}

export const replyFor = (
  reply: BorrowerActionReply | undefined,
  intent: string,
  target: string | null = null,
) => (reply && reply.intent === intent && reply.target === target ? reply.result : undefined);

export function FormProblem({ id, errors }: { id: string; errors?: string[] }) {
  return <StaffErrors id={id} errors={errors} />;
}

export function NoteForm({ reply }: { reply?: BorrowerActionReply }) {
  const { t } = useTranslation("staff");
  const [form, fields] = useForm<{ body: string }>({
    id: "note-form",
    lastResult: replyFor(reply, "add_note"),
    shouldValidate: "onSubmit",
  });
  return (
    <Form method="post" {...getFormProps(form)} noValidate>
      <input type="hidden" name="intent" value="add_note" />
      <FormProblem id={form.errorId} errors={form.errors} />
      <StaffTextArea
        field={fields.body}
        label={t("actions.noteLabel")}
        hint={t("actions.noteHint", { max: NOTE_MAX })}
        rows={4}
        maxLength={NOTE_MAX}
      />
      <button type="submit" className="button primary">
        {t("actions.addNote")}
      </button>
    </Form>
  );
}

export function CallForm({
  reply,
  accounts,
}: {
  reply?: BorrowerActionReply;
  accounts: BorrowerPageView["accounts"];
}) {
  const { t } = useTranslation("staff");
  const [form, fields] = useForm<{
    accountId: string;
    outcome: string;
    overrideReason: string;
    phoneOwner: string;
  }>({
    id: "call-form",
    lastResult: replyFor(reply, "log_call"),
    shouldValidate: "onSubmit",
  });
  return (
    <Form method="post" {...getFormProps(form)} noValidate>
      <input type="hidden" name="intent" value="log_call" />
      <FormProblem id={form.errorId} errors={form.errors} />
      <StaffSelect
        field={fields.accountId}
        label={t("actions.callAccount")}
        placeholder={t("actions.noAccount")}
        options={accounts.map((a) => ({
          value: a.id,
          label: `${t(`products.${a.product}`)} · ${t("common.accountEnding", { last4: a.last4 })}`,
        }))}
      />
      <StaffSelect
        field={fields.outcome}
        label={t("actions.callOutcome")}
        placeholder={t("actions.choose")}
        options={CALL_OUTCOMES.map((o) => ({ value: o, label: t(`callOutcomes.${o}`) }))}
      />
      <StaffSelect
        field={fields.phoneOwner}
        label={t("visits.callPhoneOwner")}
        placeholder={t("visits.phoneOwnerUnchanged")}
        options={PHONE_OWNERS.map((o) => ({ value: o, label: t(`phoneOwners.${o}`) }))}
      />
      <StaffTextArea
        field={fields.overrideReason}
        label={t("actions.callOverrideReason")}
        hint={t("actions.callOverrideHint")}
        rows={2}
        maxLength={CALL_OVERRIDE_MAX}
      />
      <button type="submit" className="button primary">
        {t("actions.logCall")}
      </button>
    </Form>
  );
}

export function ResolveTaskForm({ reply, taskId }: { reply?: BorrowerActionReply; taskId: string }) {
  const { t } = useTranslation("staff");
  const [form, fields] = useForm<{ outcome: string }>({
    id: `task-${taskId}`,
    lastResult: replyFor(reply, "resolve_task", taskId),
    shouldValidate: "onSubmit",
  });
  return (
    <Form method="post" {...getFormProps(form)} noValidate className="inline-form">
      <input type="hidden" name="intent" value="resolve_task" />
      <input type="hidden" name="taskId" value={taskId} />
      <FormProblem id={form.errorId} errors={form.errors} />
      <StaffTextArea field={fields.outcome} label={t("actions.taskOutcome")} rows={2} maxLength={NOTE_MAX} />
      <button type="submit" className="button secondary">
        {t("actions.resolveTask")}
      </button>
    </Form>
  );
}

/** Set or clear the wrong-number / dispute flag on one account (the schedule suppresses texts while set). */
export function FlagForm({
  reply,
  accountId,
  flag,
  on,
  label,
}: {
  reply?: BorrowerActionReply;
  accountId: string;
  flag: "wrong_number" | "dispute";
  on: boolean;
  label: string;
}) {
  const intent = `${on ? "clear" : "set"}_${flag}`;
  const result = replyFor(reply, intent, accountId);
  const errorId = `flag-${flag}-${accountId}-error`;
  const errors = result?.error?.[""] ?? undefined;
  return (
    <Form method="post" className="inline-form">
      <input type="hidden" name="intent" value={intent} />
      <input type="hidden" name="accountId" value={accountId} />
      <StaffErrors id={errorId} errors={errors ?? undefined} />
      <button
        type="submit"
        className="button secondary small"
        aria-describedby={errors ? errorId : undefined}
      >
        {label}
      </button>
    </Form>
  );
}
