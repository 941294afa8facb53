import { getFormProps, useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { attemptPasswordLogin, clientIp, safeNextPath } from "~/staff/auth.server";
import { loginSchema, type LoginFields } from "~/staff/login-forms";
import { startPendingLogin } from "~/staff/session.server";
import { blockedLoginResponse } from "~/staff/login-responses.server";
import { StaffInput } from "~/staff/ui/fields";

const noStore = { "Cache-Control": "no-store" };

/** Public: the first step of staff sign-in (email and password). */
export async function loader({ request }: LoaderFunctionArgs) {
  const url = new URL(request.url);
  return data(
    { next: safeNextPath(url.searchParams.get("next")), signedOut: url.searchParams.has("signedOut") },
    { headers: noStore },
  );
}

export async function action({ request, context }: ActionFunctionArgs) {
  const submission = parseWithZod(await request.formData(), { schema: loginSchema });
  if (submission.status !== "success") {
    return data(
      { result: submission.reply({ hideFields: ["password"] }), retryMinutes: null },
      { status: 400, headers: noStore },
    );
  }
  const { email, password, next } = submission.value;
  const result = await attemptPasswordLogin(context.db, { email, password, ip: clientIp(context) });
  switch (result.status) {
    case "ok": {
      const cookie = await startPendingLogin({
        userId: result.user.id,
        step: result.next,
        passwordHash: result.user.passwordHash,
        next: safeNextPath(next),
      });
      return redirect(result.next === "totp" ? "/staff/two-factor" : "/staff/setup", {
        status: 303,
        headers: { ...noStore, "Set-Cookie": cookie },
      });
    }
    case "rate_limited":
    case "locked":
      return blockedLoginResponse(
        result,
        (formErrors) => submission.reply({ formErrors, hideFields: ["password"] }),
        { endPendingLogin: false },
      );
    case "invalid":
      return data(
        {
          result: submission.reply({ formErrors: ["errors.invalidLogin"], hideFields: ["password"] }),
          retryMinutes: null,
        },
        { status: 400, headers: noStore },
      );
  }
}

export default function StaffLogin() {
  const { next, signedOut } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const { t } = useTranslation("staff");
  const [form, fields] = useForm<LoginFields>({
    id: "staff-login",
    lastResult: actionData?.result,
    shouldValidate: "onSubmit",
  });
  const formError = form.errors?.[0];
  return (
    <section className="card staff-auth" aria-labelledby="login-title">
      <h1 id="login-title">{t("login.title")}</h1>
      {signedOut ? (
        <p className="notice" role="status">
          {t("login.signedOut")}
        </p>
      ) : null}
      <Form method="post" {...getFormProps(form)} noValidate>
        {formError ? (
          <p className="notice notice-error" role="alert" id={form.errorId}>
            {t(formError, { minutes: actionData?.retryMinutes ?? 15 })}
          </p>
        ) : null}
        {next ? <input type="hidden" name="next" value={next} /> : null}
        <StaffInput
          field={fields.email}
          label={t("login.email")}
          type="email"
          autoComplete="username"
          inputMode="email"
        />
        <StaffInput
          field={fields.password}
          label={t("login.password")}
          type="password"
          autoComplete="current-password"
        />
        <button type="submit" className="button primary">
          {t("login.submit")}
        </button>
      </Form>
      <p className="hint">{t("login.help")}</p>
    </section>
  );
}
