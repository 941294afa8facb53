import { insertAccount, insertBorrower, insertMessage, insertPayment } from "../support/builders";
import { expect, test } from "./fixtures";

/**
 * The borrower page for an agent (issue #20 item 5): the next contact with its reason at the top, the
 * borrower's own words set apart, the timeline's filters as a plain GET form (JavaScript off) and applied
 * on change (JavaScript on), a skip link to the timeline; axe on each state.
 */
const desktop = { viewport: { width: 1280, height: 900 }, isMobile: false, hasTouch: false };

async function seededBorrower(db: Parameters<typeof insertBorrower>[0]) {
  const borrower = await insertBorrower(db, { locale: "en", full_name: "Filter Reader" });
  const account = await insertAccount(db, { borrower_id: borrower.id, last4: "4455", dpd: 12 });
  // The e2e server's worker runs the schedule every five minutes; a borrower it may text would gain a
  // fourth timeline entry whenever a run falls inside the test. Opted out, the timeline holds what we seed.
  await db
    .insertInto("contact_preferences")
    .values({
      borrower_id: borrower.id,
      sms_allowed: false,
      phone_allowed: false,
      sms_opted_out_at: new Date(),
    })
    .execute();
  await insertMessage(db, account, {
    direction: "inbound",
    status: "received",
    body: "I lost my job, can I pay next month?",
  });
  await insertPayment(db, account, { amount_minor: 25_000, status: "succeeded", succeeded_at: new Date() });
  await db
    .insertInto("complaints")
    .values({
      borrower_id: borrower.id,
      account_id: account.id,
      ack_number: `C${Date.now()}-E2E`.slice(0, 20),
      category: "conduct",
      body: "The caller was rude to my mother.",
    })
    .execute();
  return borrower;
}

test.describe("the borrower page, JavaScript off", () => {
  test.use({ ...desktop, javaScriptEnabled: false });

  test("shows the next contact, the borrower's words, and filters the timeline with a plain GET form", async ({
    page,
    db,
    signInAs,
    expectAccessible,
  }) => {
    const borrower = await seededBorrower(db);
    await signInAs(page.context(), "agent");
    await page.goto(`/staff/borrowers/${borrower.id}`);

    const next = page.locator("section", { has: page.getByRole("heading", { name: "Next contact" }) });
    await expect(next).toContainText("account ending 4455");
    await expect(next).toContainText("Why:");

    const words = page.locator("figure.borrower-words");
    await expect(words.filter({ hasText: "The caller was rude to my mother." })).toContainText(
      "In the borrower's words",
    );
    await expect(words.filter({ hasText: "I lost my job" })).toBeVisible();

    // Keyboard: the skip link moves the focus to the timeline.
    const skip = page.getByRole("link", { name: "Skip to the timeline" });
    await skip.focus();
    await page.keyboard.press("Enter");
    await expect(page.locator("#timeline")).toBeFocused();
    await expectAccessible(page);

    const timeline = page.locator("#timeline");
    await timeline.getByLabel(/^Payments/).check();
    await timeline.getByRole("button", { name: "Apply filters" }).click();
    const url = new URL(page.url());
    expect([...url.searchParams.keys()]).toEqual(["show"]);
    expect(url.searchParams.getAll("show")).toEqual(["payments"]);
    await expect(timeline.locator("li.timeline-item")).toHaveCount(1);
    await expect(timeline.locator("li.timeline-item")).toContainText("Payment");
    await expect(timeline.getByLabel(/^Payments/)).toBeChecked();
    await expectAccessible(page);

    await timeline.getByRole("link", { name: "Show everything" }).click();
    await expect(timeline.locator("li.timeline-item")).toHaveCount(3);
  });
});

test.describe("the borrower page, JavaScript on", () => {
  test.use(desktop);

  test("a filter applies as soon as its box changes, and the focus stays on it", async ({
    page,
    db,
    signInAs,
    expectAccessible,
  }) => {
    const borrower = await seededBorrower(db);
    await signInAs(page.context(), "agent");
    await page.goto(`/staff/borrowers/${borrower.id}`);
    const timeline = page.locator("#timeline");
    await expect(timeline.locator("li.timeline-item")).toHaveCount(3);
    const texts = timeline.getByLabel(/^Texts/);
    await texts.focus();
    await page.keyboard.press("Space");
    await expect(page).toHaveURL(/\?show=texts$/);
    await expect(timeline.locator("li.timeline-item")).toHaveCount(1);
    await expect(texts).toBeChecked();
    await expect(texts).toBeFocused();
    await expectAccessible(page);
  });
});
