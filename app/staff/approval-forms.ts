import { z } from "zod";
import { parseMoneyInput } from "../domain/money";
import { isPlanCount, isRealIsoDate, PLAN_FREQUENCIES, type PlanTermsProblem } from "../domain/plan-terms";

/**
 * The approver's three forms on /staff/approvals/:planId: approve, reject
 * (reason required), counter-offer (count, frequency, first date, optional
 * total). Messages are "console" translation keys. The terms are checked again
 * by decidePlan against the borrower's calendar; its problems map back to fields here.
 */
export const REASON_MAX = 4000;
export const DECISION_INTENTS = ["approve", "reject", "counter"] as const;
export type DecisionIntent = (typeof DECISION_INTENTS)[number];

// Postgres text and jsonb (the audit record) cannot hold U+0000.
const noNul = (s: string) => !s.includes("\u0000");
const reason = z
  .string()
  .trim()
  .max(REASON_MAX, "console:approvals.errors.reasonTooLong")
  .refine(noNul, "console:approvals.errors.invalidText")
  .optional();

export function decisionSchema(currency: string) {
  return z.discriminatedUnion("intent", [
    z.object({ intent: z.literal("approve"), reason }),
    z.object({
      intent: z.literal("reject"),
      reason: z
        .string({ required_error: "console:approvals.errors.reasonRequired" })
        .trim()
        .min(1, "console:approvals.errors.reasonRequired")
        .max(REASON_MAX, "console:approvals.errors.reasonTooLong")
        .refine(noNul, "console:approvals.errors.invalidText"),
    }),
    z.object({
      intent: z.literal("counter"),
      count: z
        .string({ required_error: "console:approvals.errors.count" })
        .trim()
        .regex(/^\d{1,2}$/, "console:approvals.errors.count")
        .transform(Number)
        .refine(isPlanCount, "console:approvals.errors.count"),
      frequency: z.enum(PLAN_FREQUENCIES, {
        errorMap: () => ({ message: "console:approvals.errors.frequency" }),
      }),
      firstDueDate: z
        .string({ required_error: "console:approvals.errors.dateInvalid" })
        .trim()
        .refine(isRealIsoDate, "console:approvals.errors.dateInvalid"),
      total: z
        .string()
        .trim()
        .optional()
        .transform((value, ctx) => {
          if (!value) return undefined;
          const minor = parseMoneyInput(value, currency);
          if (minor === null || minor <= 0) {
            ctx.addIssue({ code: z.ZodIssueCode.custom, message: "console:approvals.errors.total" });
            return z.NEVER;
          }
          return minor;
        }),
      reason,
    }),
  ]);
}

/** The counter-offer form's fields, for conform's useForm. */
export interface CounterFields {
  count: string;
  frequency: string;
  firstDueDate: string;
  total: string;
  reason: string;
}

const PROBLEM_FIELD: Record<
  PlanTermsProblem | "reason_required" | "reason_too_long" | "counter_terms_required" | "decision_invalid",
  { field: string; key: string }
> = {
  count_out_of_range: { field: "count", key: "console:approvals.errors.count" },
  frequency_invalid: { field: "frequency", key: "console:approvals.errors.frequency" },
  amount_too_small: { field: "total", key: "console:approvals.errors.total" },
  date_invalid: { field: "firstDueDate", key: "console:approvals.errors.dateInvalid" },
  date_in_past: { field: "firstDueDate", key: "console:approvals.errors.dateInPast" },
  date_too_far: { field: "firstDueDate", key: "console:approvals.errors.dateTooFar" },
  reason_required: { field: "reason", key: "console:approvals.errors.reasonRequired" },
  reason_too_long: { field: "reason", key: "console:approvals.errors.reasonTooLong" },
  counter_terms_required: { field: "count", key: "console:approvals.errors.count" },
  decision_invalid: { field: "", key: "console:approvals.errors.invalid" },
};

/** decidePlan's problems as conform field errors ("" is the form itself). */
export function decisionProblemsAsErrors(
  problems: readonly (keyof typeof PROBLEM_FIELD)[],
): Record<string, string[]> {
  const errors: Record<string, string[]> = {};
  for (const problem of problems) {
    const { field, key } = PROBLEM_FIELD[problem];
    (errors[field] ??= []).push(key);
  }
  return errors;
}
