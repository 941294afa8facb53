import type { PlanFrequency } from "./instalments";

/**
 * A rough affordability check for approvers (docs/product-rules.md §5.3): what a
 * plan costs a month against what the borrower said is left after expenses.
 * Integer minor units; the share is a whole percent, rounded up so a plan is
 * never shown as more affordable than it is.
 */
export interface Affordability {
  monthlyCostMinor: number;
  disposableMinor: number;
  /** Monthly cost as a percentage of disposable income; null when nothing is left over. */
  sharePercent: number | null;
}

const FORTNIGHTS_PER_YEAR = 26;

/** A plan's monthly cost, from its largest instalment (the first carries the remainder). */
export function monthlyCost(largestInstalmentMinor: number, frequency: PlanFrequency): number {
  return frequency === "monthly"
    ? largestInstalmentMinor
    : Math.ceil((largestInstalmentMinor * FORTNIGHTS_PER_YEAR) / 12);
}

export function assessAffordability(input: {
  largestInstalmentMinor: number;
  frequency: PlanFrequency;
  monthlyIncomeMinor: number;
  monthlyExpensesMinor: number;
}): Affordability {
  const monthlyCostMinor = monthlyCost(input.largestInstalmentMinor, input.frequency);
  const disposableMinor = input.monthlyIncomeMinor - input.monthlyExpensesMinor;
  return {
    monthlyCostMinor,
    disposableMinor,
    sharePercent: disposableMinor > 0 ? Math.ceil((monthlyCostMinor * 100) / disposableMinor) : null,
  };
}
