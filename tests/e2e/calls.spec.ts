import { DEFAULT_CONTACT_POLICY } from "../../app/domain/contact-policy";
import { insertAccount, insertBorrower } from "../support/builders";
import { expect, test } from "./fixtures";

/**
 * Calls under the NIFA cap (docs/product-rules.md §4.16), JavaScript off: an agent logs three connected
 * calls to a mainland borrower in one day; the schedule then places no fourth, and the agent who logs one
 * anyway is warned and must give a reason, which is recorded with the call.
 */
test.use({
  viewport: { width: 1280, height: 900 },
  isMobile: false,
  hasTouch: false,
  javaScriptEnabled: false,
});

test("the fourth connected call of the day to a CN borrower is refused by the schedule; the agent must give a reason", async ({
  page,
  db,
  signInAs,
  expectAccessible,
}) => {
  // The wall clock may be night in Shanghai: this policy opens the whole day, so only the call caps bind.
  const policy = structuredClone(DEFAULT_CONTACT_POLICY);
  policy.contactWindow = { start: "00:00", end: "23:59" };
  policy.jurisdictions.CN.contactWindow = { start: "00:00", end: "23:59" };
  const previous = await db
    .updateTable("contact_policies")
    .set({ active: false })
    .where("active", "=", true)
    .returning("id")
    .execute();
  const own = await db
    .insertInto("contact_policies")
    .values({
      version: 7_000 + Math.floor(Math.random() * 1_000),
      policy: JSON.stringify(policy),
      active: true,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  try {
    const borrower = await insertBorrower(db, {
      locale: "en",
      jurisdiction: "CN",
      time_zone: "Asia/Shanghai",
      full_name: "Cap Checker",
    });
    const account = await insertAccount(db, {
      borrower_id: borrower.id,
      last4: "7788",
      dpd: 35,
      currency: "CNY",
    });
    // Opted out of texts, so the schedule's contact for this D35 borrower is a call.
    await db
      .insertInto("contact_preferences")
      .values({ borrower_id: borrower.id, sms_opted_out_at: new Date() })
      .execute();
    await signInAs(page.context(), "agent");
    await page.goto(`/staff/borrowers/${borrower.id}`);

    const form = page.locator("#call-form");
    const logCall = async () => {
      await form.getByLabel("Account").selectOption(account.id);
      await form.getByLabel("Outcome").selectOption("right_party_contact");
      await form.getByRole("button", { name: "Log call" }).click();
    };
    for (let i = 0; i < 3; i++) {
      await logCall();
      await expect(page.getByText("Call logged.")).toBeVisible();
    }

    await logCall();
    await expect(page.locator("#call-form")).toContainText("The schedule would not call now");
    await expectAccessible(page);
    const calls = () =>
      db
        .selectFrom("call_attempts")
        .select(["override_reason"])
        .where("borrower_id", "=", borrower.id)
        .execute();
    expect(await calls()).toHaveLength(3);

    await form.getByLabel("Account").selectOption(account.id);
    await form.getByLabel("Outcome").selectOption("right_party_contact");
    await form.getByLabel(/^Reason/).fill("The borrower rang back and asked to settle today");
    await form.getByRole("button", { name: "Log call" }).click();
    await expect(page.getByText("Call logged.")).toBeVisible();
    expect((await calls()).map((c) => c.override_reason).filter(Boolean)).toEqual([
      "The borrower rang back and asked to settle today",
    ]);
  } finally {
    await db.deleteFrom("contact_policies").where("id", "=", own.id).execute();
    if (previous.length)
      await db
        .updateTable("contact_policies")
        .set({ active: true })
        .where(
          "id",
          "in",
          previous.map((p) => p.id),
        )
        .execute();
  }
});
