/** Shared by server and browser: which languages Settle speaks and how i18next is set up. */
export const SUPPORTED_LOCALES = ["zh-HK", "zh-CN", "en"] as const;
export type SupportedLocale = (typeof SUPPORTED_LOCALES)[number];
export const FALLBACK_LOCALE: SupportedLocale = "en";

export const LOCALE_NAMES: Record<SupportedLocale, string> = {
  "zh-HK": "繁體中文",
  "zh-CN": "简体中文",
  en: "English",
};

export function isSupportedLocale(value: unknown): value is SupportedLocale {
  return typeof value === "string" && (SUPPORTED_LOCALES as readonly string[]).includes(value);
}

export const i18nConfig = {
  supportedLngs: [...SUPPORTED_LOCALES],
  fallbackLng: FALLBACK_LOCALE,
  defaultNS: "common",
  // zh-HK must not be reduced to "zh": the two Chinese locales differ in script and wording.
  load: "currentOnly" as const,
  nonExplicitSupportedLngs: false,
  interpolation: { escapeValue: false }, // React escapes
  react: { useSuspense: false },
};
