import type { ReactNode } from "react";
import { Form } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import {
  CAP_FIELDS,
  CASE_SLA_FIELDS,
  PLAN_FIELDS,
  ESCALATIONS,
  FORM_LEVEL,
  STAGE_IDS,
  stageField,
  TONES,
  type PolicyFieldErrors,
  type PolicyFormValues,
} from "../policy-form";
import { EscalationSection, StageChannels } from "./PolicyChannelFields";
import { describedBy, idOf, Problems, Select, TextInput, type FieldProps } from "./PolicyFields";

/**
 * The contact-policy form: one fieldset per stage (with its channels), then escalation, quiet hours, caps,
 * pauses and the jurisdiction profiles (JSON). Errors sit beside their field
 * (aria-describedby); a summary at the top says how many there are.
 */
export function PolicyEditorForm({
  values,
  errors,
  baseVersion,
  intent = "save",
  submitLabel,
  lockedJurisdictions = false,
  children,
}: {
  values: PolicyFormValues;
  errors: PolicyFieldErrors;
  baseVersion: number;
  /** The same form starts a strategy experiment's challenger (app/routes/staff.experiments.tsx). */
  intent?: string;
  submitLabel?: string;
  /** A challenger runs under the champion's profiles (§4.21): shown as fixed, sent back unchanged. */
  lockedJurisdictions?: boolean;
  /** Fields of the caller's own, shown above the policy's. */
  children?: ReactNode;
}) {
  const { t } = useTranslation("console");
  const problemCount = Object.values(errors).reduce((n, list) => n + list.length, 0);
  const field = { values, errors };
  return (
    <Form method="post" className="policy-form" noValidate>
      <input type="hidden" name="intent" value={intent} />
      <input type="hidden" name="baseVersion" value={baseVersion} />
      {problemCount ? (
        <div className="notice notice-error" role="alert" id="policy-problems">
          <p>{t("policy.notSaved", { count: problemCount })}</p>
          <Problems id={`${idOf(FORM_LEVEL)}-error`} problems={errors[FORM_LEVEL]} />
        </div>
      ) : null}
      {children}

      <StagesSection {...field} />
      <EscalationSection {...field} />
      <QuietHoursSection {...field} />
      <CapsSection {...field} />
      <PausesSection {...field} />
      <NumbersSection section="cases" {...field} />
      <NumbersSection section="plans" {...field} />
      {lockedJurisdictions ? (
        <section className="card" aria-labelledby="policy-jurisdictions">
          <h2 id="policy-jurisdictions">{t("policy.jurisdictions")}</h2>
          <p className="hint">{t("experiments.jurisdictionsLocked")}</p>
          <input type="hidden" name="jurisdictions" value={values.jurisdictions ?? ""} />
        </section>
      ) : (
        <JurisdictionsSection {...field} />
      )}

      <button type="submit" className="button primary">
        {submitLabel ?? t("policy.save")}
      </button>
    </Form>
  );
}

/** The form's values and the problems found in them, which every section reads. */
type SectionProps = Pick<FieldProps, "values" | "errors">;

/** One fieldset per stage of the reminder ladder. */
function StagesSection(field: SectionProps) {
  const { t } = useTranslation("console");
  return (
    <section className="card" aria-labelledby="policy-stages">
      <h2 id="policy-stages">{t("policy.stages")}</h2>
      <p className="hint">{t("policy.stagesHint")}</p>
      <Problems id={`${idOf("stages")}-error`} problems={field.errors.stages} />
      <div className="policy-stages">
        {STAGE_IDS.map((id) => (
          <StageFieldset key={id} id={id} {...field} />
        ))}
      </div>
    </section>
  );
}

function StageFieldset({ id, ...field }: SectionProps & { id: (typeof STAGE_IDS)[number] }) {
  const { t } = useTranslation("console");
  return (
    <fieldset className="policy-stage">
      <legend>{t(`policy.stageNames.${id}`)}</legend>
      <div className="field checkbox-field">
        <input
          type="checkbox"
          id={idOf(stageField(id, "enabled"))}
          name={stageField(id, "enabled")}
          defaultChecked={field.values[stageField(id, "enabled")] === "on"}
        />
        <label htmlFor={idOf(stageField(id, "enabled"))}>{t("policy.useStage")}</label>
      </div>
      <div className="policy-grid">
        <TextInput {...field} name={stageField(id, "fromDpd")} label={t("policy.fromDpd")} inputMode="text" />
        <TextInput {...field} name={stageField(id, "toDpd")} label={t("policy.toDpd")} inputMode="text" />
        <TextInput {...field} name={stageField(id, "everyDays")} label={t("policy.everyDays")} />
        <Select
          {...field}
          name={stageField(id, "tone")}
          label={t("policy.tone")}
          options={TONES.map((tone) => ({ value: tone, label: t(`policy.tones.${tone}`) }))}
        />
        <Select
          {...field}
          name={stageField(id, "escalation")}
          label={t("policy.escalation")}
          options={ESCALATIONS.map((e) => ({ value: e, label: t(`policy.escalations.${e}`) }))}
        />
        <TextInput
          {...field}
          name={stageField(id, "variants")}
          label={t("policy.variants")}
          hint={t("policy.variantsHint")}
          inputMode="text"
        />
      </div>
      <StageChannels id={id} {...field} />
    </fieldset>
  );
}

