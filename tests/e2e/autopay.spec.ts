import { runSettle } from "../support/cli";
import { expect, test } from "./fixtures";

const PORT = Number(process.env.E2E_PORT ?? 3107);
const PG_PORT = Number(process.env.E2E_PG_PORT ?? 54339);

/** The borrower's calendar day (fresh borrowers live in Hong Kong). */
function hkToday(): string {
  return new Intl.DateTimeFormat("en-CA", {
    timeZone: "Asia/Hong_Kong",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(new Date());
}

test.describe("autopay (JavaScript off)", () => {
  test.use({ javaScriptEnabled: false });

  test("a borrower agrees a plan, saves a card on the setup page, and the job charges the first instalment", async ({
    page,
    db,
    freshBorrower,
    expectAccessible,
  }) => {
    const { account } = freshBorrower;
    await page.goto(`/r/${freshBorrower.link.code}`);
    await page.getByLabel("Day").fill("29");
    await page.getByLabel("Month").fill("2");
    await page.getByLabel("Year").fill("1980");
    await page.getByRole("button", { name: "Continue" }).click();
    await expect(page).toHaveURL(/\/account$/);

    // A plan inside policy whose first instalment is due today.
    await page.goto("/account/plan");
    await page.getByLabel("Number of payments").selectOption("3");
    await page.getByLabel("Every month").check();
    await page.getByLabel("Date of your first payment").fill(hkToday());
    await page.getByRole("button", { name: "Show my instalments" }).click();
    await page.getByRole("button", { name: "Submit plan" }).click();
    await expect(page).toHaveURL(/\/account\/plan\/status$/);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Your instalment plan is active");

    // Turning autopay on goes to the double's Checkout page in setup mode.
    await page.getByRole("button", { name: "Turn on automatic payments" }).click();
    await expect(page).toHaveURL(new RegExp(`^http://127\\.0\\.0\\.1:${PORT + 1000}/checkout/cs_test_`));
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Save a card for automatic payments");
    await page.getByRole("button", { name: "Save card" }).click();
    await expect(page).toHaveURL(/\/account\/plan\/status\?autopay=saved$/);
    // The signed webhook, not the redirect, turns autopay on.
    await expect
      .poll(async () => {
        const row = await db
          .selectFrom("plan_autopay")
          .select("status")
          .where("account_id", "=", account.id)
          .executeTakeFirst();
        return row?.status;
      })
      .toBe("on");
    await page.reload();
    await expect(page.getByTestId("autopay-state")).toContainText("Automatic payments are on");
    await expectAccessible(page);

    // The daily job, as the operator's command against the e2e server's database and Stripe double.
    const run = runSettle(["autopay:run", "--json"], {
      env: {
        ...process.env,
        DATABASE_URL: `postgres://settle:settle@127.0.0.1:${PG_PORT}/settle`,
        STRIPE_TEST_DOUBLE_PORT: String(PORT + 1000),
        LOG_LEVEL: "silent",
      },
    });
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout.trim().split("\n").pop()!)).toMatchObject({ declined: 0 });

    const [payment] = await db
      .selectFrom("payments")
      .select(["status", "amount_minor"])
      .where("account_id", "=", account.id)
      .execute();
    expect(payment).toEqual({ status: "succeeded", amount_minor: 166_668 });

    await page.goto("/account/plan/status");
    const first = page.locator("table.instalment-table tbody tr").first();
    await expect(first).toContainText("HK$1,666.68");
    await expect(first).toContainText("Paid");
    await expect(page.locator("table.instalment-table tbody tr").nth(1)).toContainText("Due");
  });
});
