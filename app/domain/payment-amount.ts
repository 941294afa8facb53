import { currencyExponent } from "./money";

/**
 * What a borrower may pay through the portal (docs/product-rules.md §6.1): the overdue
 * amount, the full balance, or a custom amount between a minimum and the full
 * balance. Amounts are integer minor units; typed text is parsed without floats.
 */
export const PAYMENT_CHOICES = ["overdue", "full", "custom"] as const;
export type PaymentChoice = (typeof PAYMENT_CHOICES)[number];

/** The smallest custom payment, in minor units (HK$1.00, ¥1.00, £1.00), unless the balance is smaller. */
export const MIN_CUSTOM_PAYMENT_MINOR = 100;
/** Longer input is not an amount anyone typed; refuse it before looking closer. */
const MAX_INPUT_LENGTH = 32;

export interface PaymentBounds {
  currency: string;
  /** Overdue amount still to pay (after payments pending at the bank). */
  overdueMinor: number;
  /** Full balance still to pay; also the largest payment accepted. */
  balanceMinor: number;
  minMinor: number;
  maxMinor: number;
}

export function paymentBounds(amounts: {
  currency: string;
  overdueMinor: number;
  balanceMinor: number;
}): PaymentBounds {
  const balance = Math.max(0, amounts.balanceMinor);
  return {
    currency: amounts.currency,
    overdueMinor: Math.min(Math.max(0, amounts.overdueMinor), balance),
    balanceMinor: balance,
    minMinor: Math.min(MIN_CUSTOM_PAYMENT_MINOR, balance),
    maxMinor: balance,
  };
}

export type AmountErrorCode =
  | "choiceRequired"
  | "choiceUnavailable"
  | "nothingToPay"
  | "amountRequired"
  | "amountNotNumber"
  | "amountNegative"
  | "amountZero"
  | "amountDecimals"
  | "amountAboveBalance"
  | "amountBelowMinimum";

export type AmountResult = { ok: true; minor: number } | { ok: false; error: AmountErrorCode };

/**
 * Parses a typed amount ("1,234.50", "HK$ 80", full-width digits) into minor
 * units of `currency`, naming what is wrong when it is not a payable amount.
 */
export function parseTypedAmount(input: string, currency: string): AmountResult {
  if (input.length > MAX_INPUT_LENGTH) return { ok: false, error: "amountNotNumber" };
  const text = input
    .normalize("NFKC")
    .replace(/[\s,]/g, "")
    .replace(/^(?:[A-Za-z]{0,3}[$¥£€]|HKD|CNY|RMB|GBP|USD|EUR)/i, "");
  if (text === "") return { ok: false, error: "amountRequired" };
  const match = /^([-\u2212]?)(\d*)(?:\.(\d*))?$/.exec(text);
  if (!match || (match[2] === "" && !match[3])) return { ok: false, error: "amountNotNumber" };
  const [, sign, whole = "", fraction = ""] = match;
  const exponent = currencyExponent(currency);
  const isZero = /^0*$/.test(whole + fraction);
  if (sign && !isZero) return { ok: false, error: "amountNegative" };
  // "12.50" is fine for HKD, "12.505" is not; trailing zeros beyond the exponent carry nothing.
  if (fraction.replace(/0+$/, "").length > exponent) return { ok: false, error: "amountDecimals" };
  if (isZero) return { ok: false, error: "amountZero" };
  const digits = `${whole}${fraction.slice(0, exponent).padEnd(exponent, "0")}`.replace(/^0+/, "");
  // Far beyond any balance: say so rather than lose precision.
  if (digits.length > 15) return { ok: false, error: "amountAboveBalance" };
  return { ok: true, minor: Number(digits) };
}

/** The amount to charge for a choice, or why it cannot be paid. */
export function resolvePaymentAmount(
  choice: PaymentChoice,
  customMinor: number | undefined,
  bounds: PaymentBounds,
): AmountResult {
  if (bounds.balanceMinor <= 0) return { ok: false, error: "nothingToPay" };
  switch (choice) {
    case "overdue":
      return bounds.overdueMinor > 0
        ? { ok: true, minor: bounds.overdueMinor }
        : { ok: false, error: "choiceUnavailable" };
    case "full":
      return { ok: true, minor: bounds.balanceMinor };
    case "custom":
      return checkCustomAmount(customMinor, bounds);
  }
}

function checkCustomAmount(minor: number | undefined, bounds: PaymentBounds): AmountResult {
  if (minor === undefined) return { ok: false, error: "amountRequired" };
  if (!Number.isSafeInteger(minor)) return { ok: false, error: "amountNotNumber" };
  if (minor < 0) return { ok: false, error: "amountNegative" };
  if (minor === 0) return { ok: false, error: "amountZero" };
  if (minor > bounds.maxMinor) return { ok: false, error: "amountAboveBalance" };
  if (minor < bounds.minMinor) return { ok: false, error: "amountBelowMinimum" };
  return { ok: true, minor };
}
