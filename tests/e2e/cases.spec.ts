import { expect, test } from "./fixtures";

/**
 * Cases end to end (docs/product-rules.md §8.9): a borrower files a complaint in the portal, an agent
 * acknowledges it from the queue, answers and resolves it on the case page; it leaves the queue, a text in
 * the borrower's language says the answer is there, and the borrower reads it on the overview. The
 * borrower's pages run without JavaScript.
 */
test.use({ viewport: { width: 1280, height: 900 }, isMobile: false, hasTouch: false });

test("a complaint is acknowledged, answered and resolved, leaves the queue, and the borrower reads the response", async ({
  browser,
  page,
  db,
  freshBorrower,
  signInAs,
  expectAccessible,
}) => {
  // The borrower, with JavaScript off, files the complaint.
  const portal = await browser.newContext({ javaScriptEnabled: false });
  const borrowerPage = await portal.newPage();
  await borrowerPage.goto(`/r/${freshBorrower.link.code}`);
  await borrowerPage.getByLabel("Day", { exact: true }).fill("29");
  await borrowerPage.getByLabel("Month", { exact: true }).fill("2");
  await borrowerPage.getByLabel("Year", { exact: true }).fill("1980");
  await borrowerPage.getByRole("button", { name: "Continue" }).click();
  await expect(borrowerPage).toHaveURL(/\/account$/);
  await borrowerPage.getByRole("link", { name: "Make a complaint" }).click();
  await borrowerPage.getByLabel("How a member of staff treated you").check();
  await borrowerPage.getByLabel("What happened?").fill("The caller shouted at me.");
  await borrowerPage.getByRole("button", { name: "Send complaint" }).click();
  await expect(borrowerPage).toHaveURL(/\/account\/done\/complaint$/);
  const ack = (await borrowerPage.locator(".ack-number").innerText()).trim();

  // The agent finds it in the complaints queue and opens the case.
  await signInAs(page.context(), "agent");
  await page.goto("/staff/queues");
  const queue = page.locator("section", { has: page.getByRole("heading", { name: /^Complaints/ }) });
  await queue.getByRole("link", { name: ack }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`Complaint ${ack}`);
  await expect(page.getByTestId("case-status")).toHaveText("Open");
  await expectAccessible(page);

  await page.getByRole("button", { name: "Acknowledge and start work" }).click();
  await expect(page.getByTestId("case-status")).toHaveText("In progress");
  const answer = "We have spoken to the caller's team leader and we apologise.";
  await page.getByLabel("Final response (resolving)").fill(answer);
  await page.getByRole("button", { name: "Resolve and send the response" }).click();
  await expect(page.getByTestId("case-status")).toHaveText("Resolved");
  await expect(page.locator("main")).toContainText(answer);
  await expectAccessible(page);

  // It has left the queue, and the borrower was texted that the answer is in the portal.
  await page.goto("/staff/queues");
  await expect(page.getByRole("link", { name: ack })).toHaveCount(0);
  const texts = await db
    .selectFrom("messages")
    .select("template_key")
    .where("borrower_id", "=", freshBorrower.borrower.id)
    .execute();
  expect(texts.map((m) => m.template_key)).toContain("confirmation.case_response");

  // The borrower sees the response on the overview.
  await borrowerPage.goto("/account");
  const response = borrowerPage.locator("section", {
    has: borrowerPage.getByRole("heading", { name: "Our response to you" }),
  });
  await expect(response).toContainText(`About your complaint ${ack}`);
  await expect(response).toContainText(answer);
  await expectAccessible(borrowerPage);
  await portal.close();
});
