import { z } from "zod";
import { epochDayFromIsoDate, isoDateFromEpochDay } from "./local-time";

/**
 * Settlement offers (docs/product-rules.md §7.10): the policy's bands, which band an account is in,
 * the agreed amount and its payment schedule. Pure: the services in app/plans/settlement*.ts read and
 * write; this decides.
 */
export const SETTLEMENT_PRODUCTS = ["credit_card", "personal_loan", "auto_loan", "mortgage"] as const;
/** A band for every product or every currency says "any". */
export const ANY = "any";
/** Whole basis points: 10,000 is the whole balance. A settlement always asks for something. */
export const MAX_DISCOUNT_BP = 9_000;
export const MAX_SETTLEMENT_PAYMENTS = 12;

const bandSchema = z
  .object({
    product: z.enum([ANY, ...SETTLEMENT_PRODUCTS]),
    currency: z.union([z.literal(ANY), z.string().regex(/^[A-Z]{3}$/, "a three-letter currency code")]),
    minDpd: z.number().int().min(0).max(10_000),
    maxDiscountBp: z.number().int().min(0).max(MAX_DISCOUNT_BP),
    /** How many payments the borrower may choose, e.g. [1, 3]. */
    paymentCounts: z
      .array(z.number().int().min(1).max(MAX_SETTLEMENT_PAYMENTS))
      .min(1)
      .max(MAX_SETTLEMENT_PAYMENTS)
      .refine((c) => new Set(c).size === c.length, "each payment count once"),
    /** Every payment falls within this many days of acceptance. */
    windowDays: z.number().int().min(0).max(366),
    /** How long an offer stands once made (a staff offer; a band offer is made afresh each visit). */
    validityDays: z.number().int().min(1).max(90),
  })
  .strict()
  .refine((b) => b.windowDays > 0 || b.paymentCounts.every((c) => c === 1), {
    message: "more than one payment needs a window of at least one day",
    path: ["windowDays"],
  });

export const settlementPolicySchema = z
  .object({
    /** A settlement payment unpaid this many days after its date lapses the settlement. */
    graceDays: z.number().int().min(0).max(60),
    bands: z.array(bandSchema).max(20),
  })
  .strict();

export type SettlementPolicy = z.infer<typeof settlementPolicySchema>;
export type SettlementBand = SettlementPolicy["bands"][number];

/** Until a version is saved: the example band (90+ days past due, up to 20%, 1 or 3 payments in 60 days). */
export const DEFAULT_SETTLEMENT_POLICY: SettlementPolicy = {
  graceDays: 7,
  bands: [
    {
      product: ANY,
      currency: ANY,
      minDpd: 90,
      maxDiscountBp: 2000,
      paymentCounts: [1, 3],
      windowDays: 60,
      validityDays: 14,
    },
  ],
};

/**
 * The band an account falls in: of the bands matching its product and currency (exactly or "any")
 * with minDpd at most its days past due, the one with the highest minDpd; between equals, the more
 * specific (product, then currency) wins. Null when none matches.
 */
export function matchBand(
  policy: SettlementPolicy,
  account: { product: string; currency: string; dpd: number },
): SettlementBand | null {
  const score = (b: SettlementBand) =>
    b.minDpd * 4 + (b.product === ANY ? 0 : 2) + (b.currency === ANY ? 0 : 1);
  const fits = policy.bands.filter(
    (b) =>
      (b.product === ANY || b.product === account.product) &&
      (b.currency === ANY || b.currency === account.currency) &&
      account.dpd >= b.minDpd,
  );
  return fits.reduce<SettlementBand | null>((best, b) => (!best || score(b) > score(best) ? b : best), null);
}

/**
 * The agreed amount: the balance less the discount, the discount rounded down to a whole minor unit,
 * so any rounding (under one minor unit) is in the bank's favour and the amount never exceeds the
 * balance. At least one minor unit.
 */
export function settlementAmount(balanceMinor: number, discountBp: number): number {
  if (!Number.isSafeInteger(balanceMinor) || balanceMinor <= 0) throw new RangeError("balance must be > 0");
  if (!Number.isInteger(discountBp) || discountBp < 0 || discountBp > MAX_DISCOUNT_BP)
    throw new RangeError("discount out of range");
  // BigInt: balance × basis points overflows a double's exact integers above ~9e11 minor units.
  const discount = Number((BigInt(balanceMinor) * BigInt(discountBp)) / 10_000n);
  return Math.max(1, balanceMinor - discount);
}

export interface SettlementPaymentPlan {
  seq: number;
  dueDate: string;
  amountMinor: number;
}

/**
 * Splits the agreed amount into `count` payments that sum to it exactly (the remainder on the first),
 * the first due on the day of acceptance and the others spread evenly so the last falls within the
 * window: payment i is due floor(i × windowDays / count) days after `startDate`.
 */
export function settlementSchedule(
  agreedMinor: number,
  count: number,
  startDate: string,
  windowDays: number,
): SettlementPaymentPlan[] {
  const start = epochDayFromIsoDate(startDate);
  if (start === null) throw new RangeError(`invalid date ${startDate}`);
  if (!Number.isInteger(count) || count < 1 || count > Math.min(MAX_SETTLEMENT_PAYMENTS, agreedMinor))
    throw new RangeError("payment count out of range");
  const base = Math.floor(agreedMinor / count);
  const remainder = agreedMinor - base * count;
  return Array.from({ length: count }, (_, i) => ({
    seq: i + 1,
    dueDate: isoDateFromEpochDay(start + Math.floor((i * windowDays) / count)),
    amountMinor: base + (i === 0 ? remainder : 0),
  }));
}

/** The band's terms for one account: what the borrower would be offered now. */
export function bandOffer(band: SettlementBand, balanceMinor: number) {
  return {
    discountBp: band.maxDiscountBp,
    agreedMinor: settlementAmount(balanceMinor, band.maxDiscountBp),
    paymentCounts: [...band.paymentCounts].sort((a, b) => a - b),
    windowDays: band.windowDays,
    validityDays: band.validityDays,
  };
}
