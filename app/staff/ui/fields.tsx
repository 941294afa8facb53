import { getInputProps, getSelectProps, getTextareaProps, type FieldMetadata } from "@conform-to/react";
import { useTranslation } from "react-i18next";
import { describedBy } from "../../ui/form";

/**
 * Labelled inputs for the staff console, wired for screen readers
 * (aria-invalid, aria-describedby). Errors are "staff" translation keys.
 */
type Field = FieldMetadata<string | undefined>;

export function StaffErrors({ id, errors }: { id: string; errors?: string[] }) {
  const { t } = useTranslation("staff");
  if (!errors?.length) return null;
  return (
    <p className="error-message" id={id} role="alert">
      {errors.map((e) => t(e)).join(" ")}
    </p>
  );
}

export function StaffInput({
  field,
  label,
  hint,
  type = "text",
  autoComplete,
  inputMode,
  className,
}: {
  field: Field;
  label: string;
  hint?: string;
  type?: "text" | "password" | "email" | "search" | "date";
  autoComplete?: string;
  inputMode?: "numeric" | "text" | "email";
  className?: string;
}) {
  const hintId = hint ? `${field.id}-hint` : undefined;
  return (
    <div className={`field ${className ?? ""} ${field.errors?.length ? "field-error" : ""}`}>
      <label htmlFor={field.id}>{label}</label>
      {hint ? (
        <p className="hint" id={hintId}>
          {hint}
        </p>
      ) : null}
      <StaffErrors id={field.errorId} errors={field.errors} />
      <input
        {...getInputProps(field, { type, ariaDescribedBy: describedBy(field, hintId) })}
        key={field.key}
        autoComplete={autoComplete}
        inputMode={inputMode}
        spellCheck={false}
      />
    </div>
  );
}

export function StaffTextArea({
  field,
  label,
  hint,
  rows = 4,
  maxLength,
}: {
  field: Field;
  label: string;
  hint?: string;
  rows?: number;
  maxLength?: number;
}) {
  const hintId = hint ? `${field.id}-hint` : undefined;
  return (
    <div className={`field ${field.errors?.length ? "field-error" : ""}`}>
      <label htmlFor={field.id}>{label}</label>
      {hint ? (
        <p className="hint" id={hintId}>
          {hint}
        </p>
      ) : null}
      <StaffErrors id={field.errorId} errors={field.errors} />
      <textarea
        {...getTextareaProps(field, { ariaDescribedBy: describedBy(field, hintId) })}
        key={field.key}
        rows={rows}
        maxLength={maxLength}
      />
    </div>
  );
}

export function StaffSelect({
  field,
  label,
  options,
  placeholder,
}: {
  field: Field;
  label: string;
  options: Array<{ value: string; label: string }>;
  placeholder?: string;
}) {
  return (
    <div className={`field ${field.errors?.length ? "field-error" : ""}`}>
      <label htmlFor={field.id}>{label}</label>
      <StaffErrors id={field.errorId} errors={field.errors} />
      <select {...getSelectProps(field, { ariaDescribedBy: describedBy(field) })} key={field.key}>
        {placeholder !== undefined ? <option value="">{placeholder}</option> : null}
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}
