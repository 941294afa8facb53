import { getFormProps, getFieldsetProps, useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import {
  Form,
  isRouteErrorResponse,
  useActionData,
  useLoaderData,
  useRouteError,
  useRouteLoaderData,
} from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { config } from "~/platform/config.server";
import { clientIp } from "~/platform/rate-limit.server";
import { linkAction, openLanding } from "~/portal/landing.server";
import type { TemplateSlots } from "~/portal/page-template";
import {
  verificationSchema,
  type VerificationFields,
  type VerificationMethod,
} from "~/portal/verification-form";
import { FieldErrors, TextField } from "~/ui/form";
import type { loader as rootLoader } from "~/root";

const problem = (status: "invalid" | "expired" | "revoked" | "rate_limited", retryAfterSec?: number) =>
  data(
    { reason: status },
    status === "rate_limited"
      ? { status: 429, headers: { "Retry-After": String(retryAfterSec ?? 60) } }
      : { status: status === "invalid" ? 404 : 410 },
  );

export async function loader({ params, context }: LoaderFunctionArgs) {
  const landing = await openLanding(context, params.code ?? "");
  if (landing.status !== "ok")
    throw problem(landing.status, "retryAfterSec" in landing ? landing.retryAfterSec : undefined);
  return data(landing.page, { headers: { "Cache-Control": "no-store" } });
}

/** Every SMS tap lands here: the page is filled from templates (app/server/page-templates.server.ts). */
export const template: TemplateSlots<{ last4: string }> = { slots: ["last4"], params: ["code"] };

export async function action({ params, request, context }: ActionFunctionArgs) {
  const formData = await request.formData();
  const intent = formData.get("intent");
  const code = params.code ?? "";
  if (intent === "not_me" || intent === "stop_texts") {
    const result = await linkAction(context.db, code, intent);
    if (result.status !== "ok") throw problem(result.status as "invalid" | "expired" | "revoked");
    return redirect(intent === "not_me" ? "/done/wrong-number" : "/done/opted-out", 303);
  }
  const method = config().VERIFICATION_METHOD;
  const submission = parseWithZod(formData, { schema: verificationSchema(method) });
  if (submission.status !== "success") return data({ result: submission.reply() }, { status: 400 });
  const outcome = await linkAction(context.db, code, "verify", {
    method,
    answer: submission.value.answer,
    request,
    client: clientIp(context),
  });
  switch (outcome.status) {
    case "verified":
      return redirect("/account", { status: 303, headers: outcome.headers });
    // Neither answer says how many tries are left (that would tell a guesser how to pace themselves).
    case "wrong":
      return data({ result: submission.reply({ formErrors: ["wrong"] }) }, { status: 400 });
    case "wait":
      return data(
        { result: submission.reply({ formErrors: ["wait"] }) },
        { status: 429, headers: { "Retry-After": String(outcome.retryAfterSec) } },
      );
    case "locked":
      return data({ result: submission.reply({ formErrors: ["locked"] }) }, { status: 423 });
    case "rate_limited":
      throw problem("rate_limited", outcome.retryAfterSec);
    default:
      throw problem(outcome.status as "invalid" | "expired" | "revoked");
  }
}

export default function Landing() {
  const page = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const root = useRouteLoaderData<typeof rootLoader>("root");
  const { t } = useTranslation("portal");
  const [form, fields] = useForm<VerificationFields>({
    lastResult: actionData?.result,
    shouldValidate: "onSubmit",
  });
  const product = t(`products.${page.product}`);
  const locked = page.locked || form.errors?.[0] === "locked";

  return (
    <>
      <section className="card" aria-labelledby="landing-title">
        <h1 id="landing-title">{t("landing.title")}</h1>
        <p>{t("landing.intro", { product, last4: page.last4 })}</p>
      </section>

      <section className="card" aria-labelledby="verify-title">
        <h2 id="verify-title">{t("landing.verifyHeading")}</h2>
        {locked ? (
          <p className="notice notice-error" role="alert">
            {t("landing.locked", { hotline: root?.hotline })}
          </p>
        ) : (
          <VerifyForm form={form} fields={fields} method={page.method} />
        )}
      </section>

      <section className="card" aria-labelledby="not-you-title">
        <h2 id="not-you-title">{t("landing.notYouHeading")}</h2>
        <Form method="post">
          <p className="hint">{t("landing.notMeHint")}</p>
          <button type="submit" name="intent" value="not_me" className="button secondary">
            {t("landing.notMe")}
          </button>
        </Form>
        <Form method="post">
          <p className="hint">{t("landing.stopTextsHint")}</p>
          <button type="submit" name="intent" value="stop_texts" className="button secondary">
            {t("landing.stopTexts")}
          </button>
        </Form>
      </section>
    </>
  );
}

type VerificationForm = ReturnType<typeof useForm<VerificationFields>>;

/** The answer the bank asks for (date of birth or the ID's last four), with its error, if any. */
function VerifyForm({
  form,
  fields,
  method,
}: {
  form: VerificationForm[0];
  fields: VerificationForm[1];
  method: VerificationMethod;
}) {
  const { t } = useTranslation("portal");
  const formError = form.errors?.[0];
  return (
    <Form method="post" {...getFormProps(form)} noValidate>
      <p>{t(`landing.verifyIntro_${method}`)}</p>
      {formError === "wrong" || formError === "wait" ? (
        <p className="notice notice-error" role="alert" id={form.errorId}>
          {t(`landing.${formError}`)}
        </p>
      ) : null}
      {method === "dob" ? (
        <DateOfBirthFields fields={fields} />
      ) : (
        <TextField
          field={fields.idLast4}
          label={t("landing.idLast4")}
          hint={t("landing.idLast4Hint")}
          maxLength={4}
          autoComplete="off"
          className="w4"
        />
      )}
      <button type="submit" name="intent" value="verify" className="button primary">
        {t("landing.submit")}
      </button>
    </Form>
  );
}

function DateOfBirthFields({ fields }: { fields: VerificationForm[1] }) {
  const { t } = useTranslation("portal");
  const dob = fields.dob.getFieldset();
  return (
    <fieldset {...getFieldsetProps(fields.dob)} className="date-input" aria-describedby="dob-hint">
      <legend>{t("landing.dobLegend")}</legend>
      <p className="hint" id="dob-hint">
        {t("landing.dobHint")}
      </p>
      <FieldErrors id={fields.dob.errorId} errors={fields.dob.errors} t={t} />
      <div className="date-parts">
        <TextField
          field={dob.day}
          label={t("landing.day")}
          inputMode="numeric"
          autoComplete="bday-day"
          maxLength={2}
          className="w2"
        />
        <TextField
          field={dob.month}
          label={t("landing.month")}
          inputMode="numeric"
          autoComplete="bday-month"
          maxLength={2}
          className="w2"
        />
        <TextField
          field={dob.year}
          label={t("landing.year")}
          inputMode="numeric"
          autoComplete="bday-year"
          maxLength={4}
          className="w4"
        />
      </div>
    </fieldset>
  );
}

export function ErrorBoundary() {
  const error = useRouteError();
  const root = useRouteLoaderData<typeof rootLoader>("root");
  const { t } = useTranslation("portal");
  const reason = isRouteErrorResponse(error) ? (error.data as { reason?: string } | null)?.reason : undefined;
  const key =
    reason === "expired"
      ? "expired"
      : reason === "revoked"
        ? "revoked"
        : reason === "rate_limited"
          ? "rateLimited"
          : "invalid";
  return (
    <section className="card" aria-labelledby="link-error-title">
      <h1 id="link-error-title">{t(`link.${key}Title`)}</h1>
      <p>{t(`link.${key}Body`, { hotline: root?.hotline })}</p>
    </section>
  );
}
