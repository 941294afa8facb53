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

test("an agent claims a task from the work page and releases it; a supervisor sees the load and the SLA breaches", async ({
  browser,
  page,
  db,
  freshBorrower,
  signInAs,
  expectAccessible,
}) => {
  await db
    .updateTable("borrowers")
    .set({ full_name: "Worklist Caller" })
    .where("id", "=", freshBorrower.borrower.id)
    .execute();
  // Overdue since long ago: first in the list of unclaimed work.
  await db
    .insertInto("tasks")
    .values({
      kind: "call",
      borrower_id: freshBorrower.borrower.id,
      account_id: freshBorrower.account.id,
      due_at: new Date("2001-01-01T00:00:00Z"),
    })
    .execute();
  const agent = await signInAs(page.context(), "agent");
  const { display_name: agentName } = await db
    .selectFrom("staff_users")
    .select("display_name")
    .where("email", "=", agent.email)
    .executeTakeFirstOrThrow();
  await page.goto("/staff/work");
  const unclaimed = page.locator("section", { has: page.getByRole("heading", { name: /^Not claimed yet/ }) });
  const row = unclaimed.getByRole("row", { name: /Worklist Caller/ });
  await row.getByRole("button", { name: "Claim" }).click();
  const mine = page.locator("section", { has: page.getByRole("heading", { name: /^Assigned to me/ }) });
  await expect(mine.getByRole("row", { name: /Worklist Caller/ })).toContainText(agentName);
  await expectAccessible(page);
  await mine
    .getByRole("row", { name: /Worklist Caller/ })
    .getByRole("button", { name: "Release" })
    .click();
  await expect(mine.getByRole("row", { name: /Worklist Caller/ })).toHaveCount(0);

  const supervisorContext = await browser.newContext();
  const supervisorPage = await supervisorContext.newPage();
  await signInAs(supervisorContext, "supervisor");
  await supervisorPage.goto("/staff/work");
  await expect(supervisorPage.getByRole("heading", { name: "Load per person" })).toBeVisible();
  await expectAccessible(supervisorPage);
  await supervisorPage.goto("/staff/dashboard");
  await expect(supervisorPage.getByRole("heading", { name: /^Cases past their deadline/ })).toBeVisible();
  await expectAccessible(supervisorPage);
  await supervisorContext.close();
});
