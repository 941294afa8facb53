import type { Page } from "@playwright/test";
import type { Kysely } from "kysely";
import type { Database, Locale } from "../../db/schema";
import { expect, test } from "./fixtures";

/**
 * The borrower actions end to end with JavaScript off: each form posts, the
 * server redirects to a confirmation page read back from the database, and
 * every page passes axe (WCAG 2.2 AA). Languages alternate across the tests.
 */

type Fresh = { link: { code: string }; borrower: { id: string }; account: { id: string } };

const VERIFY: Record<Locale, { day: string; month: string; year: string; submit: string }> = {
  "zh-HK": { day: "日", month: "月", year: "年", submit: "繼續" },
  "zh-CN": { day: "日", month: "月", year: "年", submit: "继续" },
  en: { day: "Day", month: "Month", year: "Year", submit: "Continue" },
};

async function signIn(page: Page, db: Kysely<Database>, fresh: Fresh, locale: Locale) {
  await db.updateTable("borrowers").set({ locale }).where("id", "=", fresh.borrower.id).execute();
  await page.goto(`/r/${fresh.link.code}`);
  const v = VERIFY[locale];
  await page.getByLabel(v.day, { exact: true }).fill("29");
  await page.getByLabel(v.month, { exact: true }).fill("2");
  await page.getByLabel(v.year, { exact: true }).fill("1980");
  await page.getByRole("button", { name: v.submit }).click();
  await expect(page).toHaveURL(/\/account$/);
}

