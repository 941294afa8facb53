import enEmail from "../../locales/en/email.json";
import zhCNEmail from "../../locales/zh-CN/email.json";
import zhHKEmail from "../../locales/zh-HK/email.json";
import enStatuses from "../../locales/en/statuses.json";
import zhCNStatuses from "../../locales/zh-CN/statuses.json";
import zhHKStatuses from "../../locales/zh-HK/statuses.json";
import type { SupportedLocale } from "../i18n/config";
import { escapeHtml, type RenderedEmail } from "./email-templates";

/**
 * A dispute's validation notice as an email (docs/product-rules.md §4.23, Reg F 1006.34): the notice's
 * recorded text, word for word, as the text part and as escaped paragraphs in the HTML part, under a subject
 * in the notice's language, with the opt-out every electronic communication of a debt collector carries
 * (Reg F 1006.6(e)). The text is what the bank would otherwise print, so nothing is added to it but the
 * opt-out; a text with control or bidi characters (other than its line breaks) is refused.
 */
export interface ValidationNoticeEmailVars {
  bank: string;
  last4: string;
  /** The notice exactly as recorded (validation_notices.body). */
  body: string;
  /** The signed one-click unsubscribe URL. */
  unsubscribe: string;
}

const SUBJECTS: Readonly<Record<SupportedLocale, string>> = {
  en: enStatuses.validationNotice.subject,
  "zh-HK": zhHKStatuses.validationNotice.subject,
  "zh-CN": zhCNStatuses.validationNotice.subject,
};

const OPT_OUT: Readonly<Record<SupportedLocale, { unsubscribe: string; unsubscribeNote: string }>> = {
  en: enEmail,
  "zh-HK": zhHKEmail,
  "zh-CN": zhCNEmail,
};

// As the reminder emails' check, but a notice's own line breaks are its paragraphs.
const UNSAFE_TEXT =
  /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u2028\u2029\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;

export class UnsafeNoticeText extends Error {
  override readonly name = "UnsafeNoticeText";
}

export function renderValidationNoticeEmail(
  locale: SupportedLocale,
  vars: ValidationNoticeEmailVars,
): RenderedEmail {
  for (const [name, value] of Object.entries(vars))
    if (value.trim() === "" || UNSAFE_TEXT.test(value))
      throw new UnsafeNoticeText(`validation notice ${name} is blank or has control characters`);
  if (/[\r\n]/.test(vars.bank + vars.last4)) throw new UnsafeNoticeText("subject values must be one line");
  if (!/^https?:\/\/[^\s"'<>]+$/.test(vars.unsubscribe))
    throw new UnsafeNoticeText("the unsubscribe link must be an http(s) URL");
  const subject = SUBJECTS[locale].replace(
    /\{\{(bank|last4)\}\}/g,
    (_, name: "bank" | "last4") => vars[name],
  );
  const { unsubscribe, unsubscribeNote } = OPT_OUT[locale];
  const text = `${vars.body.trim()}\n\n--\n${unsubscribe}: ${vars.unsubscribe}\n${unsubscribeNote}\n`;
  const paragraphs = vars.body
    .trim()
    .split(/\n{2,}/)
    .map((para) => `<p>${para.split("\n").map(escapeHtml).join("<br>")}</p>`);
  const optOut =
    `<p><small><a href="${escapeHtml(vars.unsubscribe)}">${escapeHtml(unsubscribe)}</a>. ` +
    `${escapeHtml(unsubscribeNote)}</small></p>`;
  return {
    subject,
    text,
    html:
      `<!doctype html>\n<html lang="${locale}"><head><meta charset="utf-8">` +
      `<title>${escapeHtml(subject)}</title></head>\n<body>\n${paragraphs.join("\n")}\n<hr>\n${optOut}\n</body></html>\n`,
  };
}
