import { parsePhoneNumberFromString } from "libphonenumber-js";
import { datetimeRegex, z } from "zod";
import * as z4 from "zod/v4";
import type { AccountStatus, Jurisdiction, Locale, PhoneOwner, Product } from "../../db/schema";
import {
  addressFastSchema,
  addressIncomplete,
  addressSchema,
  ADDRESS_INCOMPLETE,
} from "./record-address.server";
import { recordStatusFastSchema, recordStatusIssue, recordStatusSchema } from "./record-status-fields.server";
import { JURISDICTIONS } from "../domain/contact-policy";
import { isValidTimeZone } from "../domain/local-time";
import { boundedMemo } from "../domain/memo";
import { hashVerificationAnswer, normaliseVerificationAnswer } from "../borrower/verification-answers.server";

/**
 * One borrower + one account as the bank's core system sends it: the body of
 * `POST /api/v1/accounts/bulk` (JSON array or NDJSON) and one row of an import
 * file (CSV columns or JSONL objects). A record is the account's full current
 * state: optional amounts default to 0, and `balance_as_of` says when the bank
 * took it (default: when Settle received it). Only `dob` and `id_last4`, when
 * omitted, keep what Settle already has; they are hashed before anything is stored.
 *
 * Every bound here is at least as strict as the CHECK constraints in
 * db/migrations, so a record that passes never fails at the database.
 */

const LOCALES = ["zh-HK", "zh-CN", "en"] as const satisfies readonly Locale[];
const PRODUCTS = [
  "credit_card",
  "personal_loan",
  "auto_loan",
  "mortgage",
] as const satisfies readonly Product[];
const ACCOUNT_STATUSES = [
  "current",
  "delinquent",
  "paid",
  "closed",
] as const satisfies readonly AccountStatus[];

/** How far ahead of Settle's clock a `balance_as_of` may be (clock skew); later ones would freeze future updates. */
const AS_OF_MAX_SKEW_MS = 5 * 60_000;

const CURRENCIES = new Set(Intl.supportedValuesOf("currency"));

/** Zone validation builds an Intl formatter (~100 µs); a file of a million rows uses a handful of zones. */
const zoneValidity = new Map<string, boolean>();
function isKnownTimeZone(zone: string): boolean {
  let valid = zoneValidity.get(zone);
  if (valid === undefined) {
    valid = isValidTimeZone(zone);
    if (zoneValidity.size < 10_000) zoneValidity.set(zone, valid);
  }
  return valid;
}
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A pure check over short strings that repeat across records (a million-row file holds a few thousand due dates). */
function memoised<T>(check: (value: string) => T, maxEntries = 10_000): (value: string) => T {
  const memo = boundedMemo<T>(maxEntries);
  return (value) => memo(value, () => check(value));
}

/**
 * Remembers only the last value checked: a borrower's rows sit together in a bank's export, so their
 * phone and verification answers repeat row after row. Holds one value, so no personal data piles up.
 */
function lastValueMemo<T>(check: (value: string) => T): (value: string) => T {
  let lastValue: string | undefined;
  let lastResult: T;
  return (value) => {
    if (value !== lastValue) {
      lastResult = check(value);
      lastValue = value;
    }
    return lastResult;
  };
}

const isCalendarDate = memoised(function isCalendarDate(value: string): boolean {
  const m = ISO_DATE.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return y >= 1900 && y <= 2200 && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
});

const EXTERNAL_REF = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
const isCurrencyCode = memoised((c) => /^[A-Z]{3}$/.test(c) && CURRENCIES.has(c));
const notInTheFuture = (v: string) => Date.parse(v) <= Date.now() + AS_OF_MAX_SKEW_MS;
const isDob = lastValueMemo((v) => normaliseVerificationAnswer("dob", v) !== null);
const isIdLast4 = lastValueMemo((v) => normaliseVerificationAnswer("id_last4", v) !== null);

/** Refs also appear in URL paths (`/api/v1/accounts/{ref}/balance`), so no slashes or spaces. */
export const externalRefSchema = z
  .string({ required_error: "is required", invalid_type_error: "must be a string" })
  .regex(
    EXTERNAL_REF,
    "must be 1-64 characters: letters, digits, '.', '_', ':' or '-', starting with a letter or digit",
  );

