import { expect, test } from "./fixtures";

test.describe("masked landing and verification (JavaScript off)", () => {
  test.use({ javaScriptEnabled: false });

  test("zh-HK: nothing about the debt before verification; wrong answer counts down; right answer shows the overview", async ({
    page,
    db,
    freshBorrower,
    expectAccessible,
  }) => {
    const { link, borrower } = freshBorrower;
    await db.updateTable("borrowers").set({ locale: "zh-HK" }).where("id", "=", borrower.id).execute();
    await db
      .updateTable("accounts")
      .set({ overdue_minor: 123_400, last4: "2468" })
      .where("id", "=", freshBorrower.account.id)
      .execute();

    const landing = await page.goto(`/r/${link.code}`);
    expect(landing?.status()).toBe(200);
    expect(landing?.headers()["referrer-policy"]).toBe("no-referrer");
    expect(landing?.headers()["cache-control"]).toContain("no-store");
    await expect(page.locator("html")).toHaveAttribute("lang", "zh-HK");
    await expect(page.getByText("尾號 2468")).toBeVisible();
    await expect(page.locator("body")).not.toContainText("HK$");
    await expectAccessible(page);

    await page.getByLabel("日").fill("1");
    await page.getByLabel("月").fill("1");
    await page.getByLabel("年").fill("1999");
    await page.getByRole("button", { name: "繼續" }).click();
    await expect(page.getByRole("alert")).toContainText("尚餘嘗試次數：4");
    await expect(page.locator("body")).not.toContainText("HK$");

    await page.getByLabel("日").fill("29");
    await page.getByLabel("月").fill("2");
    await page.getByLabel("年").fill("1980");
    await page.getByRole("button", { name: "繼續" }).click();
    await expect(page).toHaveURL(/\/account$/);
    await expect(page.getByRole("heading", { level: 1 })).toContainText("2468");
    await expect(page.locator("dl")).toContainText("HK$1,234.00");
    await expectAccessible(page);

    const opened = await db
      .selectFrom("short_links")
      .select(["open_count", "first_opened_at"])
      .where("id", "=", link.id)
      .executeTakeFirstOrThrow();
    expect(opened.open_count).toBeGreaterThanOrEqual(1);
    expect(opened.first_opened_at).not.toBeNull();

    await page.getByRole("button", { name: "登出" }).click();
    await expect(page).toHaveURL(/\/session-ended$/);
    await page.goto("/account");
    await expect(page).toHaveURL(/\/session-ended$/);
  });

  test("en: malformed answers get translated field errors and count as no attempt", async ({
    page,
    db,
    freshBorrower,
    expectAccessible,
  }) => {
    await page.goto(`/r/${freshBorrower.link.code}`);
    await page.getByLabel("Day").fill("32");
    await page.getByLabel("Month").fill("<script>");
    await page.getByLabel("Year").fill("85");
    const response = page.waitForResponse((r) => r.request().method() === "POST");
    await page.getByRole("button", { name: "Continue" }).click();
    expect((await response).status()).toBe(400);
    await expect(page.getByText("Enter a day from 1 to 31")).toBeVisible();
    await expect(page.getByText("Enter a month from 1 to 12")).toBeVisible();
    await expect(page.getByText("Enter a 4-digit year, for example 1985")).toBeVisible();
    await expect(page.getByLabel("Day")).toHaveAttribute("aria-invalid", "true");
    await expectAccessible(page);
    const attempts = await db
      .selectFrom("verification_attempts")
      .select("id")
      .where("link_id", "=", freshBorrower.link.id)
      .execute();
    expect(attempts).toHaveLength(0);
  });

  test("'Not me' suppresses the number at once and retires the link", async ({
    page,
    db,
    freshBorrower,
    expectAccessible,
  }) => {
    await page.goto(`/r/${freshBorrower.link.code}`);
    await page.getByRole("button", { name: "Not me / wrong number" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Thank you for telling us");
    await expectAccessible(page);
    const account = await db
      .selectFrom("accounts")
      .select("wrong_number_at")
      .where("id", "=", freshBorrower.account.id)
      .executeTakeFirstOrThrow();
    expect(account.wrong_number_at).not.toBeNull();
    const task = await db
      .selectFrom("tasks")
      .select("kind")
      .where("account_id", "=", freshBorrower.account.id)
      .executeTakeFirstOrThrow();
    expect(task.kind).toBe("wrong_number_review");
    const again = await page.goto(`/r/${freshBorrower.link.code}`);
    expect(again?.status()).toBe(410);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("This link is no longer active");
  });

  test("'Stop texts' opts the number out and says what still happens", async ({
    page,
    db,
    freshBorrower,
  }) => {
    await page.goto(`/r/${freshBorrower.link.code}`);
    await page.getByRole("button", { name: "Stop texts to this number" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("You will not receive reminder texts");
    await expect(page.getByText("reply START")).toBeVisible();
    const prefs = await db
      .selectFrom("contact_preferences")
      .selectAll()
      .where("borrower_id", "=", freshBorrower.borrower.id)
      .executeTakeFirstOrThrow();
    expect(prefs.sms_allowed).toBe(false);
    expect(prefs.sms_opted_out_at).not.toBeNull();
  });

  test("forged and unknown codes get a 404 page that reveals nothing", async ({
    page,
    freshBorrower,
    expectAccessible,
  }) => {
    const code = freshBorrower.link.code;
    const forged = code.slice(0, 12) + (code[12] === "a" ? "b" : "a") + code.slice(13);
    const res = await page.goto(`/r/${forged}`);
    expect(res?.status()).toBe(404);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("This link is not valid");
    const garbage = await page.goto("/r/not-a-code");
    expect(garbage?.status()).toBe(404);
    await expectAccessible(page);
  });
});
