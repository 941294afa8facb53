import { insertAccount, insertBorrower } from "../support/builders";
import { expect, scheduleDecision, test } from "./fixtures";

test.use({ viewport: { width: 1280, height: 900 }, isMobile: false, hasTouch: false });

test("an agent logs a call that ended in a promise, records the promise, and schedule:run shows the pause", async ({
  page,
  db,
  signInAs,
  expectAccessible,
}) => {
  const borrower = await insertBorrower(db, { locale: "en", full_name: "Promise Caller" });
  const account = await insertAccount(db, {
    borrower_id: borrower.id,
    status: "delinquent",
    dpd: 12,
    overdue_minor: 100_000,
    balance_minor: 500_000,
    last4: "7788",
    due_date: new Date(Date.now() - 12 * 86_400_000).toISOString().slice(0, 10),
  });
  await signInAs(page.context(), "agent");
  await page.goto(`/staff/borrowers/${borrower.id}`);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Promise Caller");

  // The call: the borrower promises to pay. Logging it opens the promise form on that account.
  const call = page.locator("section", { has: page.getByRole("heading", { name: "Log a call" }) });
  await call.getByLabel("Account").selectOption(account.id);
  await call.getByLabel("Outcome", { exact: true }).selectOption("promise_made");
  // The wall clock may be outside the borrower's call window (product rules §4.16): a reason then.
  await call.getByLabel(/^Reason/).fill("Borrower asked for a call now");
  await call.getByRole("button", { name: "Log call" }).click();
  await expect(page).toHaveURL(/promiseFor=/);
  await expect(page.getByRole("status")).toHaveText("Call logged.");

  const promise = page.locator(".act-form", {
    has: page.getByRole("heading", { name: "Record a promise to pay" }),
  });
  await expect(promise.getByLabel("Account")).toHaveValue(account.id);
  await promise.getByLabel("Amount").fill("800");
  await promise.getByLabel("Pay by").selectOption({ index: 4 });
  await promise.getByRole("button", { name: "Record promise" }).click();
  await expect(page.getByRole("status")).toContainText("Promise recorded");
  const timeline = page.locator("section", { has: page.getByRole("heading", { name: "Timeline" }) });
  await expect(timeline.getByText("HK$800.00").first()).toBeVisible();
  await expectAccessible(page);

  // The operator's command against the e2e server's database: the next decision is the promise's pause.
  const line = scheduleDecision(account.external_ref, ["--dry-run"]);
  expect(line).toMatchObject({ action: "defer", reason: "promise_pending" });
});
