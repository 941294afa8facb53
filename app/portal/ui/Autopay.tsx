import { Form } from "@remix-run/react";
import { useTranslation } from "react-i18next";

/**
 * Autopay on the plan status page (docs/product-rules.md §7.11): the offer to save a card (Stripe
 * Checkout in setup mode), the state while Stripe reports it, and turning it off. Plain form posts.
 */
export function Autopay({
  status,
  saved,
  unavailable,
}: {
  status: "pending" | "on" | "off" | null;
  /** Back from Checkout: the card is saved but its webhook may not have landed yet. */
  saved: boolean;
  unavailable: boolean;
}) {
  const { t } = useTranslation("plan");
  const on = status === "on";
  const waiting = status === "pending" && saved;
  return (
    <section className="card" aria-labelledby="autopay-title">
      <h2 id="autopay-title">{t("autopay.title")}</h2>
      <p data-testid="autopay-state">
        {on ? t("autopay.onBody") : waiting ? t("autopay.pendingBody") : t("autopay.offerBody")}
      </p>
      {unavailable ? (
        <p className="error-message" role="alert">
          {t("autopay.unavailable")}
        </p>
      ) : null}
      <Form method="post" replace>
        <input type="hidden" name="intent" value={on || waiting ? "autopay_off" : "autopay_on"} />
        <button type="submit" className={on || waiting ? "button secondary" : "button primary"}>
          {on || waiting ? t("autopay.turnOff") : t("autopay.turnOn")}
        </button>
      </Form>
    </section>
  );
}
