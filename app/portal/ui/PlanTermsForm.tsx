import { getFormProps, getInputProps, getSelectProps, type useForm } from "@conform-to/react";
import { Form } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { formatCalendarDate } from "../../domain/money";
import { PLAN_COUNT_MAX, PLAN_COUNT_MIN, PLAN_FREQUENCIES } from "../../domain/plan-terms";
import { describedBy, FieldErrors } from "../../ui/form";
import type { PlanFields } from "../plan-form";

const COUNTS = Array.from({ length: PLAN_COUNT_MAX - PLAN_COUNT_MIN + 1 }, (_, i) => PLAN_COUNT_MIN + i);

/**
 * The plan calculator's terms: how many instalments, how often, and the first date (from the borrower's
 * today to `latest`). Submitting only previews; the preview card submits the terms it shows.
 */
export function PlanTermsForm({
  form: [form, fields],
  today,
  latest,
}: {
  form: ReturnType<typeof useForm<PlanFields>>;
  today: string;
  latest: string;
}) {
  const { t, i18n } = useTranslation("plan");
  const dateHintId = `${fields.firstDueDate.id}-hint`;
  const frequencyLegendId = `${fields.frequency.id}-legend`;
  return (
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
          {t("calculator.firstDateHint", { latest: formatCalendarDate(latest, i18n.language) })}
        </p>
        <FieldErrors id={fields.firstDueDate.errorId} errors={fields.firstDueDate.errors} t={t} />
        <input
          {...getInputProps(fields.firstDueDate, {
            type: "date",
            ariaDescribedBy: describedBy(fields.firstDueDate, dateHintId),
          })}
          key={fields.firstDueDate.key}
          min={today}
          max={latest}
          className="w-date"
        />
      </div>

      <button type="submit" name="intent" value="preview" className="button secondary">
        {t("calculator.preview")}
      </button>
    </Form>
  );
}
