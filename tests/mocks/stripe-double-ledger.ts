import { randomBytes } from "node:crypto";

/**
 * The test double's balance: one balance transaction per charge, refund, dispute and dispute reversal,
 * with Stripe-like fees, listed the way `GET /v1/balance_transactions` lists them (newest first, `created`
 * range, `limit` and `starting_after` pages, `expand[]=data.source`). Reconciliation reads it through the
 * real SDK exactly as it reads Stripe.
 */
type Json = Record<string, unknown>;

export type LedgerCategory = "charge" | "refund" | "dispute" | "dispute_reversal";

interface Entry {
  txn: Json & { id: string; created: number };
  source: Json;
}

/** Stripe's dispute fee, in minor units (refunded when the dispute is won). */
const DISPUTE_FEE = 1_500;

/** A standard card fee: 3.4% + HK$2.35 for HKD, 2.9% + 30 minor units elsewhere. */
export function cardFee(amount: number, currency: string): number {
  return currency.toLowerCase() === "hkd"
    ? Math.round(amount * 0.034) + 235
    : Math.round(amount * 0.029) + 30;
}

export function createLedger(clock: () => number = () => Date.now()) {
  const entries: Entry[] = [];

  function record(category: LedgerCategory, amount: number, currency: string, source: Json) {
    const fee =
      category === "charge"
        ? cardFee(amount, currency)
        : category === "dispute"
          ? DISPUTE_FEE
          : category === "dispute_reversal"
            ? -DISPUTE_FEE
            : 0;
    const type = category === "charge" ? "charge" : category === "refund" ? "refund" : "adjustment";
    entries.push({
      txn: {
        id: `txn_test_${randomBytes(18).toString("hex").slice(0, 24)}`,
        object: "balance_transaction",
        amount,
        currency,
        fee,
        net: amount - fee,
        type,
        reporting_category: category,
        source: source.id,
        created: Math.floor(clock() / 1000),
        status: "available",
      },
      source,
    });
  }

  /** One page of `GET /v1/balance_transactions`, from its decoded query. */
  function list(query: Json): Json {
    const created = (query.created ?? {}) as Record<string, string>;
    const within = (t: number) =>
      (created.gte === undefined || t >= Number(created.gte)) &&
      (created.gt === undefined || t > Number(created.gt)) &&
      (created.lt === undefined || t < Number(created.lt)) &&
      (created.lte === undefined || t <= Number(created.lte));
    const expandSource = ([] as unknown[]).concat(query.expand ?? []).includes("data.source");
    const newestFirst = entries.filter((e) => within(e.txn.created)).reverse();
    const after = query.starting_after ? newestFirst.findIndex((e) => e.txn.id === query.starting_after) : -1;
    const limit = Math.min(Math.max(Number(query.limit ?? 10), 1), 100);
    const page = newestFirst.slice(after + 1, after + 1 + limit);
    return {
      object: "list",
      url: "/v1/balance_transactions",
      has_more: after + 1 + limit < newestFirst.length,
      data: page.map((e) => (expandSource ? { ...e.txn, source: e.source } : e.txn)),
    };
  }

  return { record, list };
}
