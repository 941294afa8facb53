/**
 * Reconciling a day's card payments with the payment provider's balance (docs/product-rules.md §6.8).
 *
 * Both sides are reduced to lines keyed by payment intent and category; a key whose sums differ is a
 * mismatch. Stripe's balance is the book of record for money moved; Settle's side is what it credited
 * to or took back from borrowers' accounts. Fees are Stripe's alone, so they are totalled, not matched.
 */
export const LEDGER_CATEGORIES = ["charge", "refund", "dispute", "dispute_reversal"] as const;
export type LedgerCategory = (typeof LEDGER_CATEGORIES)[number];

export interface LedgerLine {
  paymentIntentId: string;
  category: LedgerCategory;
  /** Upper-case ISO 4217. */
  currency: string;
  /** Signed minor units: charges and won disputes positive, refunds and disputes negative. */
  amountMinor: number;
}

export interface StripeLine extends LedgerLine {
  feeMinor: number;
}

interface CurrencyTotals {
  currency: string;
  settle: Record<LedgerCategory, number>;
  stripe: Record<LedgerCategory, number> & { fees: number; net: number };
  mismatches: number;
}

export interface Mismatch {
  currency: string;
  category: LedgerCategory;
  paymentIntentId: string;
  settleMinor: number;
  stripeMinor: number;
}

export interface Reconciliation {
  totals: CurrencyTotals[];
  mismatches: Mismatch[];
}

const zeroes = (): Record<LedgerCategory, number> => ({
  charge: 0,
  refund: 0,
  dispute: 0,
  dispute_reversal: 0,
});

const keyOf = (l: LedgerLine) => `${l.currency}\u0000${l.category}\u0000${l.paymentIntentId}`;

function sumByKey(lines: readonly LedgerLine[]): Map<string, { line: LedgerLine; sum: number }> {
  const sums = new Map<string, { line: LedgerLine; sum: number }>();
  for (const line of lines) {
    const entry = sums.get(keyOf(line)) ?? { line, sum: 0 };
    entry.sum += line.amountMinor;
    sums.set(keyOf(line), entry);
  }
  return sums;
}

export function reconcile(settle: readonly LedgerLine[], stripe: readonly StripeLine[]): Reconciliation {
  const ours = sumByKey(settle);
  const theirs = sumByKey(stripe);
  const mismatches: Mismatch[] = [];
  for (const key of new Set([...ours.keys(), ...theirs.keys()])) {
    const { line } = (ours.get(key) ?? theirs.get(key))!;
    const settleMinor = ours.get(key)?.sum ?? 0;
    const stripeMinor = theirs.get(key)?.sum ?? 0;
    if (settleMinor !== stripeMinor)
      mismatches.push({
        currency: line.currency,
        category: line.category,
        paymentIntentId: line.paymentIntentId,
        settleMinor,
        stripeMinor,
      });
  }
  mismatches.sort((a, b) => keyOf({ ...a, amountMinor: 0 }).localeCompare(keyOf({ ...b, amountMinor: 0 })));
  return { totals: totalsByCurrency(settle, stripe, mismatches), mismatches };
}

function totalsByCurrency(
  settle: readonly LedgerLine[],
  stripe: readonly StripeLine[],
  mismatches: readonly Mismatch[],
): CurrencyTotals[] {
  const byCurrency = new Map<string, CurrencyTotals>();
  const totalsFor = (currency: string) => {
    let t = byCurrency.get(currency);
    if (!t) {
      t = { currency, settle: zeroes(), stripe: { ...zeroes(), fees: 0, net: 0 }, mismatches: 0 };
      byCurrency.set(currency, t);
    }
    return t;
  };
  for (const l of settle) totalsFor(l.currency).settle[l.category] += l.amountMinor;
  for (const l of stripe) {
    const t = totalsFor(l.currency).stripe;
    t[l.category] += l.amountMinor;
    t.fees += l.feeMinor;
    t.net += l.amountMinor - l.feeMinor;
  }
  for (const m of mismatches) totalsFor(m.currency).mismatches += 1;
  return [...byCurrency.values()].sort((a, b) => a.currency.localeCompare(b.currency));
}
