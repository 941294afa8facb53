import { getFormProps, type useForm } from "@conform-to/react";
import { Form } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import {
  MAX_PER_WEEK,
  PREFERENCE_LOCALES,
  windowTimeOptions,
  type CONTACT_CHANNELS,
  type PreferencesFields,
} from "../../borrower/action-forms";
import { LOCALE_NAMES } from "../../i18n/config";
import { FormProblem } from "../../ui/ActionPage";
import { ChoiceGroup, SelectField } from "../../ui/choice-fields";

/** Channels, the contact window, the language and the weekly maximum. */
export function PreferencesForm({
  form: [form, fields],
  channels,
  smsOptedOut,
}: {
  form: ReturnType<typeof useForm<PreferencesFields>>;
  /** The channels on offer (SMS only while the borrower has not opted out). */
  channels: ReadonlyArray<(typeof CONTACT_CHANNELS)[number]>;
  smsOptedOut: boolean;
}) {
  const { t } = useTranslation("actions");
  const times = windowTimeOptions().map((v) => ({ value: v, label: v }));
  return (
    <Form method="post" {...getFormProps(form)} noValidate>
      <FormProblem id={form.errorId} errors={form.errors} />
      <ChoiceGroup
        field={fields.channels}
        type="checkbox"
        legend={t("preferences.channels")}
        hint={smsOptedOut ? t("preferences.channelsHintOptedOut") : t("preferences.channelsHint")}
        choices={channels.map((c) => ({ value: c, label: t(`preferences.channelNames.${c}`) }))}
      />
      <ChoiceGroup
        field={fields.noVisits}
        type="checkbox"
        legend={t("preferences.visits")}
        hint={t("preferences.visitsHint")}
        choices={[{ value: "on", label: t("preferences.noVisits") }]}
      />
      <fieldset className="time-window">
        <legend>{t("preferences.window")}</legend>
        <p className="hint">{t("preferences.windowHint")}</p>
        <div className="time-pair">
          <SelectField
            field={fields.windowStart}
            label={t("preferences.windowStart")}
            placeholder={t("preferences.noPreference")}
            options={times}
          />
          <SelectField
            field={fields.windowEnd}
            label={t("preferences.windowEnd")}
            placeholder={t("preferences.noPreference")}
            options={times}
          />
        </div>
      </fieldset>
      <ChoiceGroup
        field={fields.language}
        type="radio"
        legend={t("preferences.language")}
        choices={PREFERENCE_LOCALES.map((l) => ({ value: l, label: LOCALE_NAMES[l], lang: l }))}
      />
      <SelectField
        field={fields.maxPerWeek}
        label={t("preferences.maxPerWeek")}
        hint={t("preferences.maxPerWeekHint")}
        placeholder={t("preferences.noPreference")}
        options={Array.from({ length: MAX_PER_WEEK }, (_, i) => ({
          value: String(i + 1),
          label: t("preferences.perWeek", { n: i + 1 }),
        }))}
      />
      <button type="submit" name="intent" value="save" className="button primary">
        {t("preferences.submit")}
      </button>
    </Form>
  );
}

/** Stop texts (what still reaches the borrower, and how to opt back in), or start them again. */
export function TextMessagesCard({ smsOptedOut, hotline }: { smsOptedOut: boolean; hotline?: string }) {
  const { t } = useTranslation("actions");
  return (
    <section className="card" aria-labelledby="texts-title">
      <h2 id="texts-title">{t("texts.title")}</h2>
      {smsOptedOut ? (
        <Form method="post">
          <p>{t("texts.optedOut")}</p>
          <p className="hint">{t("texts.startHint")}</p>
          <button type="submit" name="intent" value="start_texts" className="button secondary">
            {t("texts.start")}
          </button>
        </Form>
      ) : (
        <Form method="post">
          <p>{t("texts.stopIntro")}</p>
          <ul className="plain-list">
            <li>{t("texts.stillDue")}</li>
            <li>{t("texts.stillContact")}</li>
            <li>{t("texts.stillService")}</li>
            <li>{t("texts.optBackIn", { hotline })}</li>
          </ul>
          <button type="submit" name="intent" value="stop_texts" className="button secondary">
            {t("texts.stop")}
          </button>
        </Form>
      )}
    </section>
  );
}
