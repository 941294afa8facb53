import enSms from "../../locales/en/sms.json";
import zhCNSms from "../../locales/zh-CN/sms.json";
import zhHKSms from "../../locales/zh-HK/sms.json";
import type { SupportedLocale } from "../i18n/config";
import { boundedMemo } from "./memo";

/**
 * Default SMS texts (docs/product-rules.md §1.2, §4.9, §5.1) and a deliberately tiny
 * interpolator. Not i18next at runtime: an SMS is evidence and costs money per
 * part, so a missing value must fail loudly instead of rendering "{{amount}}"
 * or an empty string, and a value must not smuggle in line breaks or bidi
 * overrides that change how the message reads.
 */

/** Reminder kinds: the contact-policy stages plus the instalment-due reminder of an active plan. */
export const REMINDER_STAGES = [
  "pre_due",
  "due",
  "early",
  "mid",
  "late",
  "serious",
  "instalment_due",
] as const;
export type ReminderStage = (typeof REMINDER_STAGES)[number];

export const CONFIRMATION_KINDS = [
  "payment_receipt",
  "plan_submitted",
  "plan_approved",
  "plan_rejected",
  "plan_countered",
  "promise_confirmed",
  "hardship_received",
  "preferences_updated",
  "opted_out",
  "opted_in",
  "help",
  "wrong_number_ack",
  "complaint_ack",
  "callback_booked",
  "fresh_link",
  "payment_link",
  "case_response",
  "autopay_reminder",
  "autopay_failed",
] as const;
export type ConfirmationKind = (typeof CONFIRMATION_KINDS)[number];

/**
 * Every value arrives pre-formatted by the caller (money, dates and the
 * salutation are locale work done elsewhere). `dueDate` is the date the
 * borrower is asked to act by: the due date before D0, the pay-by date once
 * overdue, the promised date in `promise_confirmed`, the first instalment's
 * date in `plan_approved`. `slot` is a booked call/visit time.
 */
const SMS_PLACEHOLDERS = [
  "bank",
  "name",
  "last4",
  "amount",
  "dueDate",
  "link",
  "hotline",
  "ackNumber",
  "slot",
] as const;
export type SmsPlaceholder = (typeof SMS_PLACEHOLDERS)[number];
export type SmsVars = Readonly<Partial<Record<SmsPlaceholder, string>>>;

export type ReminderTemplateKey = `reminder.${ReminderStage}.${string}`;
type ConfirmationTemplateKey = `confirmation.${ConfirmationKind}`;
export type SmsTemplateKey = ReminderTemplateKey | ConfirmationTemplateKey;

/** The opt-out instruction every reminder carries, as written in each locale's templates. */
export const OPT_OUT_INSTRUCTION: Readonly<Record<SupportedLocale, string>> = {
  "zh-HK": "回T退訂",
  "zh-CN": "回T退订",
  en: "Reply STOP to opt out",
};

/**
 * The longest values we promise to fit: every default template rendered with
 * these stays within 2 SMS parts (tested). A bank name over 12 characters in a
 * Chinese message, or a due date with the year, pushes some texts to 3 parts.
 */
const WORST_CASE_LINK = "https://pay.examplebank.com.hk/r/Ab3dEf9hJk123456";
export const WORST_CASE_VARS: Readonly<Record<SupportedLocale, Readonly<Record<SmsPlaceholder, string>>>> = {
  "zh-HK": {
    bank: "中國銀行（香港）有限公司",
    name: "歐陽先生",
    last4: "9876",
    amount: "HK$9,999,999.99",
    dueDate: "12月31日",
    link: WORST_CASE_LINK,
    hotline: "2233 8000",
    ackNumber: "C20251231-00042",
    slot: "12月31日 14:00-15:00",
  },
  "zh-CN": {
    bank: "中国银行（香港）有限公司",
    name: "欧阳先生",
    last4: "9876",
    amount: "HK$9,999,999.99",
    dueDate: "12月31日",
    link: WORST_CASE_LINK,
    hotline: "2233 8000",
    ackNumber: "C20251231-00042",
    slot: "12月31日 14:00-15:00",
  },
  en: {
    bank: "Example Bank (Hong Kong)",
    name: "Ms Cheung-Fitzgerald",
    last4: "9876",
    amount: "HK$9,999,999.99",
    dueDate: "30 September 2025",
    link: WORST_CASE_LINK,
    hotline: "+852 2233 8000",
    ackNumber: "C20251231-00042",
    slot: "Wed 31 Dec, 2:00pm-3:00pm",
  },
};

export type SmsTemplateErrorCode =
  "unknown_template" | "malformed_template" | "unknown_placeholder" | "missing_value" | "unsafe_value";

export class SmsTemplateError extends Error {
  override readonly name = "SmsTemplateError";
  constructor(
    readonly code: SmsTemplateErrorCode,
    message: string,
    readonly placeholder?: string,
  ) {
    super(message);
  }
}

interface SmsCatalog {
  reminder: Readonly<Record<ReminderStage, Readonly<Record<string, string>>>>;
  confirmation: Readonly<Record<ConfirmationKind, string>>;
}

// Typed assignment: a locale file missing a stage or confirmation fails the type check.
const CATALOGS: Readonly<Record<SupportedLocale, SmsCatalog>> = {
  en: enSms,
  "zh-HK": zhHKSms,
  "zh-CN": zhCNSms,
};

