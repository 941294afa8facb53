import { getFormProps, useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useRouteLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { LOCALE_NAMES } from "~/i18n/config";
import { localeCookie } from "~/i18n/i18n.server";
import {
  CONTACT_CHANNELS,
  MAX_PER_WEEK,
  PREFERENCE_LOCALES,
  preferencesSchema,
  windowTimeOptions,
  type PreferencesFields,
} from "~/borrower/action-forms";
import type { loader as rootLoader } from "~/root";
import { requireBorrowerSession } from "~/borrower/session.server";
import { currentPreferences, resumeTexts, stopTexts, updatePreferences } from "~/borrower/preferences.server";
import { ActionPage, FormProblem } from "~/ui/ActionPage";
import { ChoiceGroup, SelectField } from "~/ui/choice-fields";

const noStore = { "Cache-Control": "no-store" };

export async function loader({ request, context }: LoaderFunctionArgs) {
  const session = await requireBorrowerSession(context.db, request);
  return data(await currentPreferences(context.db, session), { headers: noStore });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const session = await requireBorrowerSession(context.db, request);
  const formData = await request.formData();
  const intent = formData.get("intent");
  if (intent === "stop_texts") {
    await stopTexts(context.db, session);
    return redirect("/account/done/texts-stopped", { status: 303, headers: noStore });
  }
  if (intent === "start_texts") {
    await resumeTexts(context.db, session);
    return redirect("/account/done/texts-resumed", { status: 303, headers: noStore });
  }
  const submission = parseWithZod(formData, { schema: preferencesSchema });
  if (submission.status !== "success")
    return data({ result: submission.reply() }, { status: 400, headers: noStore });
  await updatePreferences(context.db, session, submission.value);
  // The chosen language is also the portal's from now on.
  const headers = new Headers(noStore);
  headers.append("Set-Cookie", await localeCookie.serialize(submission.value.language));
  return redirect("/account/done/preferences", { status: 303, headers });
}

export default function PreferencesPage() {
  const prefs = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const root = useRouteLoaderData<typeof rootLoader>("root");
  const { t } = useTranslation("actions");
  const channels = CONTACT_CHANNELS.filter((c) => !(c === "sms" && prefs.smsOptedOut));
  const [form, fields] = useForm<PreferencesFields>({
    lastResult: actionData?.result,
    shouldValidate: "onSubmit",
    defaultValue: {
      channels: channels.filter((c) =>
        c === "sms" ? prefs.smsAllowed : c === "email" ? prefs.emailAllowed : prefs.phoneAllowed,
      ),
      windowStart: prefs.windowStart ?? "",
      windowEnd: prefs.windowEnd ?? "",
      language: prefs.language,
      maxPerWeek: prefs.maxPerWeek ? String(prefs.maxPerWeek) : "",
    },
  });
  const times = windowTimeOptions().map((v) => ({ value: v, label: v }));
  const texts = (
    <section className="card" aria-labelledby="texts-title">
      <h2 id="texts-title">{t("texts.title")}</h2>
      {prefs.smsOptedOut ? (
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
            <li>{t("texts.optBackIn", { hotline: root?.hotline })}</li>
          </ul>
          <button type="submit" name="intent" value="stop_texts" className="button secondary">
            {t("texts.stop")}
          </button>
        </Form>
      )}
    </section>
  );
  return (
    <ActionPage id="preferences" title={t("preferences.title")} intro={t("preferences.intro")} after={texts}>
      <Form method="post" {...getFormProps(form)} noValidate>
        <FormProblem id={form.errorId} errors={form.errors} />
        <ChoiceGroup
          field={fields.channels}
          type="checkbox"
          legend={t("preferences.channels")}
          hint={prefs.smsOptedOut ? t("preferences.channelsHintOptedOut") : t("preferences.channelsHint")}
          choices={channels.map((c) => ({ value: c, label: t(`preferences.channelNames.${c}`) }))}
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
    </ActionPage>
  );
}