const minorUnitsSchema = z
  .number({
    required_error: "is required",
    invalid_type_error: "must be a whole number of minor units (e.g. 12345 for 123.45)",
  })
  .int("must be a whole number of minor units (e.g. 12345 for 123.45)")
  .nonnegative("must not be negative")
  .max(Number.MAX_SAFE_INTEGER, "is too large");

export const currencySchema = z
  .string({ required_error: "is required" })
  .refine(isCurrencyCode, "must be an ISO 4217 currency code in capitals, e.g. HKD")
  .describe("ISO 4217 code, e.g. HKD");

const calendarDateSchema = z
  .string()
  .refine(isCalendarDate, "must be a calendar date YYYY-MM-DD")
  .describe("YYYY-MM-DD");

export const asOfSchema = z
  .string()
  .datetime({ offset: true, message: "must be an ISO 8601 timestamp with a zone, e.g. 2026-11-23T08:00:00Z" })
  .refine(notInTheFuture, "must not be in the future")
  .describe(
    "When the bank took this balance (ISO 8601 with zone). Default: when Settle received the record.",
  );

/** E.164, or null when not a valid number in international format. */
const e164 = lastValueMemo((raw: string): string | null => {
  const parsed = raw.trim().startsWith("+") ? parsePhoneNumberFromString(raw.trim()) : undefined;
  return parsed?.isValid() ? (parsed.number as string) : null;
});

const phoneSchema = z
  .string({ required_error: "is required" })
  .transform((raw, ctx) => {
    const number = e164(raw);
    if (number === null) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: "must be a valid phone number in international format, e.g. +85291234567",
      });
      return z.NEVER;
    }
    return number;
  })
  .describe("International format (E.164 after normalisation), e.g. +85291234567");

const accountFieldsSchema = {
  product: z.enum(PRODUCTS),
  last4: z.string().regex(/^[0-9]{4}$/, "must be the last 4 digits of the account number"),
  currency: currencySchema,
  balance_minor: minorUnitsSchema.describe("Total balance in minor units"),
  overdue_minor: minorUnitsSchema.default(0),
  minimum_due_minor: minorUnitsSchema.default(0),
  fees_minor: minorUnitsSchema.default(0),
  interest_minor: minorUnitsSchema.default(0),
  due_date: calendarDateSchema.nullish(),
  dpd: z
    .number({ invalid_type_error: "must be a whole number of days" })
    .int()
    .min(0)
    .max(36_500)
    .default(0)
    .describe("Days past due"),
  status: z.enum(ACCOUNT_STATUSES),
  balance_as_of: asOfSchema.optional(),
};

export const accountRecordSchema = z
  .object({
    borrower_ref: externalRefSchema.describe("The bank's id for the borrower"),
    full_name: z
      .string({ required_error: "is required" })
      .trim()
      .min(1, "is required")
      .max(200, "is longer than 200 characters"),
    phone: phoneSchema,
    email: z.string().trim().max(254).email("must be an email address").nullish(),
    locale: z.enum(LOCALES),
    time_zone: z
      .string({ required_error: "is required" })
      .max(64)
      .refine(isKnownTimeZone, "must be an IANA time zone, e.g. Asia/Hong_Kong"),
    jurisdiction: z.enum(JURISDICTIONS),
    dob: z
      .string()
      .refine(isDob, "must be a date of birth YYYY-MM-DD")
      .optional()
      .describe("Date of birth (verification answer); stored only as a keyed hash"),
    id_last4: z
      .string()
      .refine(isIdLast4, "must be the last 4 characters of the ID number")
      .optional()
      .describe("Last 4 characters of the ID number (verification answer); stored only as a keyed hash"),
    account_ref: externalRefSchema.describe("The bank's id for the account"),
    ...accountFieldsSchema,
    ...addressSchema,
    ...recordStatusSchema,
  })
  .strict()
  .superRefine((r, ctx) => {
    const missing = addressIncomplete(r);
    if (missing)
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: [missing],
        message: ADDRESS_INCOMPLETE,
      });
    const statusIssue = recordStatusIssue(r);
    if (statusIssue) ctx.addIssue({ code: z.ZodIssueCode.custom, ...statusIssue });
    if (r.dob === undefined && r.id_last4 === undefined) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["dob"],
        message: "dob or id_last4 is required (the borrower's verification answer)",
      });
    }
  })
  .describe("One borrower and one of their accounts, as the bank's core system holds them now");

export type AccountRecordInput = z.input<typeof accountRecordSchema>;
export type AccountRecord = z.output<typeof accountRecordSchema>;

