import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LEDGER_CATEGORIES, reconcile, type LedgerLine, type StripeLine } from "./reconciliation";

const charge = (pi: string, amountMinor: number, currency = "HKD"): LedgerLine => ({
  paymentIntentId: pi,
  category: "charge",
  currency,
  amountMinor,
});
const withFee = (l: LedgerLine, feeMinor = 0): StripeLine => ({ ...l, feeMinor });

describe("reconcile", () => {
  it("matches a day where both sides saw the same charges and refunds, and totals Stripe's fees", () => {
    const settle = [
      charge("pi_a", 10_000),
      charge("pi_b", 5_000),
      { ...charge("pi_a", -2_500), category: "refund" as const },
    ];
    const stripe = [withFee(settle[0]!, 575), withFee(settle[1]!, 405), withFee(settle[2]!)];
    const r = reconcile(settle, stripe);
    expect(r.mismatches).toEqual([]);
    expect(r.totals).toEqual([
      {
        currency: "HKD",
        settle: { charge: 15_000, refund: -2_500, dispute: 0, dispute_reversal: 0 },
        stripe: { charge: 15_000, refund: -2_500, dispute: 0, dispute_reversal: 0, fees: 980, net: 11_520 },
        mismatches: 0,
      },
    ]);
  });

  it("flags a charge Settle never credited, one Stripe does not have, and a differing amount", () => {
    const r = reconcile(
      [charge("pi_only_settle", 700), charge("pi_both", 1_000, "USD")],
      [withFee(charge("pi_only_stripe", 900)), withFee(charge("pi_both", 1_100, "USD"))],
    );
    expect(r.mismatches).toEqual([
      {
        currency: "HKD",
        category: "charge",
        paymentIntentId: "pi_only_settle",
        settleMinor: 700,
        stripeMinor: 0,
      },
      {
        currency: "HKD",
        category: "charge",
        paymentIntentId: "pi_only_stripe",
        settleMinor: 0,
        stripeMinor: 900,
      },
      {
        currency: "USD",
        category: "charge",
        paymentIntentId: "pi_both",
        settleMinor: 1_000,
        stripeMinor: 1_100,
      },
    ]);
    expect(r.totals.map((t) => [t.currency, t.mismatches])).toEqual([
      ["HKD", 2],
      ["USD", 1],
    ]);
  });

  const line = fc.record({
    paymentIntentId: fc.constantFrom("pi_1", "pi_2", "pi_3", "pi_4"),
    category: fc.constantFrom(...LEDGER_CATEGORIES),
    currency: fc.constantFrom("HKD", "CNY", "USD"),
    amountMinor: fc.integer({ min: -100_000, max: 100_000 }).filter((n) => n !== 0),
  });

  it("the same lines on both sides, in any order, never mismatch; dropping one line mismatches exactly its key", () => {
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 30 }), fc.nat(), (lines, pick) => {
        const stripe = lines.map((l) => withFee(l, 10));
        expect(reconcile(lines, [...stripe].reverse()).mismatches).toEqual([]);
        const dropped = lines[pick % lines.length]!;
        const rest = lines.filter((_, i) => i !== pick % lines.length);
        const { mismatches } = reconcile(rest, stripe);
        expect(mismatches).toHaveLength(1);
        expect(mismatches[0]).toMatchObject({
          paymentIntentId: dropped.paymentIntentId,
          category: dropped.category,
          currency: dropped.currency,
        });
        expect(mismatches[0]!.stripeMinor - mismatches[0]!.settleMinor).toBe(dropped.amountMinor);
      }),
    );
  });

  it("totals per currency equal the sums of the lines on each side", () => {
    fc.assert(
      fc.property(fc.array(line), fc.array(line), (settle, stripeLines) => {
        const stripe = stripeLines.map((l) => withFee(l, 7));
        const { totals } = reconcile(settle, stripe);
        for (const t of totals) {
          const mine = settle.filter((l) => l.currency === t.currency);
          const theirs = stripe.filter((l) => l.currency === t.currency);
          const sum = (ls: LedgerLine[]) => ls.reduce((s, l) => s + l.amountMinor, 0);
          expect(Object.values(t.settle).reduce((a, b) => a + b, 0)).toBe(sum(mine));
          expect(t.stripe.net).toBe(sum(theirs) - 7 * theirs.length);
        }
      }),
    );
  });
});
