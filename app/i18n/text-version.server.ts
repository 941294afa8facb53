import { createHash } from "node:crypto";
import enActions from "../../locales/en/actions.json";
import enPortal from "../../locales/en/portal.json";
import enSms from "../../locales/en/sms.json";
import enStaff from "../../locales/en/staff.json";
import zhCNActions from "../../locales/zh-CN/actions.json";
import zhCNPortal from "../../locales/zh-CN/portal.json";
import zhCNSms from "../../locales/zh-CN/sms.json";
import zhCNStaff from "../../locales/zh-CN/staff.json";
import zhHKActions from "../../locales/zh-HK/actions.json";
import zhHKPortal from "../../locales/zh-HK/portal.json";
import zhHKSms from "../../locales/zh-HK/sms.json";
import zhHKStaff from "../../locales/zh-HK/staff.json";
import type { Locale } from "../../db/schema";

/**
 * Which wording a borrower agreed to or withdrew under, for the consent ledger (docs/product-rules.md
 * §10.11). Static imports, not the server bundle's glob, so the command line (tsx) computes the same.
 */
const TEXTS: Record<Locale, Record<string, unknown>> = {
  en: { actions: enActions, portal: enPortal, sms: enSms, staff: enStaff },
  "zh-CN": { actions: zhCNActions, portal: zhCNPortal, sms: zhCNSms, staff: zhCNStaff },
  "zh-HK": { actions: zhHKActions, portal: zhHKPortal, sms: zhHKSms, staff: zhHKStaff },
};

/** The wordings a consent can be given or withdrawn under: `namespace:key.path` (a leaf or a section). */
export const CONSENT_TEXTS = {
  portalTexts: "actions:texts",
  portalPreferences: "actions:preferences",
  linkStopTexts: "portal:landing.stopTextsHint",
  linkNotMe: "portal:landing.notMeHint",
  keywordOptOut: "sms:confirmation.opted_out",
  keywordOptIn: "sms:confirmation.opted_in",
  staffOptOut: "staff:act.optOutHint",
  staffPreferences: "staff:act.channels",
} as const;
export type ConsentText = (typeof CONSENT_TEXTS)[keyof typeof CONSENT_TEXTS];

/**
 * `namespace:key@hash`: the key, and the first 12 hex digits of the SHA-256 of its wording in the
 * borrower's language (a section's wording as canonical JSON), so an edit to the wording is a new version.
 */
export function textVersion(key: ConsentText, locale: Locale): string {
  const [ns = "", path = ""] = key.split(":");
  let node: unknown = TEXTS[locale][ns];
  for (const part of path.split(".")) node = (node as Record<string, unknown> | undefined)?.[part];
  if (node === undefined) throw new Error(`no wording for ${key} in ${locale}`);
  const wording = typeof node === "string" ? node : JSON.stringify(node, Object.keys(flatten(node)).sort());
  return `${key}@${createHash("sha256").update(wording).digest("hex").slice(0, 12)}`;
}

/** Every key at any depth, so JSON.stringify's replacer list keeps nested sections in a stable order. */
function flatten(node: unknown, out: Record<string, true> = {}): Record<string, true> {
  if (node && typeof node === "object")
    for (const [k, v] of Object.entries(node)) {
      out[k] = true;
      flatten(v, out);
    }
  return out;
}