function QuietHoursSection(field: SectionProps) {
  const { t } = useTranslation("console");
  return (
    <section className="card" aria-labelledby="policy-hours">
      <h2 id="policy-hours">{t("policy.quietHours")}</h2>
      <p className="hint">{t("policy.quietHoursHint")}</p>
      <div className="policy-grid">
        <TextInput
          {...field}
          name="window.start"
          label={t("policy.windowStart")}
          hint={t("policy.clockHint")}
          inputMode="text"
        />
        <TextInput
          {...field}
          name="window.end"
          label={t("policy.windowEnd")}
          hint={t("policy.clockHint")}
          inputMode="text"
        />
      </div>
    </section>
  );
}

function CapsSection(field: SectionProps) {
  const { t } = useTranslation("console");
  return (
    <section className="card" aria-labelledby="policy-caps">
      <h2 id="policy-caps">{t("policy.caps")}</h2>
      <div className="policy-grid">
        {CAP_FIELDS.map((cap) => (
          <TextInput
            key={cap}
            {...field}
            name={`caps.${cap}`}
            label={t(`policy.capNames.${cap}`)}
            inputMode={cap === "minHoursBetweenReminders" ? "decimal" : "numeric"}
            hint={cap === "connectedCallsPerDay" ? t("policy.connectedCallsHint") : undefined}
          />
        ))}
      </div>
    </section>
  );
}

function PausesSection(field: SectionProps) {
  const { t } = useTranslation("console");
  return (
    <section className="card" aria-labelledby="policy-pauses">
      <h2 id="policy-pauses">{t("policy.pauses")}</h2>
      <div className="policy-grid">
        <TextInput
          {...field}
          name="promiseGraceDays"
          label={t("policy.promiseGraceDays")}
          hint={t("policy.promiseGraceHint")}
        />
        <TextInput
          {...field}
          name="hardshipPauseDays"
          label={t("policy.hardshipPauseDays")}
          hint={t("policy.hardshipPauseHint")}
        />
        <TextInput
          {...field}
          name="sendTimeExplorationPercent"
          label={t("policy.sendTimeExplorationPercent")}
          hint={t("policy.sendTimeHint")}
        />
      </div>
    </section>
  );
}

/**
 * A section of whole numbers: how soon cases must be acknowledged, answered and reviewed (the dashboard shows
 * breaches), or the plans the portal approves by itself.
 */
const NUMBER_SECTIONS = {
  cases: { fields: CASE_SLA_FIELDS, labels: "policy.caseSla", hint: null },
  plans: { fields: PLAN_FIELDS, labels: "policy.planLimits", hint: "policy.plansHint" },
} as const;

function NumbersSection({ section, ...field }: SectionProps & { section: keyof typeof NUMBER_SECTIONS }) {
  const { t } = useTranslation("console");
  const { fields, labels, hint } = NUMBER_SECTIONS[section];
  return (
    <section className="card" aria-labelledby={`policy-${section}`}>
      <h2 id={`policy-${section}`}>{t(`policy.${section}`)}</h2>
      {hint ? <p className="hint">{t(hint)}</p> : null}
      <div className="policy-grid">
        {fields.map((name) => (
          <TextInput
            key={name}
            {...field}
            name={`${section}.${name}`}
            label={t(`${labels}.${name}`)}
            inputMode="numeric"
          />
        ))}
      </div>
    </section>
  );
}

/** The jurisdiction profiles, edited as JSON. */
function JurisdictionsSection({ values, errors }: SectionProps) {
  const { t } = useTranslation("console");
  return (
    <section className="card" aria-labelledby="policy-jurisdictions">
      <h2 id="policy-jurisdictions">{t("policy.jurisdictions")}</h2>
      <div className={`field ${errors.jurisdictions?.length ? "field-error" : ""}`}>
        <label htmlFor={idOf("jurisdictions")}>{t("policy.jurisdictionsLabel")}</label>
        <p className="hint" id={`${idOf("jurisdictions")}-hint`}>
          {t("policy.jurisdictionsHint")}
        </p>
        <Problems id={`${idOf("jurisdictions")}-error`} problems={errors.jurisdictions} />
        <textarea
          id={idOf("jurisdictions")}
          name="jurisdictions"
          className="code-input"
          rows={18}
          defaultValue={values.jurisdictions ?? ""}
          aria-invalid={Boolean(errors.jurisdictions?.length) || undefined}
          aria-describedby={describedBy("jurisdictions", errors, "hint")}
          spellCheck={false}
        />
      </div>
    </section>
  );
}
