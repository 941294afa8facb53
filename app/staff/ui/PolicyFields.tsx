import { useTranslation } from "react-i18next";
import type { PolicyFieldErrors, PolicyFormValues, PolicyProblem } from "../policy-form";

/**
 * The policy editor's labelled fields (app/staff/ui/PolicyEditorForm.tsx), wired for screen readers: each
 * field's problems sit beside it and are named by aria-describedby. Problems are "console" translation keys,
 * or parseContactPolicy's own (English) text with its path.
 */
export const idOf = (name: string) => `policy-${name.replace(/[^A-Za-z0-9_-]/g, "-")}`;

function ProblemText({ problem }: { problem: PolicyProblem }) {
  const { t } = useTranslation("console");
  if ("key" in problem) return <>{t(problem.key)}</>;
  return (
    <>
      {problem.path ? <code>{problem.path}</code> : null} <span lang="en">{problem.text}</span>
    </>
  );
}

export function Problems({ id, problems }: { id: string; problems?: PolicyProblem[] }) {
  if (!problems?.length) return null;
  return (
    <ul className="error-message error-list" id={id}>
      {problems.map((p, i) => (
        <li key={i}>
          <ProblemText problem={p} />
        </li>
      ))}
    </ul>
  );
}

export interface FieldProps {
  name: string;
  label: string;
  hint?: string;
  values: PolicyFormValues;
  errors: PolicyFieldErrors;
}

export function describedBy(name: string, errors: PolicyFieldErrors, hint?: string) {
  return (
    [hint ? `${idOf(name)}-hint` : null, errors[name]?.length ? `${idOf(name)}-error` : null]
      .filter(Boolean)
      .join(" ") || undefined
  );
}

export function TextInput({
  name,
  label,
  hint,
  values,
  errors,
  inputMode = "numeric",
  className,
}: FieldProps & { inputMode?: "numeric" | "text" | "decimal"; className?: string }) {
  const id = idOf(name);
  const invalid = Boolean(errors[name]?.length);
  return (
    <div className={`field ${className ?? ""} ${invalid ? "field-error" : ""}`}>
      <label htmlFor={id}>{label}</label>
      {hint ? (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
      <Problems id={`${id}-error`} problems={errors[name]} />
      <input
        id={id}
        name={name}
        type="text"
        inputMode={inputMode}
        defaultValue={values[name] ?? ""}
        aria-invalid={invalid || undefined}
        aria-describedby={describedBy(name, errors, hint)}
        spellCheck={false}
      />
    </div>
  );
}

export function Select({
  name,
  label,
  values,
  errors,
  options,
}: FieldProps & { options: Array<{ value: string; label: string }> }) {
  const id = idOf(name);
  const invalid = Boolean(errors[name]?.length);
  return (
    <div className={`field ${invalid ? "field-error" : ""}`}>
      <label htmlFor={id}>{label}</label>
      <Problems id={`${id}-error`} problems={errors[name]} />
      <select
        id={id}
        name={name}
        defaultValue={values[name] ?? ""}
        aria-invalid={invalid || undefined}
        aria-describedby={describedBy(name, errors)}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}
