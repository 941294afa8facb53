import { Form } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { LOCALE_NAMES, SUPPORTED_LOCALES, type SupportedLocale } from "~/i18n/config";

/** A plain POST form, so switching language works with JavaScript off. */
export function LanguageSwitcher({ current, returnTo }: { current: SupportedLocale; returnTo: string }) {
  const { t } = useTranslation();
  return (
    <Form
      method="post"
      action="/locale"
      reloadDocument
      className="language-switcher"
      aria-label={t("language.change")}
    >
      <input type="hidden" name="returnTo" value={returnTo} />
      <span className="visually-hidden">{t("language.label")}</span>
      {SUPPORTED_LOCALES.map((lng) => (
        <button
          key={lng}
          type="submit"
          name="lng"
          value={lng}
          lang={lng}
          aria-current={lng === current ? "true" : undefined}
          className={lng === current ? "lang current" : "lang"}
        >
          {LOCALE_NAMES[lng]}
        </button>
      ))}
    </Form>
  );
}
