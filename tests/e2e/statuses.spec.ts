import { insertAccount, insertBorrower } from "../support/builders";
import { expect, test } from "./fixtures";

/**
 * Account statuses from the borrower page (docs/product-rules.md §4.18), JavaScript off: an agent records
 * a cease-contact request with its reason; the page lists it, and the "next contact" line says why the
 * schedule will not contact the borrower. Then the agent ends it.
 */
test.use({
  viewport: { width: 1280, height: 900 },
  isMobile: false,
  hasTouch: false,
  javaScriptEnabled: false,
});

test("an agent sets a cease-contact status, and the page says why there is no contact", async ({
  page,
  db,
  signInAs,
  expectAccessible,
}) => {
  const borrower = await insertBorrower(db, { locale: "en", full_name: "Status Setter" });
  await insertAccount(db, { borrower_id: borrower.id, last4: "4455", dpd: 10 });
  await signInAs(page.context(), "agent");
  await page.goto(`/staff/borrowers/${borrower.id}`);

  const form = page.locator("#status-form");
  await form.getByLabel("Status", { exact: true }).selectOption("cease_contact");
  await form.getByLabel("Reason").fill("Asked in writing to stop all contact");
  await form.getByRole("button", { name: "Set status" }).click();

  const panel = page.locator("section", { has: page.locator("#statuses-title") });
  await expect(panel).toContainText("Cease-contact request");
  await expect(panel).toContainText("Asked in writing to stop all contact");
  await expect(page.locator(".next-contact")).toContainText("the borrower asked us to stop contacting them");
  await expectAccessible(page);

  await panel.getByLabel("Why it ends").fill("Borrower withdrew the request");
  await panel.getByRole("button", { name: "End status" }).click();
  await expect(panel).toContainText("Borrower withdrew the request");
  await expect(page.locator(".next-contact")).not.toContainText(
    "the borrower asked us to stop contacting them",
  );
});
