import { useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Link, useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { decimalAmount, formatMoney } from "~/domain/money";
import { i18nServer } from "~/i18n/i18n.server";
import { resolveLocale } from "~/i18n/locale.server";
import { payFormSchema, type PayFields } from "~/portal/pay-form";
import { PayForm } from "~/portal/ui/PayForm";
import { PaymentWays } from "~/portal/ui/PaymentWays";
import { paymentWays } from "~/portal/payment-ways.server";
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
  const ways = paymentWays(options.currency);
  return data({ ...options, ways, cancelled }, { headers: { "Cache-Control": "no-store" } });
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
  const payForm = useForm<PayFields>({
    lastResult: actionData?.result,
    shouldValidate: "onSubmit",
    defaultValue: agreed ? { choice: "custom", amount: agreed } : undefined,
  });
  const [form] = payForm;

  if (o.balanceMinor <= 0) {
    return (
      <section className="card" aria-labelledby="pay-title">
        <h1 id="pay-title">{t("title")}</h1>
        <p>{t("nothingToPay")}</p>
        <Link to="/account">{t("back")}</Link>
      </section>
    );
  }

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
      <PayForm form={payForm} bounds={o} />
      <PaymentWays ways={o.ways} />
      <Link to="/account">{t("back")}</Link>
    </section>
  );
}
