import { z } from "zod";
import type { PlanTermsProblem } from "../domain/plan-terms";
import { checkFirstDate, isPlanCount, PLAN_FREQUENCIES } from "../domain/plan-terms";

/**
 * The plan calculator's input. Messages are translation keys in the "plan"
 * namespace. `today` is the borrower's calendar day: the first payment may be
 * from today to 60 days ahead.
 */
export function planFormSchema(today: string) {
  return z.object({
    // Anything but an explicit submit only shows the instalments: a forged intent can never write.
    intent: z.enum(["preview", "submit"]).catch("preview"),
    count: z
      .string({ required_error: "errors.count" })
      .trim()
      .regex(/^\d{1,2}$/, "errors.count")
      .transform(Number)
      .refine(isPlanCount, "errors.count"),
    frequency: z.enum(PLAN_FREQUENCIES, { errorMap: () => ({ message: "errors.frequency" }) }),
    firstDueDate: z
      .string({ required_error: "errors.dateRequired" })
      .trim()
      .superRefine((value, ctx) => {
        const problem = checkFirstDate(value, today);
        if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: PROBLEM_MESSAGES[problem] });
      }),
  });
}

/** The form's field shape, for conform's useForm. */
export interface PlanFields {
  intent: string;
  count: string;
  frequency: string;
  firstDueDate: string;
}

const PROBLEM_MESSAGES: Record<PlanTermsProblem, string> = {
  count_out_of_range: "errors.count",
  frequency_invalid: "errors.frequency",
  amount_too_small: "errors.amountTooSmall",
  date_invalid: "errors.dateInvalid",
  date_in_past: "errors.dateInPast",
  date_too_far: "errors.dateTooFar",
};

/** Problems the service found (e.g. the day changed since the page loaded) as field errors for the form. */
export function planProblemsAsFieldErrors(
  problems: readonly PlanTermsProblem[],
): Partial<Record<keyof PlanFields, string[]>> {
  const errors: Partial<Record<keyof PlanFields, string[]>> = {};
  for (const problem of problems) {
    const field: keyof PlanFields = problem.startsWith("date_")
      ? "firstDueDate"
      : problem === "frequency_invalid"
        ? "frequency"
        : "count";
    (errors[field] ??= []).push(PROBLEM_MESSAGES[problem]);
  }
  return errors;
}
