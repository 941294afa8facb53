import enEmail from "../../locales/en/email.json";
import zhCNEmail from "../../locales/zh-CN/email.json";
import zhHKEmail from "../../locales/zh-HK/email.json";
import type { StaffRole } from "../../db/schema";
import type { SupportedLocale } from "../i18n/config";
import { escapeHtml, type RenderedEmail } from "./email-templates";

/**
 * The staff invitation email (docs/product-rules.md §8.17): who invites whom to which console, the one-time
 * set-up link and when it ends, in the language the inviter chose. A text part and an HTML part from the
 * same sentences; every literal and value is HTML-escaped in the HTML part, and a value with control
 * characters is refused (a display name is typed by an admin).
 */
export interface StaffInviteVars {
  bank: string;
  name: string;
  role: StaffRole;
  /** The set-up link, `…/staff/invite?token=…`. */
  link: string;
  /** When the link ends, already formatted in the email's language and the console's time zone. */
  expires: string;
}

interface StaffInviteCatalog {
  subject: string;
  greeting: string;
  body: string;
  action: string;
  expiry: string;
  ignore: string;
  signOff: string;
  roles: Readonly<Record<StaffRole, string>>;
}

// Typed assignment: a locale file missing a sentence or a role fails the type check.
const CATALOGS: Readonly<Record<SupportedLocale, StaffInviteCatalog>> = {
  en: enEmail.staffInvite,
  "zh-HK": zhHKEmail.staffInvite,
  "zh-CN": zhCNEmail.staffInvite,
};

const UNSAFE_VALUE = /[\p{Cc}\u2028\u2029\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;

function fill(template: string, values: Record<string, string>, escape: (s: string) => string): string {
  return template
    .split(/\{\{\s*([A-Za-z]+)\s*\}\}/)
    .map((part, i) => {
      if (i % 2 === 0) return escape(part);
      const value = values[part];
      if (value === undefined) throw new Error(`unknown staff invite placeholder {{${part}}}`);
      return escape(value);
    })
    .join("");
}

export function renderStaffInviteEmail(locale: SupportedLocale, vars: StaffInviteVars): RenderedEmail {
  for (const [name, value] of Object.entries(vars))
    if (value.trim() === "" || UNSAFE_VALUE.test(value))
      throw new Error(`staff invite value ${name} is blank or has control characters`);
  if (!/^https?:\/\/[^\s"'<>]+$/.test(vars.link)) throw new Error("the set-up link must be an http(s) URL");
  const c = CATALOGS[locale];
  const values = { bank: vars.bank, name: vars.name, role: c.roles[vars.role], expires: vars.expires };
  const plain = (s: string) => fill(s, values, (x) => x);
  const html = (s: string) => fill(s, values, escapeHtml);
  const text = [
    plain(c.greeting),
    plain(c.body),
    `${plain(c.action)}: ${vars.link}`,
    plain(c.expiry),
    plain(c.ignore),
    plain(c.signOff),
  ].join("\n\n");
  const p = (s: string) => `<p>${s}</p>`;
  const body = [
    p(html(c.greeting)),
    p(html(c.body)),
    p(`<strong><a href="${escapeHtml(vars.link)}">${html(c.action)}</a></strong>`),
    p(html(c.expiry)),
    p(html(c.ignore)),
    p(html(c.signOff)),
  ].join("\n");
  return {
    subject: plain(c.subject),
    text: `${text}\n`,
    html:
      `<!doctype html>\n<html lang="${locale}"><head><meta charset="utf-8">` +
      `<title>${html(c.subject)}</title></head>\n<body>\n${body}\n</body></html>\n`,
  };
}
