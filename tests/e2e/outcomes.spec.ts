import { readFileSync } from "node:fs";
import { expect, test } from "./fixtures";

/**
 * The dashboard's outcome analytics (docs/outcomes.md) on the demo book, which has a 60-day history:
 * filters are a GET form that works without JavaScript, bad filters say what to fix, the CSV downloads.
 * The dashboard's axe audit (approvals.spec.ts) covers this section: it is part of the same page.
 */
test.describe("outcome analytics (JavaScript off)", () => {
  test.use({
    viewport: { width: 1280, height: 900 },
    isMobile: false,
    hasTouch: false,
    javaScriptEnabled: false,
  });

  test("the demo history shows outcomes, marked as demo data; a filter applies by its button", async ({
    page,
    signInAs,
  }) => {
    await signInAs(page.context(), "supervisor");
    await page.goto("/staff/dashboard");
    await expect(page.getByRole("heading", { name: "Outcomes" })).toBeVisible();
    await expect(page.getByRole("note")).toContainText("DEMO-HIST-");
    await expect(page.getByText(/Median time from first text to first action: [\d.]+ hours/)).toBeVisible();

    const filters = page.getByRole("group", { name: "Filter the outcomes" });
    // Other journeys add borrowers of their own to this book; mainland zh-CN ones all owe CNY.
    await filters.getByLabel("Language").selectOption("zh-CN");
    await filters.getByLabel("Jurisdiction").selectOption("CN");
    await page.getByRole("button", { name: "Show outcomes" }).click();
    await expect(page).toHaveURL(/language=zh-CN/);
    await expect(filters.getByLabel("Language")).toHaveValue("zh-CN");
    const collected = page.getByRole("region", { name: "Collected and contact cost, per currency" });
    await expect(collected.getByRole("rowheader")).toHaveText(["CNY"]);
  });

  test("the CSV keeps the page's filters and downloads; a bad period is refused with what to fix", async ({
    page,
    signInAs,
  }) => {
    await signInAs(page.context(), "supervisor");
    await page.goto("/staff/dashboard?language=en");
    const filters = page.getByRole("group", { name: "Filter the outcomes" });
    const link = page.getByRole("link", { name: "Download these figures as CSV" });
    await expect(link).toHaveAttribute("href", /^\/staff\/outcomes\.csv\?from=.*&language=en$/);
    const download = page.waitForEvent("download");
    await link.click();
    const csv = readFileSync(await (await download).path(), "utf8");
    expect(csv).toMatch(/^figure,currency,key,numerator,denominator,value\r\n/);
    expect(csv).toContain("cure_rate,");

    await filters.getByLabel("From").fill("2030-02-10");
    await filters.getByLabel("To", { exact: true }).fill("2030-02-01");
    await page.getByRole("button", { name: "Show outcomes" }).click();
    await expect(page.getByRole("alert")).toHaveText("The end date must be on or after the start date.");
    await expect(page.getByRole("heading", { name: "Rates" })).toHaveCount(0);
  });
});
