import {
  checkPlanPolicy,
  daysBetween,
  DEFAULT_PLAN_POLICY,
  splitIntoInstalments,
  type Instalment,
  type PlanFrequency,
  type PlanPolicy,
  type PlanPolicyReason,
} from "./instalments";

/**
 * What any instalment plan must satisfy before it is even considered, whoever
 * proposes it (borrower or approver): 2-12 instalments and a real first date
 * from today to 60 days ahead. The auto-approve policy (docs/product-rules.md §7.3) is a
 * separate, narrower question answered by checkPlanPolicy.
 */
export const PLAN_COUNT_MIN = 2;
export const PLAN_COUNT_MAX = 12;
const FIRST_DATE_MAX_DAYS_AHEAD = 60;
export const PLAN_FREQUENCIES = ["monthly", "fortnightly"] as const satisfies readonly PlanFrequency[];

export type FirstDateProblem = "date_invalid" | "date_in_past" | "date_too_far";
export type PlanTermsProblem =
  "count_out_of_range" | "frequency_invalid" | "amount_too_small" | FirstDateProblem;

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export function isRealIsoDate(text: string): boolean {
  if (!ISO_DATE.test(text)) return false;
  const [y, m, d] = text.split("-").map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** Whole calendar days added to a YYYY-MM-DD date. */
export function addDays(isoDate: string, days: number): string {
  const [y, m, d] = isoDate.split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** The latest first payment date allowed when `today` is the borrower's calendar day. */
export function latestFirstDate(today: string): string {
  return addDays(today, FIRST_DATE_MAX_DAYS_AHEAD);
}

export function checkFirstDate(firstDueDate: string, today: string): FirstDateProblem | null {
  if (!isRealIsoDate(firstDueDate)) return "date_invalid";
  const ahead = daysBetween(today, firstDueDate);
  if (ahead < 0) return "date_in_past";
  if (ahead > FIRST_DATE_MAX_DAYS_AHEAD) return "date_too_far";
  return null;
}

export function isPlanCount(count: number): boolean {
  return Number.isInteger(count) && count >= PLAN_COUNT_MIN && count <= PLAN_COUNT_MAX;
}

function isPlanFrequency(value: unknown): value is PlanFrequency {
  return (PLAN_FREQUENCIES as readonly unknown[]).includes(value);
}

export function checkPlanTerms(terms: {
  totalMinor: number;
  count: number;
  frequency: PlanFrequency;
  firstDueDate: string;
  today: string;
}): PlanTermsProblem[] {
  const problems: PlanTermsProblem[] = [];
  if (!isPlanFrequency(terms.frequency)) problems.push("frequency_invalid");
  if (!isPlanCount(terms.count)) problems.push("count_out_of_range");
  // splitIntoInstalments needs at least one minor unit per instalment.
  else if (!Number.isSafeInteger(terms.totalMinor) || terms.totalMinor < terms.count)
    problems.push("amount_too_small");
  const date = checkFirstDate(terms.firstDueDate, terms.today);
  if (date) problems.push(date);
  return problems;
}

export interface PlanPreview {
  totalMinor: number;
  instalments: Instalment[];
  autoApprove: boolean;
  reasons: PlanPolicyReason[];
}

/**
 * Every instalment of a proposed plan and whether the automatic policy would
 * approve it; null when the terms themselves are not acceptable (see checkPlanTerms).
 */
export function previewPlan(
  proposal: {
    totalMinor: number;
    count: number;
    frequency: PlanFrequency;
    firstDueDate: string;
    today: string;
    brokenPlanWithinLookback: boolean;
  },
  policy: PlanPolicy = DEFAULT_PLAN_POLICY,
): PlanPreview | null {
  if (checkPlanTerms(proposal).length) return null;
  const instalments = splitIntoInstalments(proposal);
  const { autoApprove, reasons } = checkPlanPolicy(proposal, policy);
  return { totalMinor: proposal.totalMinor, instalments, autoApprove, reasons };
}
