import { useTranslation } from "react-i18next";

const NAMED = ["card", "alipay", "wechat_pay"];

/** The ways to pay on the provider's page, named in the borrower's language, and FPS from their own bank where it applies. */
export function PaymentWays({ ways }: { ways: { checkout: string[]; fpsId: string | null } }) {
  const { t, i18n } = useTranslation("pay");
  const names = ways.checkout.filter((type) => NAMED.includes(type)).map((type) => t(`methods.${type}`));
  const list = new Intl.ListFormat(i18n.language, { type: "disjunction" }).format(names);
  return (
    <>
      <p className="hint">{t("methodsOnProviderPage", { list })}</p>
      <p className="hint">{t("secureNote")}</p>
      {ways.fpsId ? (
        <section aria-labelledby="fps-title">
          <h2 id="fps-title">{t("fps.title")}</h2>
          <p>{t("fps.body", { fpsId: ways.fpsId })}</p>
        </section>
      ) : null}
    </>
  );
}
