/**
 * Instalment plans (docs/product-rules.md §7.2, §7.3): split an amount in minor units into N parts
 * that sum exactly (the remainder goes to the first instalment), on monthly or
 * fortnightly dates, and check the auto-approve policy.
 */
export type PlanFrequency = "monthly" | "fortnightly";

export interface Instalment {
  seq: number;
  dueDate: string; // YYYY-MM-DD
  amountMinor: number;
}

export function splitIntoInstalments(opts: {
  totalMinor: number;
  count: number;
  firstDueDate: string;
  frequency: PlanFrequency;
}): Instalment[] {
  const { totalMinor, count } = opts;
  if (!Number.isSafeInteger(totalMinor) || totalMinor <= 0)
    throw new RangeError("total must be a positive integer of minor units");
  if (!Number.isInteger(count) || count < 2 || count > 12)
    throw new RangeError("a plan has 2 to 12 instalments");
  if (totalMinor < count) throw new RangeError("each instalment must be at least one minor unit");
  const base = Math.floor(totalMinor / count);
  const remainder = totalMinor - base * count;
  return Array.from({ length: count }, (_, i) => ({
    seq: i + 1,
    dueDate: instalmentDate(opts.firstDueDate, i, opts.frequency),
    amountMinor: i === 0 ? base + remainder : base,
  }));
}

/** The i-th date after the first: same day of month (clamped to month end), or every 14 days. */
export function instalmentDate(first: string, index: number, frequency: PlanFrequency): string {
  const [y, m, d] = parseIsoDate(first);
  if (frequency === "fortnightly") return toIsoDate(new Date(Date.UTC(y, m - 1, d + 14 * index)));
  const monthIndex = m - 1 + index;
  const year = y + Math.floor(monthIndex / 12);
  const month = monthIndex % 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return toIsoDate(new Date(Date.UTC(year, month, Math.min(d, lastDay))));
}

export interface PlanPolicy {
  /** Balance (minor units) at or above which the longer term applies. */
  largeBalanceMinor: number;
  maxMonthsSmall: number;
  maxMonthsLarge: number;
  minInstalmentMinor: number;
  maxDaysToFirstPayment: number;
  brokenPlanLookbackDays: number;
  /** How many days later the borrower may move one instalment of a plan (0: not at all). */
  maxInstalmentMoveDays: number;
}

/**
 * The automatic approval defaults (docs/product-rules.md §7.3), in minor units of the account currency
 * (2-decimal currencies).
 */
export const DEFAULT_PLAN_POLICY: PlanPolicy = {
  largeBalanceMinor: 50_000_00,
  maxMonthsSmall: 6,
  maxMonthsLarge: 12,
  minInstalmentMinor: 200_00,
  maxDaysToFirstPayment: 14,
  brokenPlanLookbackDays: 180,
  maxInstalmentMoveDays: 14,
};

export type PlanPolicyReason =
  | "term_too_long"
  | "instalment_too_small"
  | "first_payment_too_late"
  | "first_payment_in_past"
  | "recent_broken_plan";

export function checkPlanPolicy(
  proposal: {
    totalMinor: number;
    count: number;
    frequency: PlanFrequency;
    firstDueDate: string;
    today: string;
    brokenPlanWithinLookback: boolean;
  },
  policy: PlanPolicy = DEFAULT_PLAN_POLICY,
): { autoApprove: boolean; reasons: PlanPolicyReason[] } {
  const reasons: PlanPolicyReason[] = [];
  const months = proposal.frequency === "monthly" ? proposal.count : Math.ceil((proposal.count * 14) / 30);
  const maxMonths =
    proposal.totalMinor >= policy.largeBalanceMinor ? policy.maxMonthsLarge : policy.maxMonthsSmall;
  if (months > maxMonths) reasons.push("term_too_long");
  const smallest = Math.floor(proposal.totalMinor / proposal.count);
  if (smallest < policy.minInstalmentMinor) reasons.push("instalment_too_small");
  const daysToFirst = daysBetween(proposal.today, proposal.firstDueDate);
  if (daysToFirst < 0) reasons.push("first_payment_in_past");
  else if (daysToFirst > policy.maxDaysToFirstPayment) reasons.push("first_payment_too_late");
  if (proposal.brokenPlanWithinLookback) reasons.push("recent_broken_plan");
  return { autoApprove: reasons.length === 0, reasons };
}

export function daysBetween(fromIso: string, toIso: string): number {
  const [a, b] = [fromIso, toIso].map((s) => {
    const [y, m, d] = parseIsoDate(s);
    return Date.UTC(y, m - 1, d);
  });
  return Math.round((b! - a!) / 86_400_000);
}

function parseIsoDate(s: string): [number, number, number] {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!match) throw new RangeError(`not a YYYY-MM-DD date: ${s}`);
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const check = new Date(Date.UTC(y, m - 1, d));
  if (check.getUTCMonth() !== m - 1 || check.getUTCDate() !== d)
    throw new RangeError(`not a real date: ${s}`);
  return [y, m, d];
}

function toIsoDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}
