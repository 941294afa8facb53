import { describe, expect, it } from "vitest";
import { decisionProblemsAsErrors, decisionSchema } from "./approval-forms";

const parse = (form: Record<string, string>) => decisionSchema("HKD").safeParse(form);

describe("decision forms", () => {
  it("approve needs nothing else; reject needs a reason", () => {
    expect(parse({ intent: "approve" }).success).toBe(true);
    const reject = parse({ intent: "reject", reason: "  " });
    expect(reject.success).toBe(false);
    expect(reject.error?.issues.map((i) => i.message)).toEqual(["console:approvals.errors.reasonRequired"]);
    expect(parse({ intent: "reject", reason: "Income too low" }).data).toEqual({
      intent: "reject",
      reason: "Income too low",
    });
  });

  it("a counter-offer reads count, frequency, date and an optional total in minor units", () => {
    expect(
      parse({
        intent: "counter",
        count: "6",
        frequency: "fortnightly",
        firstDueDate: "2030-02-01",
        total: "1,234.50",
      }).data,
    ).toEqual({
      intent: "counter",
      count: 6,
      frequency: "fortnightly",
      firstDueDate: "2030-02-01",
      total: 123_450,
    });
    expect(
      parse({ intent: "counter", count: "6", frequency: "monthly", firstDueDate: "2030-02-01", total: "" })
        .data,
    ).toMatchObject({ total: undefined });
  });

  it("names the bad counter-offer fields", () => {
    const bad = parse({
      intent: "counter",
      count: "13",
      frequency: "weekly",
      firstDueDate: "2030-02-30",
      total: "-5",
    });
    expect(bad.error?.issues.map((i) => [i.path.join("."), i.message])).toEqual([
      ["count", "console:approvals.errors.count"],
      ["frequency", "console:approvals.errors.frequency"],
      ["firstDueDate", "console:approvals.errors.dateInvalid"],
      ["total", "console:approvals.errors.total"],
    ]);
  });

  it("maps decidePlan's problems to fields", () => {
    expect(decisionProblemsAsErrors(["date_in_past", "amount_too_small", "reason_required"])).toEqual({
      firstDueDate: ["console:approvals.errors.dateInPast"],
      total: ["console:approvals.errors.total"],
      reason: ["console:approvals.errors.reasonRequired"],
    });
  });
});
