import { useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { useActionData, useLoaderData, useRouteLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { localeCookie } from "~/i18n/i18n.server";
import { CONTACT_CHANNELS, preferencesSchema, type PreferencesFields } from "~/borrower/action-forms";
import type { loader as rootLoader } from "~/root";
import { requireBorrowerSession } from "~/borrower/session.server";
import { currentPreferences, resumeTexts, stopTexts, updatePreferences } from "~/borrower/preferences.server";
import { PreferencesForm, TextMessagesCard } from "~/portal/ui/Preferences";
import { ActionPage } from "~/ui/ActionPage";

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
  const preferencesForm = useForm<PreferencesFields>({
    lastResult: actionData?.result,
    shouldValidate: "onSubmit",
    defaultValue: {
      channels: channels.filter((c) =>
        c === "sms" ? prefs.smsAllowed : c === "email" ? prefs.emailAllowed : prefs.phoneAllowed,
      ),
      noVisits: prefs.visitAllowed ? "" : "on",
      windowStart: prefs.windowStart ?? "",
      windowEnd: prefs.windowEnd ?? "",
      language: prefs.language,
      maxPerWeek: prefs.maxPerWeek ? String(prefs.maxPerWeek) : "",
    },
  });
  return (
    <ActionPage
      id="preferences"
      title={t("preferences.title")}
      intro={t("preferences.intro")}
      after={<TextMessagesCard smsOptedOut={prefs.smsOptedOut} hotline={root?.hotline} />}
    >
      <PreferencesForm form={preferencesForm} channels={channels} smsOptedOut={prefs.smsOptedOut} />
    </ActionPage>
  );
}
