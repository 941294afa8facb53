import { describedBy } from "../../ui/form";
import { getFormProps, getInputProps, useForm, type SubmissionResult } from "@conform-to/react";
import { Form } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import type { PlanStatus } from "../../../db/schema";
import { PLAN_COUNT_MAX, PLAN_COUNT_MIN, PLAN_FREQUENCIES } from "../../domain/plan-terms";
import { REASON_MAX, type CounterFields, type DecisionIntent } from "../approval-forms";
import type { PolicyReasonView } from "../approvals.server";
import { StaffErrors, StaffInput, StaffSelect, StaffTextArea } from "./fields";

/** Why the automatic policy sent a plan to an approver. */
export function PolicyReasons({ reasons }: { reasons: PolicyReasonView[] }) {
  const { t } = useTranslation("console");
  if (reasons.length === 0) return <span>{t("approvals.reasons.none")}</span>;
  return (
    <ul className="reason-list">
      {reasons.map((r) => (
        <li key={r.code}>{t(`approvals.reasons.${r.code}`, r.values)}</li>
      ))}
    </ul>
  );
}

/** What the decision action answered for the form that posted. */
export interface DecisionReply {
  intent: DecisionIntent | null;
  result?: SubmissionResult<string[]>;
  /** A decision that could not be made: someone else decided first, four-eyes, or the date has passed. */
  outcome?: "conflict" | "own_counter_offer" | "own_proposal" | "first_date_passed";
  currentStatus?: PlanStatus | null;
}

const resultFor = (reply: DecisionReply | undefined, intent: DecisionIntent) =>
  reply?.intent === intent ? reply.result : undefined;

export function ApproveForm({ reply }: { reply?: DecisionReply }) {
  const { t } = useTranslation("console");
  const [form, fields] = useForm<{ reason: string }>({
    id: "approve-form",
    lastResult: resultFor(reply, "approve"),
    shouldValidate: "onSubmit",
  });
  return (
    <Form method="post" {...getFormProps(form)} noValidate>
      <input type="hidden" name="intent" value="approve" />
      <StaffErrors id={form.errorId} errors={form.errors} />
      <StaffTextArea
        field={fields.reason}
        label={t("approvals.form.noteLabel")}
        hint={t("approvals.form.noteHint")}
        rows={2}
        maxLength={REASON_MAX}
      />
      <button type="submit" className="button primary">
        {t("approvals.form.approve")}
      </button>
    </Form>
  );
}

export function RejectForm({ reply }: { reply?: DecisionReply }) {
  const { t } = useTranslation("console");
  const [form, fields] = useForm<{ reason: string }>({
    id: "reject-form",
    lastResult: resultFor(reply, "reject"),
    shouldValidate: "onSubmit",
  });
  return (
    <Form method="post" {...getFormProps(form)} noValidate>
      <input type="hidden" name="intent" value="reject" />
      <StaffErrors id={form.errorId} errors={form.errors} />
      <StaffTextArea
        field={fields.reason}
        label={t("approvals.form.reasonLabel")}
        hint={t("approvals.form.reasonHint")}
        rows={3}
        maxLength={REASON_MAX}
      />
      <button type="submit" className="button secondary">
        {t("approvals.form.reject")}
      </button>
    </Form>
  );
}

export function CounterForm({
  reply,
  defaults,
  currency,
}: {
  reply?: DecisionReply;
  defaults: { count: number; frequency: string; firstDueDate: string; latestFirstDate: string };
  currency: string;
}) {
  const { t } = useTranslation("console");
  const { t: ts } = useTranslation("staff");
  const [form, fields] = useForm<CounterFields>({
    id: "counter-form",
    lastResult: resultFor(reply, "counter"),
    shouldValidate: "onSubmit",
    defaultValue: {
      count: String(defaults.count),
      frequency: defaults.frequency,
      firstDueDate: defaults.firstDueDate,
    },
  });
  const counts = Array.from({ length: PLAN_COUNT_MAX - PLAN_COUNT_MIN + 1 }, (_, i) =>
    String(i + PLAN_COUNT_MIN),
  );
  const dateHintId = `${fields.firstDueDate.id}-hint`;
  return (
    <Form method="post" {...getFormProps(form)} noValidate>
      <input type="hidden" name="intent" value="counter" />
      <StaffErrors id={form.errorId} errors={form.errors} />
      <StaffSelect
        field={fields.count}
        label={t("approvals.form.count")}
        options={counts.map((n) => ({ value: n, label: n }))}
      />
      <StaffSelect
        field={fields.frequency}
        label={t("approvals.form.frequency")}
        options={PLAN_FREQUENCIES.map((f) => ({ value: f, label: ts(`frequency.${f}`) }))}
      />
      <div className={`field ${fields.firstDueDate.errors?.length ? "field-error" : ""}`}>
        <label htmlFor={fields.firstDueDate.id}>{t("approvals.form.firstDate")}</label>
        <p className="hint" id={dateHintId}>
          {t("approvals.form.firstDateHint", { latest: defaults.latestFirstDate })}
        </p>
        <StaffErrors id={fields.firstDueDate.errorId} errors={fields.firstDueDate.errors} />
        <input
          {...getInputProps(fields.firstDueDate, {
            type: "date",
            ariaDescribedBy: describedBy(fields.firstDueDate, dateHintId),
          })}
          key={fields.firstDueDate.key}
          max={defaults.latestFirstDate}
        />
      </div>
      <StaffInput
        field={fields.total}
        label={t("approvals.form.total", { currency })}
        hint={t("approvals.form.totalHint")}
        inputMode="text"
      />
      <StaffTextArea
        field={fields.reason}
        label={t("approvals.form.noteLabel")}
        hint={t("approvals.form.noteHint")}
        rows={2}
        maxLength={REASON_MAX}
      />
      <button type="submit" className="button secondary">
        {t("approvals.form.counter")}
      </button>
    </Form>
  );
}
