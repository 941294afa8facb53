import { z } from "zod";
import type { ComplaintCategory, HardshipReason, Locale } from "../../db/schema";
import { checkPromiseDate } from "../domain/borrower-actions";
import { parseMoneyInput } from "../domain/money";

/**
 * The borrower action forms (docs/product-rules.md §5). Every message is a translation key
 * ("actions:errors.…") the page renders in the reader's language; a form that
 * fails here writes nothing.
 */

export const HARDSHIP_REASONS = [
  "job_loss",
  "illness",
  "bereavement",
  "disaster",
  "other",
] as const satisfies readonly HardshipReason[];
export const HARDSHIP_HELP = ["pause", "lower_payments"] as const;
export const COMPLAINT_CATEGORIES = [
  "contact_frequency",
  "conduct",
  "amount_disputed",
  "privacy",
  "payment_problem",
  "other",
] as const satisfies readonly ComplaintCategory[];
export const CONTACT_CHANNELS = ["sms", "email", "phone"] as const;
export const PREFERENCE_LOCALES = ["zh-HK", "zh-CN", "en"] as const satisfies readonly Locale[];
export const APPOINTMENT_KINDS = ["callback", "visit"] as const;

export const HARDSHIP_DETAILS_MAX = 2000;
export const COMPLAINT_TEXT_MAX = 4000;
export const APPOINTMENT_NOTE_MAX = 500;
/** Borrower-supplied preferred window must sit inside 08:00-21:00 (US Reg F, the widest profile). */
const WINDOW_EARLIEST = "08:00";
const WINDOW_LATEST = "21:00";
export const MAX_PER_WEEK = 21;
/** Monthly income or expenses above this (in minor units) are a typing slip, not a figure. */
const MONTHLY_AMOUNT_MAX_MINOR = 100_000_000_000;

const err = (key: string) => `actions:errors.${key}`;
/** A single text value. A field posted twice arrives as a list: that, too, gets a translated message. */
const str = (requiredKey?: string) =>
  z.string({ required_error: err(requiredKey ?? "valueInvalid"), invalid_type_error: err("valueInvalid") });
const list = <T extends z.ZodTypeAny>(item: T, max: number) =>
  z.array(item, { invalid_type_error: err("choiceInvalid") }).max(max, err("choiceInvalid"));
// Postgres text cannot hold NUL; anything else a person types is kept as typed and rendered escaped.
const noNul = (s: string) => !s.includes("\u0000");

/**
 * Free text: trimmed, bounded, stored as given. Checked after trimming without
 * a second z.string(): conform would turn a trimmed-empty value into "missing".
 */
function freeText(max: number, opts: { requiredKey?: string } = {}) {
  return str(opts.requiredKey)
    .transform((s) => s.trim())
    .superRefine((s, ctx) => {
      const problem =
        opts.requiredKey && s.length === 0
          ? opts.requiredKey
          : s.length > max
            ? "textTooLong"
            : !noNul(s)
              ? "textInvalid"
              : null;
      if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: err(problem) });
    });
}

/** An amount typed by a person, as integer minor units. */
function moneyField(
  currency: string,
  opts: { required: string; min: number; max: number; minKey: string; maxKey: string },
) {
  return str(opts.required)
    .max(40, err("amountInvalid"))
    .transform((text, ctx) => {
      const minor = parseMoneyInput(text, currency);
      const problem =
        minor === null
          ? "amountInvalid"
          : minor < opts.min
            ? opts.minKey
            : minor > opts.max
              ? opts.maxKey
              : null;
      if (problem) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: err(problem) });
        return z.NEVER;
      }
      return minor!;
    });
}

function oneOf<T extends readonly [string, ...string[]]>(values: T, key: string) {
  return z.enum(values, { errorMap: () => ({ message: err(key) }) });
}

// ---- Promise to pay ----

export function promiseSchema(ctx: { currency: string; balanceMinor: number; today: string }) {
  return z.object({
    amount: moneyField(ctx.currency, {
      required: "amountRequired",
      min: 1,
      max: ctx.balanceMinor,
      minKey: "amountZero",
      maxKey: "amountOverBalance",
    }),
    promisedDate: str("dateRequired")
      .max(10, err("dateInvalid"))
      .superRefine((date, c) => {
        const problem = checkPromiseDate(date, ctx.today);
        const key =
          problem === "past"
            ? "dateInPast"
            : problem === "too_late"
              ? "dateTooLate"
              : problem
                ? "dateInvalid"
                : null;
        if (key) c.addIssue({ code: z.ZodIssueCode.custom, message: err(key) });
      }),
  });
}
export interface PromiseFields {
  amount: string;
  promisedDate: string;
}

// ---- Hardship ----

