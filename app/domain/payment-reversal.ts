import type { DisputeStatus, PaymentStatus } from "../../db/schema";

/**
 * Refunds and disputes as state, not as deltas (docs/product-rules.md §6.6). Stripe may deliver its
 * events twice and in any order, so what a payment owes back is computed from the facts every event
 * so far has told (the charge's cumulative refund, the dispute's latest known status and amount),
 * and the reversal is whatever moves the payment from what it is credited with now to that.
 */
export interface ReversalFacts {
  refundedMinor: number;
  dispute: { status: DisputeStatus; amountMinor: number } | null;
}

/** One fact from one Stripe event; `closed` with won or lost, `created` without a verdict yet. */
export type ReversalEvent =
  | { type: "refund"; amountRefundedMinor: number }
  | { type: "dispute_created"; amountMinor: number }
  | { type: "dispute_closed"; won: boolean; amountMinor: number };

/**
 * Folds events into facts. Commutative and idempotent: the refund is the largest cumulative figure
 * seen (a redelivered or late earlier refund changes nothing), a closed dispute outranks an open
 * one (a `created` delivered after `closed` does not reopen it), and of two figures for one dispute
 * the larger counts.
 */
export function foldReversalEvents(events: readonly ReversalEvent[]): ReversalFacts {
  let refundedMinor = 0;
  let created: number | null = null;
  let closed: { won: boolean; amountMinor: number } | null = null;
  for (const e of events) {
    if (e.type === "refund") refundedMinor = Math.max(refundedMinor, e.amountRefundedMinor);
    else if (e.type === "dispute_created") created = Math.max(created ?? 0, e.amountMinor);
    // A lost verdict is final: Stripe never turns it into a win, so a conflicting pair keeps the loss.
    else if (!closed || (closed.won && !e.won)) closed = { won: e.won, amountMinor: e.amountMinor };
    else if (closed.won === e.won)
      closed = { won: e.won, amountMinor: Math.max(closed.amountMinor, e.amountMinor) };
  }
  const dispute = closed
    ? { status: closed.won ? ("won" as const) : ("lost" as const), amountMinor: closed.amountMinor }
    : created !== null
      ? { status: "open" as const, amountMinor: created }
      : null;
  return { refundedMinor, dispute };
}

/**
 * What a credited payment of `amountMinor` should have taken back, and the status that says why.
 * An open or lost dispute holds back its amount on top of refunds (Stripe withdraws it), never more
 * than was paid; a won dispute gives it back.
 */
export function reversalTarget(
  amountMinor: number,
  facts: ReversalFacts,
): { reversedMinor: number; status: PaymentStatus } {
  const refunded = Math.min(amountMinor, facts.refundedMinor);
  const held =
    facts.dispute && facts.dispute.status !== "won" ? Math.min(facts.dispute.amountMinor, amountMinor) : 0;
  const reversedMinor = Math.min(amountMinor, refunded + held);
  if (facts.dispute?.status === "open") return { reversedMinor, status: "disputed" };
  if (facts.dispute?.status === "lost") return { reversedMinor, status: "charged_back" };
  if (refunded >= amountMinor) return { reversedMinor, status: "refunded" };
  return { reversedMinor, status: refunded > 0 ? "partially_refunded" : "succeeded" };
}

/** Where a payment's credit sits now: one target (an instalment, or the account when null) per row. */
export interface CreditHolding {
  instalmentId: string | null;
  /** Net amount this payment still credits to the target. */
  heldMinor: number;
}

/**
 * Takes `amountMinor` back newest allocation first: `holdings` are in the order they were credited,
 * so the last one credited is the first reversed, and each gives back at most what it holds.
 */
export function reverseNewestFirst(
  holdings: readonly CreditHolding[],
  amountMinor: number,
): Array<{ instalmentId: string | null; amountMinor: number }> {
  let left = amountMinor;
  const out: Array<{ instalmentId: string | null; amountMinor: number }> = [];
  for (let i = holdings.length - 1; i >= 0 && left > 0; i--) {
    const h = holdings[i]!;
    const take = Math.min(h.heldMinor, left);
    if (take <= 0) continue;
    out.push({ instalmentId: h.instalmentId, amountMinor: take });
    left -= take;
  }
  if (left > 0) throw new RangeError(`cannot reverse ${amountMinor}: only ${amountMinor - left} is held`);
  return out;
}