/** zod 3's own e-mail pattern (what `.email()` above tests), for the fast schema below. */
const ZOD3_EMAIL = /^(?!\.)(?!.*\.\.)([A-Z0-9_'+\-\.]*)[A-Z0-9_+-]@([A-Z0-9][A-Z0-9\-]*\.)+[A-Z]{2,}$/i;
/** zod 3's pattern for `.datetime({ offset: true })`, built once (zod 3 rebuilds it on every check). */
const ZOD3_DATETIME_OFFSET = datetimeRegex({ precision: null, offset: true, local: false });

const fastMinor = z4.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const fastRef = z4.string().regex(EXTERNAL_REF);

/**
 * accountRecordSchema's rules again, compiled by zod 4 (several times faster than zod 3, with far less
 * garbage), for the file import's hot path: a million rows. Same checks in the same order, sharing the
 * patterns and predicates above; messages are not repeated because only the verdict and the parsed
 * record are used. A row this refuses is validated again by accountRecordSchema, which alone words the
 * errors (and decides, should the two ever disagree). tests/import/record-fast-path.test.ts holds
 * both to the same verdicts and outputs; change them together.
 */
const accountRecordFastSchema = z4
  .object({
    borrower_ref: fastRef,
    full_name: z4.string().trim().min(1).max(200),
    phone: z4
      .string()
      .refine((raw) => e164(raw) !== null)
      .transform((raw) => e164(raw)!),
    email: z4.string().trim().max(254).regex(ZOD3_EMAIL).nullish(),
    locale: z4.enum(LOCALES),
    time_zone: z4.string().max(64).refine(isKnownTimeZone),
    jurisdiction: z4.enum(JURISDICTIONS),
    dob: z4.string().refine(isDob).optional(),
    id_last4: z4.string().refine(isIdLast4).optional(),
    account_ref: fastRef,
    product: z4.enum(PRODUCTS),
    last4: z4.string().regex(/^[0-9]{4}$/),
    currency: z4.string().refine(isCurrencyCode),
    balance_minor: fastMinor,
    overdue_minor: fastMinor.default(0),
    minimum_due_minor: fastMinor.default(0),
    fees_minor: fastMinor.default(0),
    interest_minor: fastMinor.default(0),
    due_date: z4.string().refine(isCalendarDate).nullish(),
    dpd: z4.number().int().min(0).max(36_500).default(0),
    status: z4.enum(ACCOUNT_STATUSES),
    balance_as_of: z4.string().regex(ZOD3_DATETIME_OFFSET).refine(notInTheFuture).optional(),
    ...addressFastSchema,
    ...recordStatusFastSchema,
  })
  .strict()
  .refine((r) => addressIncomplete(r) === null)
  .refine((r) => recordStatusIssue(r) === null)
  .refine((r) => r.dob !== undefined || r.id_last4 !== undefined);

/**
 * The record, when valid; null otherwise (then validate with accountRecordSchema for the field errors).
 * Verdict and output are accountRecordSchema's, reached faster.
 */
export function parseAccountRecordFast(input: unknown): AccountRecord | null {
  const parsed = accountRecordFastSchema.safeParse(input);
  return parsed.success ? (parsed.data as AccountRecord) : null;
}

/** Columns of an import CSV: exactly the record's fields. */
export const ACCOUNT_RECORD_FIELDS = Object.keys(
  accountRecordSchema._def.schema.shape,
) as (keyof AccountRecordInput)[];
const NUMBER_FIELDS = new Set([
  "balance_minor",
  "overdue_minor",
  "minimum_due_minor",
  "fees_minor",
  "interest_minor",
  "dpd",
]);

const WHOLE_NUMBER = /^-?\d{1,16}$/;

/**
 * A CSV row, read as cells under the header's column names, as the record the API would receive: empty
 * cells are absent, whole numbers become numbers. Anything else is left as text, so the schema reports it
 * with the same message the API would.
 */
export function csvCellsToRecordInput(
  columns: readonly string[],
  cells: readonly string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < columns.length; i++) {
    const value = cells[i]!.trim();
    if (value === "") continue;
    const key = columns[i]!;
    out[key] = NUMBER_FIELDS.has(key) && WHOLE_NUMBER.test(value) ? Number(value) : value;
  }
  return out;
}

/** What the upsert writes: database values, answers already hashed. */
export interface AccountUpsertRow {
  borrower: {
    external_ref: string;
    full_name: string;
    phone_e164: string;
    email: string | null;
    locale: Locale;
    time_zone: string;
    jurisdiction: Jurisdiction;
    dob_hash: string | null;
    id_last4_hash: string | null;
    address_line1: string | null;
    address_line2: string | null;
    address_city: string | null;
    address_region: string | null;
    address_postal_code: string | null;
    address_country: string | null;
    /** Null when the bank did not say (§4.20): Settle keeps what it holds for the same number. */
    phone_owner: PhoneOwner | null;
  };
  account: {
    external_ref: string;
    product: Product;
    last4: string;
    currency: string;
    balance_minor: number;
    overdue_minor: number;
    minimum_due_minor: number;
    fees_minor: number;
    interest_minor: number;
    due_date: string | null;
    dpd: number;
    status: AccountStatus;
    /** ISO instant */
    balance_as_of: string;
  };
}

/**
 * Memoises keyed hashes of verification answers within one import: a million
 * borrowers share a few tens of thousands of birth dates. Bounded, and meant to
 * live only as long as the import that owns it (not in a long-running web process).
 */
export class AnswerHashCache {
  private readonly hashes = new Map<string, string | null>();
  constructor(private readonly maxEntries = 200_000) {}
  hash(kind: "dob" | "id_last4", raw: string, key: string): string | null {
    const cacheKey = `${kind}:${raw}`;
    let hashed = this.hashes.get(cacheKey);
    if (hashed === undefined) {
      hashed = hashVerificationAnswer(kind, raw, key);
      if (this.hashes.size >= this.maxEntries) this.hashes.clear();
      this.hashes.set(cacheKey, hashed);
    }
    return hashed;
  }
}

export function toUpsertRow(
  record: AccountRecord,
  opts: { hashKey: string; receivedAt: Date; answerHashes?: AnswerHashCache },
): AccountUpsertRow {
  const hash = (kind: "dob" | "id_last4", raw: string) =>
    opts.answerHashes
      ? opts.answerHashes.hash(kind, raw, opts.hashKey)
      : hashVerificationAnswer(kind, raw, opts.hashKey);
  return {
    borrower: {
      external_ref: record.borrower_ref,
      full_name: record.full_name,
      phone_e164: record.phone,
      email: record.email ?? null,
      locale: record.locale,
      time_zone: record.time_zone,
      jurisdiction: record.jurisdiction,
      dob_hash: record.dob === undefined ? null : hash("dob", record.dob),
      id_last4_hash: record.id_last4 === undefined ? null : hash("id_last4", record.id_last4),
      address_line1: record.address_line1 ?? null,
      address_line2: record.address_line2 ?? null,
      address_city: record.address_city ?? null,
      address_region: record.address_region ?? null,
      address_postal_code: record.address_postal_code ?? null,
      address_country: record.address_country ?? null,
      phone_owner: record.phone_owner ?? null,
    },
    account: {
      external_ref: record.account_ref,
      product: record.product,
      last4: record.last4,
      currency: record.currency,
      balance_minor: record.balance_minor,
      overdue_minor: record.overdue_minor,
      minimum_due_minor: record.minimum_due_minor,
      fees_minor: record.fees_minor,
      interest_minor: record.interest_minor,
      due_date: record.due_date ?? null,
      dpd: record.dpd,
      status: record.status,
      balance_as_of: new Date(record.balance_as_of ?? opts.receivedAt).toISOString(),
    },
  };
}

/** A balance update for one account (`POST /api/v1/accounts/{ref}/balance`): omitted fields keep their current values. */
export const balanceUpdateSchema = z
  .object({
    balance_minor: accountFieldsSchema.balance_minor,
    overdue_minor: minorUnitsSchema.optional(),
    minimum_due_minor: minorUnitsSchema.optional(),
    fees_minor: minorUnitsSchema.optional(),
    interest_minor: minorUnitsSchema.optional(),
    due_date: calendarDateSchema.nullish(),
    dpd: z
      .number({ invalid_type_error: "must be a whole number of days" })
      .int()
      .min(0)
      .max(36_500)
      .optional(),
    status: z.enum(ACCOUNT_STATUSES).optional(),
    balance_as_of: asOfSchema.optional(),
  })
  .strict()
  .describe("A new balance for one account; omitted fields keep their current values");

export type BalanceUpdate = z.output<typeof balanceUpdateSchema>;
