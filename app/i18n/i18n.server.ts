import { createCookie } from "@remix-run/node";
import { RemixI18Next } from "remix-i18next/server";
import type { Resource } from "i18next";
import { FALLBACK_LOCALE, SUPPORTED_LOCALES, i18nConfig, type SupportedLocale } from "./config";
import enCommon from "../../locales/en/common.json";
import zhHKCommon from "../../locales/zh-HK/common.json";
import zhCNCommon from "../../locales/zh-CN/common.json";
import enPortal from "../../locales/en/portal.json";
import zhHKPortal from "../../locales/zh-HK/portal.json";
import zhCNPortal from "../../locales/zh-CN/portal.json";

export const resources = {
  en: { common: enCommon, portal: enPortal },
  "zh-HK": { common: zhHKCommon, portal: zhHKPortal },
  "zh-CN": { common: zhCNCommon, portal: zhCNPortal },
} satisfies Resource;

export const localeCookie = createCookie("settle_lng", {
  path: "/",
  httpOnly: true,
  sameSite: "lax",
  secure: process.env.NODE_ENV === "production",
  maxAge: 60 * 60 * 24 * 365,
});

export const i18nServer = new RemixI18Next({
  detection: {
    supportedLanguages: [...SUPPORTED_LOCALES],
    fallbackLanguage: FALLBACK_LOCALE,
    cookie: localeCookie,
    order: ["searchParams", "cookie", "header"],
  },
  i18next: { ...i18nConfig, resources },
});

/** Only the chosen language's strings travel to the browser. */
export function resourcesFor(locale: SupportedLocale) {
  return resources[locale];
}