test.describe("borrower actions (JavaScript off)", () => {
  test.use({ javaScriptEnabled: false });

  test("zh-HK: promise to pay from the overview to its confirmation", async ({
    page,
    db,
    freshBorrower,
    expectAccessible,
  }) => {
    await signIn(page, db, freshBorrower, "zh-HK");
    await page.getByRole("link", { name: "承諾於指定日期還款" }).click();
    await expect(page).toHaveURL(/\/account\/promise$/);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("承諾還款");
    await expectAccessible(page);

    await page.getByLabel("您會還款的金額").fill("1,200.50");
    await page.getByLabel("還款日期", { exact: true }).selectOption({ index: 4 }); // index 0 is "選擇日期": 3 days from today
    await page.getByRole("button", { name: "確認承諾" }).click();

    await expect(page).toHaveURL(/\/account\/done\/promise$/);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("多謝您，我們已記錄您的承諾");
    await expect(page.locator("main")).toContainText("HK$1,200.50");
    await expectAccessible(page);
    const promise = await db
      .selectFrom("promises_to_pay")
      .selectAll()
      .where("borrower_id", "=", freshBorrower.borrower.id)
      .executeTakeFirstOrThrow();
    expect(promise).toMatchObject({ amount_minor: 120_050, status: "active" });
    const sms = await db
      .selectFrom("messages")
      .select("template_key")
      .where("borrower_id", "=", freshBorrower.borrower.id)
      .execute();
    expect(sms.map((m) => m.template_key)).toContain("confirmation.promise_confirmed");

    // Back on the form, the promise in force is shown instead of a second form.
    await page.goto("/account/promise");
    await expect(page.locator("main")).toContainText("您已承諾");
    await expectAccessible(page);
  });

  test("zh-HK: bad input comes back with translated errors beside the fields and writes nothing", async ({
    page,
    db,
    freshBorrower,
    expectAccessible,
  }) => {
    await signIn(page, db, freshBorrower, "zh-HK");
    await page.goto("/account/promise");
    await page.getByLabel("您會還款的金額").fill("<script>alert(1)</script>");
    const response = page.waitForResponse((r) => r.request().method() === "POST");
    await page.getByRole("button", { name: "確認承諾" }).click();
    expect((await response).status()).toBe(400);
    await expect(page.getByText("請以數字輸入金額，例如 500 或 1,250.50")).toBeVisible();
    await expect(page.getByText("請選擇日期", { exact: true })).toBeVisible();
    await expect(page.getByLabel("您會還款的金額")).toHaveAttribute("aria-invalid", "true");
    await expect(page.getByLabel("您會還款的金額")).toHaveValue("<script>alert(1)</script>");
    await expectAccessible(page);
    const rows = await db
      .selectFrom("promises_to_pay")
      .select("id")
      .where("borrower_id", "=", freshBorrower.borrower.id)
      .execute();
    expect(rows).toHaveLength(0);
  });

  test("en: hardship report; the confirmation says reminders are paused", async ({
    page,
    db,
    freshBorrower,
    expectAccessible,
  }) => {
    await signIn(page, db, freshBorrower, "en");
    await page.getByRole("link", { name: "Tell us you are having difficulty" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Tell us you are having difficulty");
    await expectAccessible(page);

    await page.getByLabel("Illness or injury").check();
    await page
      .getByLabel("Anything else you would like us to know (optional)")
      .fill("In hospital until next month <script>alert(1)</script>");
    await page.getByLabel("Monthly income").fill("8000");
    await page.getByLabel("Lower payments").check();
    await page.getByRole("button", { name: "Send to the bank" }).click();

    await expect(page).toHaveURL(/\/account\/done\/hardship$/);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Thank you for telling us");
    await expect(page.locator("main")).toContainText("We have paused payment reminders until");
    await expectAccessible(page);
    const report = await db
      .selectFrom("hardship_reports")
      .selectAll()
      .where("borrower_id", "=", freshBorrower.borrower.id)
      .executeTakeFirstOrThrow();
    expect(report).toMatchObject({
      reason: "illness",
      monthly_income_minor: 800_000,
      wants_lower_payments: true,
      wants_pause: false,
    });
    expect(report.details).toBe("In hospital until next month <script>alert(1)</script>");
    expect(report.pause_until).not.toBeNull();
    const task = await db
      .selectFrom("tasks")
      .select("kind")
      .where("borrower_id", "=", freshBorrower.borrower.id)
      .executeTakeFirstOrThrow();
    expect(task.kind).toBe("hardship_review");
  });

  test("zh-CN: contact preferences change, and the chosen language takes over the portal", async ({
    page,
    db,
    freshBorrower,
    expectAccessible,
  }) => {
    await signIn(page, db, freshBorrower, "zh-CN");
    await page.getByRole("link", { name: "联系偏好及短信设置" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("联系偏好");
    await expectAccessible(page);

    await page.getByLabel("电子邮件").uncheck();
    await page.getByLabel("从", { exact: true }).selectOption("09:00");
    await page.getByLabel("至", { exact: true }).selectOption("18:00");
    await page.getByLabel("每周最多提醒次数").selectOption("3");
    await page.getByLabel("English").check();
    await page.getByRole("button", { name: "保存偏好" }).click();

    await expect(page).toHaveURL(/\/account\/done\/preferences$/);
    await expect(page.locator("html")).toHaveAttribute("lang", "en");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Your preferences are saved");
    await expect(page.locator("dl")).toContainText("09:00-18:00");
    await expect(page.locator("dl")).toContainText("At most 3 a week");
    await expectAccessible(page);
    const prefs = await db
      .selectFrom("contact_preferences")
      .selectAll()
      .where("borrower_id", "=", freshBorrower.borrower.id)
      .executeTakeFirstOrThrow();
    expect(prefs).toMatchObject({
      email_allowed: false,
      sms_allowed: true,
      phone_allowed: true,
      window_start: "09:00:00",
      window_end: "18:00:00",
      preferred_locale: "en",
      max_per_week: 3,
    });
  });

  test("zh-CN: a window that ends before it starts gets a translated error", async ({
    page,
    db,
    freshBorrower,
    expectAccessible,
  }) => {
    await signIn(page, db, freshBorrower, "zh-CN");
    await page.goto("/account/preferences");
    await page.getByLabel("从", { exact: true }).selectOption("18:00");
    await page.getByLabel("至", { exact: true }).selectOption("09:00");
    await page.getByRole("button", { name: "保存偏好" }).click();
    await expect(page.getByText("结束时间必须晚于开始时间")).toBeVisible();
    await expect(page.getByLabel("至", { exact: true })).toHaveAttribute("aria-invalid", "true");
    await expectAccessible(page);
    expect(
      await db
        .selectFrom("contact_preferences")
        .select("borrower_id")
        .where("borrower_id", "=", freshBorrower.borrower.id)
        .execute(),
    ).toHaveLength(0);
  });

  test("en: stop texts from the portal says beforehand what still happens, then texts can start again", async ({
    page,
    db,
    freshBorrower,
    expectAccessible,
  }) => {
    await signIn(page, db, freshBorrower, "en");
    await page.goto("/account/preferences");
    const stop = page.getByRole("region", { name: "Stop texts" });
    await expect(stop).toContainText("Your payments are still due");
    await expect(stop).toContainText("letter or phone");
    await expect(stop).toContainText("replying START");
    await stop.getByRole("button", { name: "Stop texts" }).click();

    await expect(page).toHaveURL(/\/account\/done\/texts-stopped$/);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("You will not receive texts from us");
    await expectAccessible(page);
    const prefs = await db
      .selectFrom("contact_preferences")
      .selectAll()
      .where("borrower_id", "=", freshBorrower.borrower.id)
      .executeTakeFirstOrThrow();
    expect(prefs.sms_opted_out_at).not.toBeNull();

    await page.goto("/account/preferences");
    await expect(page.getByLabel("Text message (SMS)")).toHaveCount(0);
    await page.getByRole("button", { name: "Start texts again" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Texts are on again");
    await expectAccessible(page);
    const after = await db
      .selectFrom("contact_preferences")
      .selectAll()
      .where("borrower_id", "=", freshBorrower.borrower.id)
      .executeTakeFirstOrThrow();
    expect(after).toMatchObject({ sms_opted_out_at: null, sms_allowed: true });
  });

  test("zh-HK: a complaint gets an acknowledgement number", async ({
    page,
    db,
    freshBorrower,
    expectAccessible,
  }) => {
    await signIn(page, db, freshBorrower, "zh-HK");
    await page.getByRole("link", { name: "提出投訴" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("提出投訴");
    await expectAccessible(page);
    await page.getByLabel("我們聯絡您的次數").check();
    await page.getByLabel("發生了甚麼事？").fill("一日收到五個短訊。");
    await page.getByRole("button", { name: "提交投訴" }).click();

    await expect(page).toHaveURL(/\/account\/done\/complaint$/);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("我們已收到您的投訴");
    const shown = (await page.locator(".ack-number").innerText()).trim();
    expect(shown).toMatch(/^C\d{8}-[0-9A-HJKMNP-TV-Z]{5}$/);
    await expectAccessible(page);
    const complaint = await db
      .selectFrom("complaints")
      .selectAll()
      .where("borrower_id", "=", freshBorrower.borrower.id)
      .executeTakeFirstOrThrow();
    expect(complaint.ack_number).toBe(shown);
    const task = await db
      .selectFrom("tasks")
      .select("kind")
      .where("borrower_id", "=", freshBorrower.borrower.id)
      .executeTakeFirstOrThrow();
    expect(task.kind).toBe("complaint");
  });

  test("en: book a call back in a slot on the borrower's clock", async ({
    page,
    db,
    freshBorrower,
    expectAccessible,
  }) => {
    await signIn(page, db, freshBorrower, "en");
    await page.getByRole("link", { name: "Request a call back or appointment" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Request a call back or appointment");
    await expect(page.locator("main")).toContainText("Hong Kong");
    await expectAccessible(page);

    await page.getByRole("radio", { name: "A call back" }).check();
    await page.getByLabel("Time", { exact: true }).selectOption({ index: 3 });
    const label = await page.getByLabel("Time", { exact: true }).locator("option:checked").innerText();
    await page.getByLabel("Anything we should know first (optional)").fill("Mornings are best");
    await page.getByRole("button", { name: "Book this time" }).click();

    await expect(page).toHaveURL(/\/account\/done\/appointment$/);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Your appointment is booked");
    await expect(page.locator("main")).toContainText(`We will call you on ${label}`);
    await expectAccessible(page);
    const task = await db
      .selectFrom("tasks")
      .selectAll()
      .where("borrower_id", "=", freshBorrower.borrower.id)
      .executeTakeFirstOrThrow();
    expect(task).toMatchObject({
      kind: "callback",
      borrower_note: "Mornings are best",
      source_type: "appointment_request",
    });
    expect(task.slot_start).not.toBeNull();
  });
});
