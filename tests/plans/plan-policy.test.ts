import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_CONTACT_POLICY } from "../../app/domain/contact-policy";
import { addDays } from "../../app/domain/plan-terms";
import { proposePlan } from "../../app/plans/plans.server";
import { action as policyAction } from "../../app/routes/staff.policy";
import { loadApprovalQueue } from "../../app/staff/approvals.server";
import { policyFormValues } from "../../app/staff/policy-form";
import { insertAccount } from "../support/builders";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { enrolledStaff, outcome, post, signedInCookie, staffContext } from "../staff/support";

/**
 * The plans the portal approves by itself follow the policy a supervisor saves in the console
 * (docs/product-rules.md §7.3): proposals are checked against the active version's limits, in the
 * account's currency, and the approval queue explains a refusal with those same limits.
 */
let t: TestDatabase;
let supervisor: string;
const now = new Date("2026-11-23T02:00:00Z"); // 10:00 in Hong Kong
const today = "2026-11-23";

beforeAll(async () => {
  t = await createTestDatabase();
  supervisor = await signedInCookie(t.db, (await enrolledStaff(t.db, "supervisor")).user);
});
afterAll(async () => {
  await t?.destroy();
});

async function propose(count: number) {
  // HK$5,000.00 owed: below the large-balance line, so the shorter longest term applies.
  const a = await insertAccount(t.db, {
    balance_minor: 500_000,
    balance_as_of: new Date("2026-11-20T00:00:00Z"),
  });
  return proposePlan(t.db, {
    session: { borrowerId: a.borrower_id, accountId: a.id },
    count,
    frequency: "monthly",
    firstDueDate: addDays(today, 7),
    today,
    now,
  });
}

async function savePlans(plans: Record<string, string>, baseVersion: string) {
  const values = policyFormValues(DEFAULT_CONTACT_POLICY);
  for (const [field, value] of Object.entries(plans)) values[`plans.${field}`] = value;
  return outcome(() =>
    policyAction({
      request: post("/staff/policy", { ...values, intent: "save", baseVersion }, supervisor),
      params: {},
      context: staffContext(t.db),
    }),
  );
}

describe("plan policy edited in the console", () => {
  it("a six-month plan starts at once under the former limits, and goes to an approver once the supervisor shortens the term", async () => {
    expect(await propose(6)).toMatchObject({ status: "active" });

    const saved = await savePlans({ maxMonthsSmall: "3", minInstalment: "1000" }, "0");
    expect(saved.status).toBe(303);

    expect(await propose(6)).toMatchObject({
      status: "proposed",
      reasons: ["term_too_long", "instalment_too_small"],
    });
    // HK$1,666.67 a month for three months is inside both new limits.
    expect(await propose(3)).toMatchObject({ status: "active" });

    const queue = await loadApprovalQueue(t.db, { locale: "en", timeZone: "Asia/Hong_Kong", now });
    expect(queue.awaitingApprover.map((p) => p.reasons)).toEqual([
      [
        { code: "term_too_long", values: { months: 3 } },
        { code: "instalment_too_small", values: { minimum: "HK$1,000.00" } },
      ],
    ]);
  });

  it("refuses a longest term for large balances shorter than the one for small balances (400), saving nothing", async () => {
    const refused = await savePlans({ maxMonthsSmall: "6", maxMonthsLarge: "4" }, "1");
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.data)).toContain("plans.maxMonthsLarge");
    const versions = await t.db.selectFrom("contact_policies").select("version").execute();
    expect(versions).toHaveLength(1);
  });
});
