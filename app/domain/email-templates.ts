import enEmail from "../../locales/en/email.json";
import zhCNEmail from "../../locales/zh-CN/email.json";
import zhHKEmail from "../../locales/zh-HK/email.json";
import type { SupportedLocale } from "../i18n/config";
import type { ReminderStage } from "./sms-templates";

/**
 * Reminder emails (docs/product-rules.md §4.17): one per stage and language, a text part and an HTML part
 * built from the same sentences, filled with the values the SMS shows (bank, name, masked account, amount,
 * date, hotline, the signed short link) and nothing more about the debt. Like the SMS interpolator, a
 * missing value throws instead of rendering "{{amount}}", and a value with control characters is refused.
 * Every literal and every value is HTML-escaped in the HTML part.
 */
export interface EmailVars {
  bank: string;
  name: string;
  last4: string;
  amount: string;
  dueDate: string;
  hotline: string;
  /** The signed short link to the portal. */
  link: string;
  /** The signed one-click unsubscribe URL. */
  unsubscribe: string;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

interface EmailCatalog {
  subject: Readonly<Record<ReminderStage, string>>;
  body: Readonly<Record<ReminderStage, string>>;
  greeting: string;
  action: string;
  linkNote: string;
  hotline: string;
  signOff: string;
  unsubscribe: string;
  unsubscribeNote: string;
}

// Typed assignment: a locale file missing a stage fails the type check.
const CATALOGS: Readonly<Record<SupportedLocale, EmailCatalog>> = {
  en: enEmail,
  "zh-HK": zhHKEmail,
  "zh-CN": zhCNEmail,
};

class EmailTemplateError extends Error {
  override readonly name = "EmailTemplateError";
}

const PLACEHOLDER = /\{\{\s*([A-Za-z][A-Za-z0-9]*)\s*\}\}/;
// C0/C1 controls, line/paragraph separators and bidi controls: a value must not change how the email reads.
const UNSAFE_VALUE = /[\p{Cc}\u2028\u2029\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;
const TEXT_VARS = ["bank", "name", "last4", "amount", "dueDate", "hotline"] as const;
type TextVar = (typeof TEXT_VARS)[number];

export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** Fills one sentence, single pass; `escape` applies to literals and values alike (HTML) or to neither. */
function fill(template: string, vars: EmailVars, escape: (s: string) => string): string {
  // split with a capturing group alternates literal, name, literal, ...
  const parts = template.split(new RegExp(PLACEHOLDER, "g"));
  let out = "";
  for (const [i, part] of parts.entries()) {
    if (i % 2 === 0) {
      if (part.includes("{{") || part.includes("}}"))
        throw new EmailTemplateError("email template has an unbalanced {{…}}");
      out += escape(part);
    } else {
      if (!(TEXT_VARS as readonly string[]).includes(part))
        throw new EmailTemplateError(`unknown email placeholder {{${part}}}`);
      out += escape(vars[part as TextVar]);
    }
  }
  return out;
}

function checkVars(vars: EmailVars): void {
  for (const [name, value] of Object.entries(vars)) {
    if (typeof value !== "string" || value.trim() === "")
      throw new EmailTemplateError(`email value ${name} is missing or blank`);
    if (UNSAFE_VALUE.test(value)) throw new EmailTemplateError(`email value ${name} has control characters`);
  }
  for (const url of [vars.link, vars.unsubscribe])
    if (!/^https?:\/\/[^\s"'<>]+$/.test(url))
      throw new EmailTemplateError("email links must be http(s) URLs");
}

/** The reminder email for a stage in the borrower's language. */
export function renderReminderEmail(
  locale: SupportedLocale,
  stage: ReminderStage,
  vars: EmailVars,
): RenderedEmail {
  checkVars(vars);
  const c = CATALOGS[locale];
  const plain = (s: string) => fill(s, vars, (x) => x);
  const html = (s: string) => fill(s, vars, escapeHtml);
  const text = [
    plain(c.greeting),
    plain(c.body[stage]),
    `${plain(c.action)}: ${vars.link}`,
    plain(c.linkNote),
    plain(c.hotline),
    plain(c.signOff),
    `--\n${plain(c.unsubscribe)}: ${vars.unsubscribe}\n${plain(c.unsubscribeNote)}`,
  ].join("\n\n");
  const p = (s: string) => `<p>${s}</p>`;
  const a = (href: string, label: string) => `<a href="${escapeHtml(href)}">${label}</a>`;
  const body = [
    p(html(c.greeting)),
    p(html(c.body[stage])),
    p(`<strong>${a(vars.link, html(c.action))}</strong>`),
    p(html(c.linkNote)),
    p(html(c.hotline)),
    p(html(c.signOff)),
    `<hr>`,
    p(`<small>${a(vars.unsubscribe, html(c.unsubscribe))}. ${html(c.unsubscribeNote)}</small>`),
  ].join("\n");
  return {
    subject: plain(c.subject[stage]),
    text: `${text}\n`,
    html:
      `<!doctype html>\n<html lang="${locale}"><head><meta charset="utf-8">` +
      `<title>${html(c.subject[stage])}</title></head>\n<body>\n${body}\n</body></html>\n`,
  };
}
