import { createCookie } from "@remix-run/node";
import { RemixI18Next } from "remix-i18next/server";
import type { Resource, ResourceLanguage } from "i18next";
import { FALLBACK_LOCALE, SUPPORTED_LOCALES, i18nConfig } from "./config";

// Every locales/<lng>/<namespace>.json is bundled for the server; a new namespace needs no registration here.
const files = import.meta.glob<{ default: ResourceLanguage[string] }>("../../locales/*/*.json", {
  eager: true,
});

export const resources: Resource = {};
for (const [path, module] of Object.entries(files)) {
  const match = /locales\/([^/]+)\/([^/]+)\.json$/.exec(path);
  if (!match) continue;
  const [, lng, ns] = match as unknown as [string, string, string];
  (resources[lng] ??= {})[ns] = module.default;
}

/** Namespaces that exist for the fallback language (all languages have the same, a test checks). */
export const namespaces = Object.keys(resources[FALLBACK_LOCALE] ?? {}).filter((ns) => ns !== "sms");

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
  i18next: { ...i18nConfig, ns: namespaces, resources },
});
