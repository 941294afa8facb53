import { getFormProps, getInputProps, type useForm } from "@conform-to/react";
import { Form } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { currencyExponent, formatMoney } from "../../domain/money";
import type { PaymentBounds, PaymentChoice } from "../../domain/payment-amount";
import type { PayFields } from "../pay-form";

/** What to pay: the overdue amount (when there is one), the full balance, or an amount within the bounds. */
export function PayForm({
  form: [form, fields],
  bounds,
}: {
  form: ReturnType<typeof useForm<PayFields>>;
  bounds: PaymentBounds;
}) {
  const { t, i18n } = useTranslation("pay");
  const money = (minor: number) => formatMoney({ minor, currency: bounds.currency }, i18n.language);
  const vars = {
    min: money(bounds.minMinor),
    max: money(bounds.maxMinor),
    decimals: currencyExponent(bounds.currency),
  };
  const errorText = (errors?: string[]) => errors?.map((e) => t(e, vars)).join(" ");
  const choices: Array<{ value: PaymentChoice; label: string }> = [
    ...(bounds.overdueMinor > 0
      ? [{ value: "overdue" as const, label: t("choiceOverdue", { amount: money(bounds.overdueMinor) }) }]
      : []),
    { value: "full", label: t("choiceFull", { amount: money(bounds.balanceMinor) }) },
    { value: "custom", label: t("choiceCustom") },
  ];
  const amountHintId = `${fields.amount.id}-hint`;
  return (
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
          <label htmlFor={fields.amount.id}>{t("amountLabel", { currency: bounds.currency })}</label>
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
  );
}
