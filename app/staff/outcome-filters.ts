import { z } from "zod";
import type { Jurisdiction, Locale, Product } from "../../db/schema";
import { epochDayFromIsoDate, isoDateFromEpochDay } from "../domain/local-time";

/**
 * The outcome analytics' filters (docs/outcomes.md), read from the dashboard's GET form and the CSV
 * link's query string: a period of local dates and optional stage, product, jurisdiction and language.
 * Error messages are console locale keys.
 */
export const OUTCOME_STAGES = ["pre_due", "due", "early", "mid", "late", "serious"] as const;
export const OUTCOME_PRODUCTS = [
  "credit_card",
  "personal_loan",
  "auto_loan",
  "mortgage",
] as const satisfies readonly Product[];
export const OUTCOME_JURISDICTIONS = ["HK", "CN", "US", "UK"] as const satisfies readonly Jurisdiction[];
export const OUTCOME_LANGUAGES = ["zh-HK", "zh-CN", "en"] as const satisfies readonly Locale[];
/** A period longer than this is refused: the figures are meant for months, not the book's whole life. */
const MAX_PERIOD_DAYS = 366;
const DEFAULT_PERIOD_DAYS = 60;

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "outcomes.errors.date")
  .refine((v) => epochDayFromIsoDate(v) !== null, "outcomes.errors.date");
/** An empty select means "all". */
const optionalOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z.preprocess(
    (v) => (v === "" ? undefined : v),
    z.enum(values, { message: "outcomes.errors.choice" }).optional(),
  );

const outcomeFiltersSchema = z
  .object({
    from: isoDate.optional(),
    to: isoDate.optional(),
    stage: optionalOf(OUTCOME_STAGES),
    product: optionalOf(OUTCOME_PRODUCTS),
    jurisdiction: optionalOf(OUTCOME_JURISDICTIONS),
    language: optionalOf(OUTCOME_LANGUAGES),
  })
  .strip();

export interface OutcomeFilters {
  from: string;
  to: string;
  stage: (typeof OUTCOME_STAGES)[number] | null;
  product: Product | null;
  jurisdiction: Jurisdiction | null;
  language: Locale | null;
}

type Parsed = { ok: true; filters: OutcomeFilters } | { ok: false; errors: Record<string, string> };

/**
 * Reads the filters from a query string; the period defaults to the last DEFAULT_PERIOD_DAYS days ending
 * `today` (the console's local date). An empty field (the form's "any") is no filter.
 */
export function parseOutcomeFilters(params: URLSearchParams, today: string): Parsed {
  const raw = Object.fromEntries(
    ["from", "to", "stage", "product", "jurisdiction", "language"].map((k) => [
      k,
      params.get(k) || undefined,
    ]),
  );
  const parsed = outcomeFiltersSchema.safeParse(raw);
  if (!parsed.success) {
    const errors: Record<string, string> = {};
    for (const issue of parsed.error.issues) errors[String(issue.path[0])] ??= issue.message;
    return { ok: false, errors };
  }
  const to = parsed.data.to ?? today;
  const toDay = epochDayFromIsoDate(to)!;
  const from = parsed.data.from ?? isoDateFromEpochDay(toDay - DEFAULT_PERIOD_DAYS + 1);
  const fromDay = epochDayFromIsoDate(from)!;
  if (fromDay > toDay) return { ok: false, errors: { to: "outcomes.errors.order" } };
  if (toDay - fromDay + 1 > MAX_PERIOD_DAYS) return { ok: false, errors: { from: "outcomes.errors.span" } };
  return {
    ok: true,
    filters: {
      from,
      to,
      stage: parsed.data.stage ?? null,
      product: parsed.data.product ?? null,
      jurisdiction: parsed.data.jurisdiction ?? null,
      language: parsed.data.language ?? null,
    },
  };
}

/** The filters as a query string (the CSV link keeps the page's filters). */
export function outcomeFiltersQuery(f: OutcomeFilters): string {
  const params = new URLSearchParams({ from: f.from, to: f.to });
  for (const key of ["stage", "product", "jurisdiction", "language"] as const) {
    const value = f[key];
    if (value) params.set(key, value);
  }
  return params.toString();
}