export function hardshipSchema(ctx: { currency: string }) {
  const monthly = (required: string) =>
    moneyField(ctx.currency, {
      required,
      min: 0,
      max: MONTHLY_AMOUNT_MAX_MINOR,
      minKey: "amountInvalid",
      maxKey: "amountTooLarge",
    }).optional();
  return z
    .object({
      reason: oneOf(HARDSHIP_REASONS, "reasonRequired"),
      details: freeText(HARDSHIP_DETAILS_MAX).optional(),
      monthlyIncome: monthly("amountInvalid"),
      monthlyExpenses: monthly("amountInvalid"),
      help: list(oneOf(HARDSHIP_HELP, "choiceInvalid"), HARDSHIP_HELP.length).optional(),
    })
    .transform((v) => ({
      reason: v.reason,
      details: v.details ?? "",
      monthlyIncomeMinor: v.monthlyIncome ?? null,
      monthlyExpensesMinor: v.monthlyExpenses ?? null,
      wantsPause: v.help?.includes("pause") ?? false,
      wantsLowerPayments: v.help?.includes("lower_payments") ?? false,
    }));
}
export interface HardshipFields {
  reason: string;
  details: string;
  monthlyIncome: string;
  monthlyExpenses: string;
  help: string[];
}
export type HardshipInput = z.output<ReturnType<typeof hardshipSchema>>;

// ---- Contact preferences ----

const CLOCK = /^([01]\d|2[0-3]):([0-5]\d)$/;

export const preferencesSchema = z
  .object({
    channels: list(oneOf(CONTACT_CHANNELS, "choiceInvalid"), CONTACT_CHANNELS.length).optional(),
    windowStart: str().regex(CLOCK, err("timeInvalid")).optional(),
    windowEnd: str().regex(CLOCK, err("timeInvalid")).optional(),
    language: oneOf(PREFERENCE_LOCALES, "languageRequired"),
    /** Ticked: the borrower refuses home or branch visits (docs/product-rules.md §4.19). */
    noVisits: oneOf(["on"] as const, "choiceInvalid").optional(),
    maxPerWeek: str()
      .regex(/^\d{1,2}$/, err("maxPerWeekInvalid"))
      .transform(Number)
      .refine((n) => n >= 1 && n <= MAX_PER_WEEK, err("maxPerWeekInvalid"))
      .optional(),
  })
  .superRefine((v, ctx) => {
    const issue = (path: string, key: string) =>
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: [path], message: err(key) });
    if (v.windowStart && !v.windowEnd) issue("windowEnd", "windowBoth");
    if (v.windowEnd && !v.windowStart) issue("windowStart", "windowBoth");
    // zod runs this even when a field failed its own check; malformed times already have their error.
    const start = v.windowStart && CLOCK.test(v.windowStart) ? v.windowStart : null;
    const end = v.windowEnd && CLOCK.test(v.windowEnd) ? v.windowEnd : null;
    if (start && (start < WINDOW_EARLIEST || start > WINDOW_LATEST)) issue("windowStart", "windowRange");
    if (end && (end < WINDOW_EARLIEST || end > WINDOW_LATEST)) issue("windowEnd", "windowRange");
    // "HH:MM" strings compare in time order.
    if (start && end && start >= end) issue("windowEnd", "windowOrder");
  })
  .transform((v) => ({
    smsAllowed: v.channels?.includes("sms") ?? false,
    emailAllowed: v.channels?.includes("email") ?? false,
    phoneAllowed: v.channels?.includes("phone") ?? false,
    visitAllowed: v.noVisits === undefined,
    windowStart: v.windowStart ?? null,
    windowEnd: v.windowEnd ?? null,
    language: v.language,
    maxPerWeek: v.maxPerWeek ?? null,
  }));
export interface PreferencesFields {
  channels: string[];
  noVisits: string;
  windowStart: string;
  windowEnd: string;
  language: string;
  maxPerWeek: string;
}
export type PreferencesInput = z.output<typeof preferencesSchema>;

/** The half-hour choices offered for the preferred window. */
export function windowTimeOptions(): string[] {
  const out: string[] = [];
  for (let m = 8 * 60; m <= 21 * 60; m += 30)
    out.push(`${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`);
  return out;
}

// ---- Appointment ----

export function appointmentSchema(ctx: { slotStarts: ReadonlySet<string> }) {
  return z.object({
    kind: oneOf(APPOINTMENT_KINDS, "kindRequired"),
    slot: str("slotRequired")
      .max(40, err("slotUnavailable"))
      .refine((s) => ctx.slotStarts.has(s), err("slotUnavailable")),
    note: freeText(APPOINTMENT_NOTE_MAX).optional(),
  });
}
export interface AppointmentFields {
  kind: string;
  slot: string;
  note: string;
}

// ---- Complaint ----

export const complaintSchema = z.object({
  category: oneOf(COMPLAINT_CATEGORIES, "categoryRequired"),
  text: freeText(COMPLAINT_TEXT_MAX, { requiredKey: "complaintRequired" }),
});
export interface ComplaintFields {
  category: string;
  text: string;
}
