import { getFormProps, getInputProps, useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { currencyExponent, decimalAmount, formatMoney } from "~/domain/money";
import type { PaymentChoice } from "~/domain/payment-amount";
import { i18nServer } from "~/i18n/i18n.server";
import { resolveLocale } from "~/i18n/locale.server";
import { payFormSchema, type PayFields } from "~/portal/pay-form";
import { requireBorrowerSession } from "~/borrower/session.server";
import {
  CheckoutUnavailableError,
  PaymentAmountError,
  getPaymentOptions,
  startCheckout,
} from "~/payments/payments.server";

export async function loader({ request, context }: LoaderFunctionArgs) {
  const session = await requireBorrowerSession(context.db, request);
  const options = await getPaymentOptions(context.db, session);
  const cancelled = new URL(request.url).searchParams.get("cancelled") === "1";
  return data({ ...options, cancelled }, { headers: { "Cache-Control": "no-store" } });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const session = await requireBorrowerSession(context.db, request);
  const formData = await request.formData();
  const options = await getPaymentOptions(context.db, session);
  const submission = parseWithZod(formData, { schema: payFormSchema(options) });
  if (submission.status !== "success") return data({ result: submission.reply() }, { status: 400 });
  const { choice, customAmountMinor } = submission.value;
  const locale = await resolveLocale(request, context.db);
  const t = await i18nServer.getFixedT(locale, "pay");
  try {
    const checkout = await startCheckout(context.db, {
      session,
      amountChoice: choice,
      customAmountMinor,
      baseUrl: context.publicBaseUrl,
      locale,
      itemName: t("checkoutItem", { last4: options.last4 }),
    });
    return redirect(checkout.url, 303);
  } catch (error) {
    if (error instanceof PaymentAmountError) {
      const field = choice === "custom" ? "amount" : "choice";
      return data(
        { result: submission.reply({ fieldErrors: { [field]: [`errors.${error.code}`] } }) },
        { status: 400 },
      );
    }
    if (error instanceof CheckoutUnavailableError) {
      return data(
        { result: submission.reply({ formErrors: ["errors.checkoutUnavailable"] }) },
        { status: 503 },
      );
    }
    throw error;
  }
}

export default function Pay() {
  const o = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const { t, i18n } = useTranslation("pay");
  const money = (minor: number) => formatMoney({ minor, currency: o.currency }, i18n.language);
  // A payment link for an amount agreed with staff opens with that amount chosen.
  const agreed = o.agreedMinor ? decimalAmount({ minor: o.agreedMinor, currency: o.currency }) : null;
  const [form, fields] = useForm<PayFields>({
    lastResult: actionData?.result,
    shouldValidate: "onSubmit",
    defaultValue: agreed ? { choice: "custom", amount: agreed } : undefined,
  });
  const vars = { min: money(o.minMinor), max: money(o.maxMinor), decimals: currencyExponent(o.currency) };
  const errorText = (errors?: string[]) => errors?.map((e) => t(e, vars)).join(" ");

  if (o.balanceMinor <= 0) {
    return (
      <section className="card" aria-labelledby="pay-title">
        <h1 id="pay-title">{t("title")}</h1>
        <p>{t("nothingToPay")}</p>
        <Link to="/account">{t("back")}</Link>
      </section>
    );
  }

  const choices: Array<{ value: PaymentChoice; label: string }> = [
    ...(o.overdueMinor > 0
      ? [{ value: "overdue" as const, label: t("choiceOverdue", { amount: money(o.overdueMinor) }) }]
      : []),
    { value: "full", label: t("choiceFull", { amount: money(o.balanceMinor) }) },
    { value: "custom", label: t("choiceCustom") },
  ];
  const amountHintId = `${fields.amount.id}-hint`;
  const formError = form.errors?.[0];

  return (
    <section className="card" aria-labelledby="pay-title">
      <h1 id="pay-title">{t("title")}</h1>
      <p>{t("intro", { last4: o.last4 })}</p>
      {o.agreedMinor ? (
        <p className="notice" role="status">
          {t("agreedAmount", { amount: money(o.agreedMinor) })}
        </p>
      ) : null}
      {o.cancelled && !actionData ? (
        <p className="notice" role="status">
          {t("cancelled")}
        </p>
      ) : null}
      {formError ? (
        <p className="notice notice-error" role="alert" id={form.errorId}>
          {t(formError)}
        </p>
      ) : null}
      <Form method="post" {...getFormProps(form)} noValidate>
        <fieldset
          className="pay-choices"
          aria-describedby={fields.choice.errors ? fields.choice.errorId : undefined}
        >
          <legend>{t("legend")}</legend>
          {fields.choice.errors ? (
            <p className="error-message" id={fields.choice.errorId}>
              {errorText(fields.choice.errors)}
            </p>
          ) : null}
          {choices.map((c) => (
            <div className="radio" key={c.value}>
              <input
                {...getInputProps(fields.choice, { type: "radio", value: c.value, ariaAttributes: false })}
                id={`choice-${c.value}`}
                key={`choice-${c.value}`}
              />
              <label htmlFor={`choice-${c.value}`}>{c.label}</label>
            </div>
          ))}
          <div className={`field pay-amount ${fields.amount.errors ? "field-error" : ""}`}>
            <label htmlFor={fields.amount.id}>{t("amountLabel", { currency: o.currency })}</label>
            <p className="hint" id={amountHintId}>
              {t("amountHint", vars)}
            </p>
            {fields.amount.errors ? (
              <p className="error-message" id={fields.amount.errorId}>
                {errorText(fields.amount.errors)}
              </p>
            ) : null}
            <input
              {...getInputProps(fields.amount, { type: "text", ariaDescribedBy: amountHintId })}
              key={fields.amount.key}
              inputMode="decimal"
              autoComplete="off"
              spellCheck={false}
            />
          </div>
        </fieldset>
        <button type="submit" className="button primary">
          {t("submit")}
        </button>
      </Form>
      <p className="hint">{t("secureNote")}</p>
      <Link to="/account">{t("back")}</Link>
    </section>
  );
}
