import { getInputProps, type FieldMetadata } from "@conform-to/react";
import { useTranslation } from "react-i18next";

/**
 * A labelled text input with hint and error, wired for screen readers
 * (aria-invalid, aria-describedby). Errors are translation keys set by the zod schemas.
 */
export function TextField({
  field,
  label,
  hint,
  inputMode,
  autoComplete,
  className,
  maxLength,
}: {
  field: FieldMetadata<string | number | undefined>;
  label: string;
  hint?: string;
  inputMode?: "numeric" | "text" | "decimal";
  autoComplete?: string;
  className?: string;
  maxLength?: number;
}) {
  const { t } = useTranslation("portal");
  const hintId = hint ? `${field.id}-hint` : undefined;
  return (
    <div className={`field ${className ?? ""} ${field.errors?.length ? "field-error" : ""}`}>
      <label htmlFor={field.id}>{label}</label>
      {hint ? (
        <p className="hint" id={hintId}>
          {hint}
        </p>
      ) : null}
      <FieldErrors id={field.errorId} errors={field.errors} t={t} />
      <input
        {...getInputProps(field, { type: "text", ariaDescribedBy: describedBy(field, hintId) })}
        key={field.key}
        inputMode={inputMode}
        autoComplete={autoComplete}
        maxLength={maxLength}
        spellCheck={false}
      />
    </div>
  );
}

export function FieldErrors({
  id,
  errors,
  t,
}: {
  id: string;
  errors?: string[];
  t: (key: string) => string;
}) {
  if (!errors?.length) return null;
  return (
    <p className="error-message" id={id}>
      {errors.map((e) => t(e)).join(" ")}
    </p>
  );
}

/** A field's aria-describedby: its hint, and its errors while it has any. */
export function describedBy(field: { errors?: string[]; errorId: string }, hintId?: string) {
  return [hintId, field.errors?.length ? field.errorId : undefined].filter(Boolean).join(" ") || undefined;
}
