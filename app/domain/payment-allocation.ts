/**
 * How a payment pays down an instalment plan: oldest due date first, each
 * instalment filled up to its amount before the next one gets anything. What
 * is left after the last instalment still reduces the balance (the bank owns
 * it); it is reported, never spread back over instalments.
 */
export interface InstalmentToPay {
  id: string;
  amountMinor: number;
  paidMinor: number;
}

export interface InstalmentAllocation {
  /** Only instalments this payment touched, in the order they were paid. */
  changes: Array<{ id: string; addedMinor: number; paidMinor: number; fullyPaid: boolean }>;
  allocatedMinor: number;
  remainderMinor: number;
  /** Every instalment of the plan is paid in full after this payment. */
  planPaidOff: boolean;
}

/** `instalments` must be in due-date order. */
export function allocateToInstalments(
  instalments: readonly InstalmentToPay[],
  paymentMinor: number,
): InstalmentAllocation {
  if (!Number.isSafeInteger(paymentMinor) || paymentMinor <= 0)
    throw new RangeError(`payment must be a positive integer, got ${paymentMinor}`);
  let left = paymentMinor;
  const changes: InstalmentAllocation["changes"] = [];
  for (const inst of instalments) {
    const owed = inst.amountMinor - inst.paidMinor;
    if (owed <= 0 || left === 0) continue;
    const added = Math.min(owed, left);
    left -= added;
    const paidMinor = inst.paidMinor + added;
    changes.push({ id: inst.id, addedMinor: added, paidMinor, fullyPaid: paidMinor === inst.amountMinor });
  }
  const changed = new Map(changes.map((c) => [c.id, c.paidMinor]));
  const planPaidOff =
    instalments.length > 0 && instalments.every((i) => (changed.get(i.id) ?? i.paidMinor) >= i.amountMinor);
  return { changes, allocatedMinor: paymentMinor - left, remainderMinor: left, planPaidOff };
}
