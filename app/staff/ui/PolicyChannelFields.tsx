import { useTranslation } from "react-i18next";
import { CHANNELS, type StageId } from "../../domain/contact-policy";
import {
  CHANNEL_PLACES,
  channelField,
  ESCALATION_COUNT_FIELDS,
  listedField,
  WHEN_REFUSED,
} from "../policy-channels-form";
import { Select, TextInput, type FieldProps } from "./PolicyFields";

/**
 * The policy editor's channels and escalation (docs/product-rules.md §4.15): a select per place in a
 * stage's order, which works without JavaScript, and when the schedule moves on to the next channel.
 */
type SectionProps = Pick<FieldProps, "values" | "errors">;

/** A stage's channels in the order the schedule tries them; blank places are skipped. */
export function StageChannels({ id, ...field }: SectionProps & { id: StageId }) {
  const { t } = useTranslation("console");
  const options = [
    { value: "", label: t("policy.noChannel") },
    ...CHANNELS.map((c) => ({ value: c, label: t(`policy.channelNames.${c}`) })),
  ];
  return (
    <fieldset>
      <legend>{t("policy.channels")}</legend>
      {field.values[listedField(id)] === "1" ? (
        <input type="hidden" name={listedField(id)} value="1" />
      ) : null}
      <div className="policy-grid">
        {CHANNEL_PLACES.map((place) => (
          <Select
            key={place}
            {...field}
            name={channelField(id, place)}
            label={t("policy.channelPlace", { place })}
            options={options}
          />
        ))}
      </div>
    </fieldset>
  );
}

/** When a stage's next channel is tried: a refused channel, texts that do not arrive, or are ignored. */
export function EscalationSection(field: SectionProps) {
  const { t } = useTranslation("console");
  return (
    <section className="card" aria-labelledby="policy-escalation">
      <h2 id="policy-escalation">{t("policy.escalationPolicy")}</h2>
      <p className="hint">{t("policy.escalationHint")}</p>
      <div className="policy-grid">
        <Select
          {...field}
          name="escalation.whenRefused"
          label={t("policy.whenRefused")}
          options={WHEN_REFUSED.map((w) => ({ value: w, label: t(`policy.whenRefusedOptions.${w}`) }))}
        />
        {ESCALATION_COUNT_FIELDS.map((name) => (
          <TextInput
            key={name}
            {...field}
            name={`escalation.${name}`}
            label={t(`policy.escalationCounts.${name}`)}
            hint={t(`policy.escalationCountHints.${name}`)}
          />
        ))}
      </div>
    </section>
  );
}
