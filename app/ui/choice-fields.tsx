import {
  getCollectionProps,
  getFieldsetProps,
  getSelectProps,
  getTextareaProps,
  type FieldMetadata,
} from "@conform-to/react";
import { useTranslation } from "react-i18next";
import { FieldErrors } from "./form";

/**
 * Form controls beside TextField (app/ui/form.tsx) for the borrower actions:
 * select, textarea, and radio/checkbox groups in a fieldset with a legend.
 * Errors are translation keys; each control points at its hint and error with
 * aria-describedby. Radio and checkbox rows are whole-label 44px targets.
 */

function describedBy(...ids: Array<string | false | undefined>) {
  return ids.filter(Boolean).join(" ") || undefined;
}

export interface Choice {
  value: string;
  label: string;
  hint?: string;
  lang?: string;
}

export function SelectField({
  field,
  label,
  hint,
  options,
  groups,
  placeholder,
  className,
}: {
  field: FieldMetadata<string | undefined>;
  label: string;
  hint?: string;
  options?: Choice[];
  groups?: Array<{ label: string; options: Choice[] }>;
  /** A first, empty option (e.g. "No preference"). */
  placeholder?: string;
  className?: string;
}) {
  const { t } = useTranslation("actions");
  const hintId = hint ? `${field.id}-hint` : undefined;
  const invalid = Boolean(field.errors?.length);
  const option = (o: Choice) => (
    <option key={o.value} value={o.value} lang={o.lang}>
      {o.label}
    </option>
  );
  return (
    <div className={`field ${className ?? ""} ${invalid ? "field-error" : ""}`}>
      <label htmlFor={field.id}>{label}</label>
      {hint ? (
        <p className="hint" id={hintId}>
          {hint}
        </p>
      ) : null}
      <FieldErrors id={field.errorId} errors={field.errors} t={t} />
      <select
        {...getSelectProps(field)}
        key={field.key}
        aria-describedby={describedBy(hintId, invalid && field.errorId)}
      >
        {placeholder !== undefined ? <option value="">{placeholder}</option> : null}
        {options?.map(option)}
        {groups?.map((g) => (
          <optgroup key={g.label} label={g.label}>
            {g.options.map(option)}
          </optgroup>
        ))}
      </select>
    </div>
  );
}

/** No maxlength attribute: an over-long paste reaches the server and comes back with a clear error instead of being cut silently. */
export function TextAreaField({
  field,
  label,
  hint,
  rows = 5,
}: {
  field: FieldMetadata<string | undefined>;
  label: string;
  hint?: string;
  rows?: number;
}) {
  const { t } = useTranslation("actions");
  const hintId = hint ? `${field.id}-hint` : undefined;
  const invalid = Boolean(field.errors?.length);
  return (
    <div className={`field ${invalid ? "field-error" : ""}`}>
      <label htmlFor={field.id}>{label}</label>
      {hint ? (
        <p className="hint" id={hintId}>
          {hint}
        </p>
      ) : null}
      <FieldErrors id={field.errorId} errors={field.errors} t={t} />
      <textarea
        {...getTextareaProps(field)}
        key={field.key}
        rows={rows}
        aria-describedby={describedBy(hintId, invalid && field.errorId)}
      />
    </div>
  );
}

export function ChoiceGroup({
  field,
  type,
  legend,
  hint,
  choices,
}: {
  field: FieldMetadata<string | string[] | undefined>;
  type: "radio" | "checkbox";
  legend: string;
  hint?: string;
  choices: Choice[];
}) {
  const { t } = useTranslation("actions");
  const hintId = hint ? `${field.id}-hint` : undefined;
  const invalid = Boolean(field.errors?.length);
  const inputs = getCollectionProps(field, {
    type,
    options: choices.map((c) => c.value),
    ariaAttributes: false,
  });
  return (
    <fieldset
      {...getFieldsetProps(field, { ariaAttributes: false })}
      className={`choices ${invalid ? "field-error" : ""}`}
      aria-describedby={describedBy(hintId, invalid && field.errorId)}
    >
      <legend>{legend}</legend>
      {hint ? (
        <p className="hint" id={hintId}>
          {hint}
        </p>
      ) : null}
      <FieldErrors id={field.errorId} errors={field.errors} t={t} />
      {inputs.map((props, i) => {
        const choice = choices[i]!;
        const choiceHintId = choice.hint ? `${props.id}-hint` : undefined;
        return (
          <div className="choice" key={props.key ?? props.value}>
            <input {...props} key={props.key} aria-describedby={choiceHintId} />
            <div className="choice-text">
              <label htmlFor={props.id} lang={choice.lang}>
                {choice.label}
              </label>
              {choice.hint ? (
                <span className="hint choice-hint" id={choiceHintId}>
                  {choice.hint}
                </span>
              ) : null}
            </div>
          </div>
        );
      })}
    </fieldset>
  );
}
