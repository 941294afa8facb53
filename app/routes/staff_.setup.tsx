import { getFormProps, useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { clientIp, completeFirstLogin, enrolmentSecret, totpAuthUri } from "~/staff/auth.server";
import { PASSWORD_MIN, setupSchema, type SetupFields } from "~/staff/login-forms";
import { clearPendingLogin, requirePendingLogin } from "~/staff/session.server";
import { blockedLoginResponse } from "~/staff/login-responses.server";
import { StaffInput } from "~/staff/ui/fields";

const noStore = { "Cache-Control": "no-store" };

/**
 * First sign-in (one-time password accepted): choose a new password and enrol
 * an authenticator app. Nothing else in the console opens before this is done.
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const pending = await requirePendingLogin(context.db, request, "setup");
  const secret = await enrolmentSecret(context.db, pending);
  return data(
    {
      email: pending.user.email,
      secret,
      secretGroups: secret.match(/.{1,4}/g) ?? [secret],
      uri: totpAuthUri(secret, pending.user.email),
    },
    { headers: noStore },
  );
}

export async function action({ request, context }: ActionFunctionArgs) {
  const pending = await requirePendingLogin(context.db, request, "setup");
  const submission = parseWithZod(await request.formData(), { schema: setupSchema });
  const hide = ["newPassword", "confirmPassword", "code"];
  if (submission.status !== "success")
    return data(
      { result: submission.reply({ hideFields: hide }), retryMinutes: null },
      { status: 400, headers: noStore },
    );
  const result = await completeFirstLogin(context.db, pending, {
    newPassword: submission.value.newPassword,
    code: submission.value.code,
    ip: clientIp(context),
    userAgent: request.headers.get("User-Agent"),
  });
  switch (result.status) {
    case "ok": {
      const headers = new Headers(noStore);
      headers.append("Set-Cookie", result.setCookie);
      headers.append("Set-Cookie", await clearPendingLogin());
      return redirect(pending.next ?? "/staff/queues", { status: 303, headers });
    }
    case "same_password":
      return data(
        {
          result: submission.reply({
            fieldErrors: { newPassword: ["errors.samePassword"] },
            hideFields: hide,
          }),
          retryMinutes: null,
        },
        { status: 400, headers: noStore },
      );
    case "invalid":
      return data(
        {
          result: submission.reply({ fieldErrors: { code: ["errors.invalidCode"] }, hideFields: hide }),
          retryMinutes: null,
        },
        { status: 400, headers: noStore },
      );
    case "rate_limited":
    case "locked":
      return blockedLoginResponse(
        result,
        (formErrors) => submission.reply({ formErrors, hideFields: hide }),
        { endPendingLogin: true },
      );
  }
}

export default function StaffSetup() {
  const { email, secret, secretGroups, uri } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const { t } = useTranslation("staff");
  const [form, fields] = useForm<SetupFields>({
    id: "staff-setup",
    lastResult: actionData?.result,
    shouldValidate: "onSubmit",
  });
  const formError = form.errors?.[0];
  return (
    <section className="card staff-auth" aria-labelledby="setup-title">
      <h1 id="setup-title">{t("setup.title")}</h1>
      <p>{t("setup.intro", { email })}</p>
      <Form method="post" {...getFormProps(form)} noValidate>
        {formError ? (
          <p className="notice notice-error" role="alert" id={form.errorId}>
            {t(formError, { minutes: actionData?.retryMinutes ?? 15 })}
          </p>
        ) : null}
        <fieldset>
          <legend>{t("setup.passwordLegend")}</legend>
          <StaffInput
            field={fields.newPassword}
            label={t("setup.newPassword")}
            hint={t("setup.newPasswordHint", { min: PASSWORD_MIN })}
            type="password"
            autoComplete="new-password"
          />
          <StaffInput
            field={fields.confirmPassword}
            label={t("setup.confirmPassword")}
            type="password"
            autoComplete="new-password"
          />
        </fieldset>
        <fieldset>
          <legend>{t("setup.totpLegend")}</legend>
          <p className="hint">{t("setup.totpIntro")}</p>
          <dl className="summary">
            <div className="summary-row">
              <dt>{t("setup.secret")}</dt>
              <dd>
                <code className="totp-secret" data-secret={secret}>
                  {secretGroups.join(" ")}
                </code>
              </dd>
            </div>
          </dl>
          <p className="hint">{t("setup.uriHint")}</p>
          <p className="totp-uri">
            <code>{uri}</code>
          </p>
          <StaffInput
            field={fields.code}
            label={t("setup.code")}
            hint={t("setup.codeHint")}
            inputMode="numeric"
            autoComplete="one-time-code"
            className="w-code"
          />
        </fieldset>
        <button type="submit" className="button primary">
          {t("setup.submit")}
        </button>
      </Form>
    </section>
  );
}
