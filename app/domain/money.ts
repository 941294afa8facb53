import { boundedMemo } from "./memo";

/**
 * Money is an integer count of minor units plus an ISO 4217 currency; it is
 * never a float. Formatting goes through Intl, which knows each currency's
 * exponent (HKD 2, JPY 0, KWD 3) and each locale's conventions.
 */
export interface Money {
  minor: number;
  currency: string;
}

const CURRENCY = /^[A-Z]{3}$/;

// Intl formatters are costly to construct (locale data lookup) and immutable once made, so each
// (locale, options) pair is built once per process: three page languages times a bank's few currencies.
const exponents = boundedMemo<number>(1_000);
const moneyFormats = boundedMemo<Intl.NumberFormat>(1_000);
const dateFormats = boundedMemo<Intl.DateTimeFormat>(1_000);

function assertMoney(m: Money): void {
  if (!Number.isSafeInteger(m.minor))
    throw new RangeError(`minor units must be a safe integer, got ${m.minor}`);
  if (!CURRENCY.test(m.currency)) throw new RangeError(`not an ISO 4217 currency code: ${m.currency}`);
}

/** Digits after the decimal point for a currency, per the runtime's ISO 4217 data. */
export function currencyExponent(currency: string): number {
  return exponents(
    currency,
    () =>
      new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ??
      2,
  );
}

/** Minor units as the plain decimal a person would type ("1234.50"), built from integers so no binary fraction appears. */
export function decimalAmount(m: Money): string {
  assertMoney(m);
  const exponent = currencyExponent(m.currency);
  const negative = m.minor < 0;
  const digits = Math.abs(m.minor)
    .toString()
    .padStart(exponent + 1, "0");
  const whole = exponent ? digits.slice(0, -exponent) : digits;
  const fraction = exponent ? digits.slice(-exponent) : "";
  return `${negative ? "-" : ""}${whole}${fraction ? `.${fraction}` : ""}`;
}

export function formatMoney(m: Money, locale: string): string {
  const decimal = decimalAmount(m);
  const formatter = moneyFormats(
    `${locale}|${m.currency}`,
    () =>
      new Intl.NumberFormat(locale, { style: "currency", currency: m.currency, currencyDisplay: "symbol" }),
  );
  // Intl accepts decimal strings exactly (ES2023 Intl.NumberFormat v3).
  return formatter.format(decimal as unknown as number);
}

/** Parses what a person types ("1,234.5", "１２３４") into minor units; null when it is not an amount. */
export function parseMoneyInput(input: string, currency: string): number | null {
  const exponent = currencyExponent(currency);
  const text = input.normalize("NFKC").trim().replace(/[,\s]/g, "");
  const match = new RegExp(`^(\\d{1,12})(?:\\.(\\d{0,${exponent}}))?$`).exec(text);
  if (!match || (exponent === 0 && text.includes("."))) return null;
  const minor = Number(match[1]) * 10 ** exponent + Number((match[2] ?? "").padEnd(exponent, "0") || "0");
  return Number.isSafeInteger(minor) ? minor : null;
}

/** A calendar date (YYYY-MM-DD) in the reader's language, without time-zone drift. */
export function formatCalendarDate(isoDate: string, locale: string): string {
  const [y, m, d] = isoDate.split("-").map(Number);
  if (!y || !m || !d) throw new RangeError(`not a calendar date: ${isoDate}`);
  return dateFormats(
    locale,
    () => new Intl.DateTimeFormat(locale, { dateStyle: "long", timeZone: "UTC" }),
  ).format(new Date(Date.UTC(y, m - 1, d)));
}
