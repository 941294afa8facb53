import { describe, expect, it } from "vitest";
import { planFormSchema, planProblemsAsFieldErrors } from "./plan-form";

const today = "2026-11-23";
const parse = (input: Record<string, unknown>) => planFormSchema(today).safeParse(input);
const errorsOf = (input: Record<string, unknown>) => {
  const result = parse(input);
  return result.success ? {} : result.error.flatten().fieldErrors;
};

describe("planFormSchema", () => {
  it("parses good input, trimming and converting the count", () => {
    expect(
      parse({ intent: "submit", count: " 6 ", frequency: "fortnightly", firstDueDate: "2026-12-01" }),
    ).toMatchObject({
      success: true,
      data: { intent: "submit", count: 6, frequency: "fortnightly", firstDueDate: "2026-12-01" },
    });
  });

  it("treats a missing or forged intent as a preview, never as a submit", () => {
    for (const intent of [undefined, "", "delete", "<script>"]) {
      expect(parse({ intent, count: "3", frequency: "monthly", firstDueDate: today }).data?.intent).toBe(
        "preview",
      );
    }
  });

  it("gives each field a translation key for what is wrong", () => {
    expect(errorsOf({ count: "1", frequency: "weekly", firstDueDate: "2026-11-22" })).toEqual({
      count: ["errors.count"],
      frequency: ["errors.frequency"],
      firstDueDate: ["errors.dateInPast"],
    });
    expect(errorsOf({ count: "13", frequency: "monthly", firstDueDate: "2027-01-23" })).toEqual({
      count: ["errors.count"],
      firstDueDate: ["errors.dateTooFar"],
    });
    expect(errorsOf({ frequency: "monthly" })).toEqual({
      count: ["errors.count"],
      firstDueDate: ["errors.dateRequired"],
    });
  });

  it("answers 10 KB of text and script tags with the same field errors", () => {
    const junk = "A".repeat(10_240);
    expect(errorsOf({ count: junk, frequency: junk, firstDueDate: junk })).toEqual({
      count: ["errors.count"],
      frequency: ["errors.frequency"],
      firstDueDate: ["errors.dateInvalid"],
    });
    const script = "<script>alert(1)</script>";
    expect(errorsOf({ count: script, frequency: "monthly", firstDueDate: script })).toEqual({
      count: ["errors.count"],
      firstDueDate: ["errors.dateInvalid"],
    });
  });
});

describe("planProblemsAsFieldErrors", () => {
  it("puts the service's problems on the fields they concern", () => {
    expect(planProblemsAsFieldErrors(["date_in_past", "count_out_of_range", "amount_too_small"])).toEqual({
      firstDueDate: ["errors.dateInPast"],
      count: ["errors.count", "errors.amountTooSmall"],
    });
  });
});
