import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";

/**
 * A settlement offer end to end with JavaScript off (issue #21 item 5, docs/product-rules.md §7.10): a
 * borrower 120 days past due sees the default band's offer, accepts it with its terms, pays it through
 * the Stripe test double's checkout, and the settlement page then says the account is settled.
 */
test.use({ javaScriptEnabled: false });

async function verify(page: Page, code: string) {
  await page.goto(`/r/${code}`);
  await page.getByLabel("Day").fill("29");
  await page.getByLabel("Month").fill("2");
  await page.getByLabel("Year").fill("1980");
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page).toHaveURL(/\/account$/);
}

test("a borrower 90+ days past due accepts the settlement offer, pays it, and the account shows settled", async ({
  page,
  db,
  freshBorrower,
  expectAccessible,
}) => {
  const { link, account } = freshBorrower;
  await db
    .updateTable("accounts")
    .set({ dpd: 120, balance_minor: 1_000_000, overdue_minor: 400_000 })
    .where("id", "=", account.id)
    .execute();
  await verify(page, link.code);

  await page.getByRole("link", { name: "Settlement offers" }).click();
  await expect(page).toHaveURL(/\/account\/settlement$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Settle your account for less");
  await expect(page.locator("dl")).toContainText("HK$8,000.00");
  await expect(page.getByText("Settlement terms (settlement-terms-1)", { exact: false })).toBeVisible();
  await expectAccessible(page);

  await page.getByRole("button", { name: "Accept this settlement" }).click();
  await expect(page).toHaveURL(/\/account\/settlement\?accepted=1$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Your settlement is agreed");
  const stored = await db
    .selectFrom("settlements")
    .select(["status", "agreed_minor", "terms_text"])
    .where("account_id", "=", account.id)
    .executeTakeFirstOrThrow();
  expect(stored).toMatchObject({ status: "accepted", agreed_minor: 800_000 });
  expect(stored.terms_text).toContain("HK$8,000.00");

  await page.getByRole("button", { name: "Pay HK$8,000.00 now" }).click();
  await expect(page).toHaveURL(/^http:\/\/127\.0\.0\.1:\d+\/checkout\/cs_test_\w+$/);
  await expect(page.getByTestId("amount")).toHaveText("HK$8,000.00");
  await page.getByRole("button", { name: "Pay" }).click();
  await expect(page).toHaveURL(/\/account\/pay\/return\?payment=/);

  // The webhook, not the redirect, settles it: wait for it, then the page says so.
  await expect
    .poll(async () => {
      const row = await db
        .selectFrom("settlements")
        .select("status")
        .where("account_id", "=", account.id)
        .executeTakeFirst();
      return row?.status;
    })
    .toBe("paid");
  await page.goto("/account/settlement");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Your account is settled");
  await expect(page.getByRole("cell", { name: "Paid" })).toBeVisible();
  await expectAccessible(page);
});
