import { getFormProps, useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { attemptTotpLogin, clientIp } from "~/staff/auth.server";
import { totpSchema, type TotpFields } from "~/staff/login-forms";
import { clearPendingLogin, requirePendingLogin } from "~/staff/session.server";
import { blockedLoginResponse } from "~/staff/login-responses.server";
import { StaffInput } from "~/staff/ui/fields";

const noStore = { "Cache-Control": "no-store" };

/** Second step for enrolled staff: the code from their authenticator app. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const pending = await requirePendingLogin(context.db, request, "totp");
  return data({ email: pending.user.email }, { headers: noStore });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const pending = await requirePendingLogin(context.db, request, "totp");
  const submission = parseWithZod(await request.formData(), { schema: totpSchema });
  if (submission.status !== "success")
    return data(
      { result: submission.reply({ resetForm: true }), retryMinutes: null },
      { status: 400, headers: noStore },
    );
  const result = await attemptTotpLogin(context.db, pending, {
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
    case "invalid":
      return data(
        {
          result: submission.reply({ formErrors: ["errors.invalidCode"], resetForm: true }),
          retryMinutes: null,
        },
        { status: 400, headers: noStore },
      );
    case "rate_limited":
    case "locked":
      return blockedLoginResponse(result, (formErrors) => submission.reply({ formErrors, resetForm: true }), {
        endPendingLogin: true,
      });
  }
}

export default function StaffTwoFactor() {
  const { email } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const { t } = useTranslation("staff");
  const [form, fields] = useForm<TotpFields>({
    id: "staff-totp",
    lastResult: actionData?.result,
    shouldValidate: "onSubmit",
  });
  const formError = form.errors?.[0];
  return (
    <section className="card staff-auth" aria-labelledby="totp-title">
      <h1 id="totp-title">{t("twoFactor.title")}</h1>
      <p>{t("twoFactor.intro", { email })}</p>
      <Form method="post" {...getFormProps(form)} noValidate>
        {formError ? (
          <p className="notice notice-error" role="alert" id={form.errorId}>
            {t(formError, { minutes: actionData?.retryMinutes ?? 15 })}
          </p>
        ) : null}
        <StaffInput
          field={fields.code}
          label={t("twoFactor.code")}
          hint={t("twoFactor.codeHint")}
          inputMode="numeric"
          autoComplete="one-time-code"
          className="w-code"
        />
        <button type="submit" className="button primary">
          {t("twoFactor.submit")}
        </button>
      </Form>
      <p>
        <Link to="/staff/login" reloadDocument>
          {t("twoFactor.startAgain")}
        </Link>
      </p>
    </section>
  );
}
