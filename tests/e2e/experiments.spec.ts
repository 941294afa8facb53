import { expect, test } from "./fixtures";

/**
 * A/B of whole strategies end to end in the console (issue #23 item 2, docs/product-rules.md §4.21), with
 * JavaScript off: the demo history's closed experiment compares two populated arms; a supervisor defines
 * a challenger with the policy editor's own form and a share, sees both arms, and promotes it to a new
 * champion version. The challenger changes only where the last stage ends (no account is that late), so
 * journeys running beside this one are decided exactly as before.
 */
test.describe("strategy experiments (JavaScript off)", () => {
  test.use({
    viewport: { width: 1280, height: 900 },
    isMobile: false,
    hasTouch: false,
    javaScriptEnabled: false,
  });

  test("A/B of strategies end to end in the console: define a challenger, see the arms, promote it", async ({
    page,
    signInAs,
    expectAccessible,
  }) => {
    await signInAs(page.context(), "supervisor");
    await page.goto("/staff/queues");
    await page.getByRole("link", { name: "Experiments" }).click();
    await expect(page.getByRole("heading", { name: "Strategy experiments", level: 1 })).toBeVisible();

    // The demo's closed experiment, marked as demo data, with both arms populated.
    const demo = page.getByRole("region", { name: /Demo: mid-stage reminders every 3 days/ });
    await expect(demo.getByText("Demo data")).toBeVisible();
    await expect(demo.getByRole("columnheader", { name: /^Champion \(\d{2,} accounts\)$/ })).toBeVisible();
    await expect(demo.getByRole("columnheader", { name: /^Challenger \(\d{2,} accounts\)$/ })).toBeVisible();
    await expect(demo.getByRole("rowheader", { name: /Cure rate/ })).toBeVisible();
    await expect(demo.getByText(/Wilson score 95% intervals/)).toBeVisible();
    await expectAccessible(page);

    // A share outside 1-50 is refused beside its field, and nothing starts.
    const name = `Serious stage ends at 99,999 days ${Date.now()}`;
    await page.getByLabel("Name").fill(name);
    await page.getByLabel("Share of accounts (%)").fill("60");
    const serious = page.getByRole("group", { name: "Seriously overdue" });
    await serious.getByLabel("To day").fill("99999");
    await page.getByRole("button", { name: "Start the experiment" }).click();
    await expect(page.getByText("Enter a whole number from 1 to 50.")).toBeVisible();
    await expectAccessible(page);

    await page.getByLabel("Share of accounts (%)").fill("10");
    await page.getByRole("button", { name: "Start the experiment" }).click();
    await expect(page.getByRole("status")).toContainText("Experiment started");
    const running = page.getByRole("region", { name });
    await expect(running.getByText(/Challenger share 10%/)).toBeVisible();
    await expect(running.getByRole("columnheader", { name: /^Champion \(\d+ accounts\)$/ })).toBeVisible();
    await expect(running.getByRole("columnheader", { name: /^Challenger \(\d+ accounts\)$/ })).toBeVisible();
    // While one runs, no second can be started.
    await expect(page.getByRole("button", { name: "Start the experiment" })).toHaveCount(0);

    await running.getByRole("button", { name: "Promote the challenger" }).click();
    await expect(page.getByRole("status")).toContainText("Challenger promoted");
    const promoted = page.getByRole("region", { name });
    await expect(promoted.getByText(/Promoted: the challenger became policy version \d+/)).toBeVisible();
    const version = /version (\d+)/.exec((await promoted.getByText(/Promoted:/).textContent()) ?? "")![1]!;

    // The contact policy editor shows the promoted challenger as the version in use.
    await page.getByRole("link", { name: "Contact policy" }).click();
    await expect(page.getByText(new RegExp(`In use: version ${version},`))).toBeVisible();
    await expect(page.getByRole("group", { name: "Seriously overdue" }).getByLabel("To day")).toHaveValue(
      "99999",
    );
  });
});