const PLACEHOLDER_PATTERN = /\{\{\s*([A-Za-z][A-Za-z0-9]*)\s*\}\}/g;
// C0/C1 controls (incl. \n \r \t), line/paragraph separators and bidi controls.
const UNSAFE_VALUE = /[\p{Cc}\u2028\u2029\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]|\{\{|\}\}/u;

function isPlaceholder(name: string): name is SmsPlaceholder {
  return (SMS_PLACEHOLDERS as readonly string[]).includes(name);
}

/** Placeholder names used by a template body, in order of first use; throws on malformed or unknown ones. */
export function smsTemplatePlaceholders(template: string): SmsPlaceholder[] {
  return [...parsedTemplate(template).names];
}

/** A template checked once and split into literal text and placeholders, for filling by concatenation. */
interface ParsedTemplate {
  names: readonly SmsPlaceholder[];
  /** Literals and placeholders alternating: literal, name, literal, ..., literal. */
  parts: readonly string[];
}

// Keyed by the body itself: the shipped templates and the staff-edited ones a run uses, a few hundred at most.
// A body that fails the check throws every time (nothing is cached for it).
const parsedTemplates = boundedMemo<ParsedTemplate>(1_000);
const parsedTemplate = (template: string) => parsedTemplates(template, () => parseTemplate(template));

function parseTemplate(template: string): ParsedTemplate {
  const found: SmsPlaceholder[] = [];
  const parts: string[] = [];
  let from = 0;
  for (const match of template.matchAll(PLACEHOLDER_PATTERN)) {
    const name = match[1] ?? "";
    if (!isPlaceholder(name)) {
      throw new SmsTemplateError("unknown_placeholder", `unknown SMS placeholder {{${name}}}`, name);
    }
    if (!found.includes(name)) found.push(name);
    parts.push(template.slice(from, match.index), name);
    from = match.index + match[0].length;
  }
  parts.push(template.slice(from));
  // Anything brace-like left over ("{{amount}", "{{ amount, number }}") would reach the borrower verbatim.
  const rest = template.replace(PLACEHOLDER_PATTERN, "");
  if (rest.includes("{{") || rest.includes("}}")) {
    throw new SmsTemplateError("malformed_template", "SMS template has an unbalanced or unsupported {{…}}");
  }
  return { names: found, parts };
}

/**
 * Interpolate any template body, e.g. a staff-edited one from `sms_templates`.
 * Single pass, so a value can never be interpreted as a placeholder.
 */
export function fillSmsTemplate(template: string, vars: SmsVars): string {
  const { names, parts } = parsedTemplate(template);
  for (const name of names) {
    const value = vars[name];
    if (value === undefined || value.trim() === "") {
      throw new SmsTemplateError("missing_value", `SMS value {{${name}}} is missing or blank`, name);
    }
    if (UNSAFE_VALUE.test(value)) {
      throw new SmsTemplateError(
        "unsafe_value",
        `SMS value {{${name}}} contains control characters or braces`,
        name,
      );
    }
  }
  // Every name was validated above, so the lookup cannot miss.
  let out = parts[0]!;
  for (let i = 1; i < parts.length; i += 2) out += (vars[parts[i] as SmsPlaceholder] ?? "") + parts[i + 1]!;
  return out;
}

export function reminderTemplateKey(stage: ReminderStage, variant: string): ReminderTemplateKey {
  return `reminder.${stage}.${variant}`;
}

/** Variants the default templates offer for a stage (the same in every locale), for `assignVariant`. */
export function defaultReminderVariants(stage: ReminderStage): readonly string[] {
  return Object.keys(CATALOGS.en.reminder[stage]).sort();
}

/** Every default template key, reminders first, in a stable order. */
export function listTemplateKeys(): readonly SmsTemplateKey[] {
  return [
    ...REMINDER_STAGES.flatMap((stage) =>
      defaultReminderVariants(stage).map((variant) => reminderTemplateKey(stage, variant)),
    ),
    ...CONFIRMATION_KINDS.map((kind): ConfirmationTemplateKey => `confirmation.${kind}`),
  ];
}

function own(record: Readonly<Record<string, unknown>>, key: string): unknown {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** The raw default template body; throws `unknown_template` for keys we do not ship. */
export function getSmsTemplate(locale: SupportedLocale, key: SmsTemplateKey): string {
  const catalog = CATALOGS[locale];
  const [group, first, second, ...extra] = key.split(".");
  let body: unknown;
  if (group === "reminder" && first !== undefined && second !== undefined && extra.length === 0) {
    const stage = own(catalog.reminder, first);
    if (stage) body = own(stage as Record<string, unknown>, second);
  } else if (group === "confirmation" && first !== undefined && second === undefined) {
    body = own(catalog.confirmation, first);
  }
  if (typeof body !== "string") {
    throw new SmsTemplateError("unknown_template", `no default SMS template ${key} for ${locale}`);
  }
  return body;
}

/** Placeholders a key needs; identical across locales (tested), so callers can build vars once. */
export function requiredSmsVars(key: SmsTemplateKey): SmsPlaceholder[] {
  return smsTemplatePlaceholders(getSmsTemplate("en", key));
}

export function renderSms(locale: SupportedLocale, key: SmsTemplateKey, vars: SmsVars): string {
  return fillSmsTemplate(getSmsTemplate(locale, key), vars);
}
