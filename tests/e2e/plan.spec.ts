import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";

/** The borrower's calendar day (fresh borrowers live in Hong Kong), plus some days. */
function hkDate(daysAhead: number): string {
  const today = new Intl.DateTimeFormat("en-CA", {
    timeZone: "Asia/Hong_Kong",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(new Date());
  const [y, m, d] = today.split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + daysAhead)).toISOString().slice(0, 10);
}

async function verify(
  page: Page,
  code: string,
  labels: { day: string; month: string; year: string; submit: string },
) {
  await page.goto(`/r/${code}`);
  await page.getByLabel(labels.day).fill("29");
  await page.getByLabel(labels.month).fill("2");
  await page.getByLabel(labels.year).fill("1980");
  await page.getByRole("button", { name: labels.submit }).click();
  await expect(page).toHaveURL(/\/account$/);
}
const EN = { day: "Day", month: "Month", year: "Year", submit: "Continue" };

test.describe("instalment plans (JavaScript off)", () => {
  test.use({ javaScriptEnabled: false });

  test("en: a plan inside policy shows every instalment, then starts at once", async ({
    page,
    db,
    freshBorrower,
    expectAccessible,
  }) => {
    const { account } = freshBorrower; // HK$5,000.00 owed
    await verify(page, freshBorrower.link.code, EN);
    await page.getByRole("link", { name: "Set up an instalment plan" }).click();
    await expect(page).toHaveURL(/\/account\/plan$/);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Set up an instalment plan");
    await expect(page.locator("dl")).toContainText("HK$5,000.00");
    await expectAccessible(page);

    await page.getByLabel("Number of payments").selectOption("3");
    await page.getByLabel("Every month").check();
    await page.getByLabel("Date of your first payment").fill(hkDate(7));
    await page.getByRole("button", { name: "Show my instalments" }).click();
    const table = page.locator("table.instalment-table");
    await expect(table.locator("tbody tr")).toHaveCount(3);
    await expect(table.locator("tbody tr").first()).toContainText("HK$1,666.68");
    await expect(table.locator("tbody tr").nth(2)).toContainText("HK$1,666.66");
    await expect(table.locator("tfoot")).toContainText("HK$5,000.00");
    await expect(page.getByText("meets our automatic approval rules")).toBeVisible();
    // Previewing writes nothing.
    expect(
      await db.selectFrom("instalment_plans").select("id").where("account_id", "=", account.id).execute(),
    ).toHaveLength(0);
    await expectAccessible(page);

    await page.getByRole("button", { name: "Submit plan" }).click();
    await expect(page).toHaveURL(/\/account\/plan\/status$/);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Your instalment plan is active");
    await expect(page.locator("table.instalment-table tbody tr")).toHaveCount(3);
    await expectAccessible(page);

    const plan = await db
      .selectFrom("instalment_plans")
      .selectAll()
      .where("account_id", "=", account.id)
      .executeTakeFirstOrThrow();
    expect(plan).toMatchObject({
      status: "active",
      auto_approved: true,
      instalment_count: 3,
      first_due_date: hkDate(7),
    });
    const instalments = await db
      .selectFrom("instalments")
      .select(["amount_minor", "status"])
      .where("plan_id", "=", plan.id)
      .orderBy("seq")
      .execute();
    expect(instalments.map((i) => i.amount_minor)).toEqual([166_668, 166_666, 166_666]);
    // Confirmations only: engine.spec runs the planner over the whole e2e database meanwhile, and may
    // queue this (delinquent) account a reminder of its own.
    const sms = await db
      .selectFrom("messages")
      .select("template_key")
      .where("account_id", "=", account.id)
      .where("template_key", "like", "confirmation.%")
      .execute();
    expect(sms.map((m) => m.template_key)).toEqual(["confirmation.plan_approved"]);

    // With a plan open, the calculator shows the plan instead.
    await page.goto("/account/plan");
    await expect(page).toHaveURL(/\/account\/plan\/status$/);
  });

  test("zh-HK: a plan outside policy says why, and waits for review", async ({
    page,
    db,
    freshBorrower,
    expectAccessible,
  }) => {
    const { account, borrower } = freshBorrower;
    await db.updateTable("borrowers").set({ locale: "zh-HK" }).where("id", "=", borrower.id).execute();
    await verify(page, freshBorrower.link.code, { day: "日", month: "月", year: "年", submit: "繼續" });
    await page.goto("/account/plan");
    await expect(page.locator("html")).toHaveAttribute("lang", "zh-HK");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("申請分期還款計劃");

    await page.getByLabel("期數").selectOption("12");
    await page.getByLabel("每月一次").check();
    await page.getByLabel("首期還款日期").fill(hkDate(5));
    await page.getByRole("button", { name: "顯示每期還款" }).click();
    await expect(page.locator("table.instalment-table tbody tr")).toHaveCount(12);
    await expect(page.locator("table.instalment-table tfoot")).toContainText("HK$5,000.00");
    await expect(page.getByText("此計劃須先由我們的團隊審批才可生效")).toBeVisible();
    await expect(page.getByText("還款期超過 6 個月")).toBeVisible();
    await expectAccessible(page);

    await page.getByRole("button", { name: "提交計劃" }).click();
    await expect(page).toHaveURL(/\/account\/plan\/status$/);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("您的計劃正在審批中");
    await expectAccessible(page);

    const plan = await db
      .selectFrom("instalment_plans")
      .selectAll()
      .where("account_id", "=", account.id)
      .executeTakeFirstOrThrow();
    expect(plan).toMatchObject({ status: "proposed", auto_approved: false, instalment_count: 12 });
    expect(
      await db.selectFrom("instalments").select("id").where("plan_id", "=", plan.id).execute(),
    ).toHaveLength(0);
    const task = await db
      .selectFrom("tasks")
      .selectAll()
      .where("source_id", "=", plan.id)
      .executeTakeFirstOrThrow();
    expect(task).toMatchObject({ kind: "plan_review", status: "open" });
  });

  test("zh-CN: bad input gets translated field errors and writes nothing", async ({
    page,
    db,
    freshBorrower,
    expectAccessible,
  }) => {
    const { account, borrower } = freshBorrower;
    await db.updateTable("borrowers").set({ locale: "zh-CN" }).where("id", "=", borrower.id).execute();
    await verify(page, freshBorrower.link.code, { day: "日", month: "月", year: "年", submit: "继续" });
    await page.goto("/account/plan");
    await page.getByLabel("首期还款日期").fill(hkDate(-1));
    const response = page.waitForResponse((r) => r.request().method() === "POST");
    await page.getByRole("button", { name: "显示每期还款" }).click();
    expect((await response).status()).toBe(400);
    await expect(page.getByText("首期还款日期不能早于今天")).toBeVisible();
    await expect(page.getByLabel("首期还款日期")).toHaveAttribute("aria-invalid", "true");
    await expectAccessible(page);

    await page.getByLabel("首期还款日期").fill(hkDate(61));
    await page.getByRole("button", { name: "显示每期还款" }).click();
    await expect(page.getByText("首期还款日期须在今天起 60 天内")).toBeVisible();

    // A hand-made POST (no browser form can send these): 10 KB of text and script tags.
    const forged = await page.request.post("/account/plan", {
      form: {
        intent: "submit",
        count: "9".repeat(10_240),
        frequency: "<script>alert(1)</script>",
        firstDueDate: "<script>alert(1)</script>",
      },
      maxRedirects: 0,
    });
    expect(forged.status()).toBe(400);
    const html = await forged.text();
    expect(html).toContain("请选择 2 至 12 期");
    expect(html).toContain("请选择还款频率");
    expect(html).toContain("请输入有效的首期还款日期");
    expect(html).not.toContain("<script>alert(1)</script>");

    expect(
      await db.selectFrom("instalment_plans").select("id").where("account_id", "=", account.id).execute(),
    ).toHaveLength(0);
    // No confirmation text (engine.spec's planner run may queue this delinquent account a reminder meanwhile).
    expect(
      await db
        .selectFrom("messages")
        .select("id")
        .where("account_id", "=", account.id)
        .where("template_key", "like", "confirmation.%")
        .execute(),
    ).toHaveLength(0);
  });

  test("en: a counter-offer is shown beside the request and can be accepted", async ({
    page,
    db,
    freshBorrower,
    expectAccessible,
  }) => {
    const { account } = freshBorrower;
    // What decidePlan(counter) leaves behind: the request closed as countered, a staff-written offer proposed.
    const staff = await db
      .insertInto("staff_users")
      .values({
        email: `approver-${account.id}@bank.example`,
        display_name: "Approver",
        role: "approver",
        password_hash: "x",
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const base = {
      account_id: account.id,
      borrower_id: account.borrower_id,
      total_minor: 500_000,
      currency: "HKD",
      frequency: "monthly" as const,
    };
    const original = await db
      .insertInto("instalment_plans")
      .values({
        ...base,
        status: "countered",
        instalment_count: 12,
        first_due_date: hkDate(20),
        proposed_by: "borrower",
        decided_by_staff_id: staff.id,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const offer = await db
      .insertInto("instalment_plans")
      .values({
        ...base,
        status: "proposed",
        instalment_count: 5,
        first_due_date: hkDate(10),
        proposed_by: "staff",
        proposed_by_staff_id: staff.id,
        counter_of_plan_id: original.id,
      })
      .returning("id")
      .executeTakeFirstOrThrow();

    await verify(page, freshBorrower.link.code, EN);
    await page.goto("/account/plan");
    await expect(page).toHaveURL(/\/account\/plan\/status$/);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("We have suggested a different plan");
    await expect(page.getByText("12 payments, monthly")).toBeVisible();
    await expect(page.getByText("5 payments, monthly")).toBeVisible();
    await expect(page.locator("table.instalment-table tbody tr")).toHaveCount(5);
    await expectAccessible(page);

    await page.getByRole("button", { name: "Accept this plan" }).click();
    // (The active plan's page is audited in the first journey.)
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Your instalment plan is active");
    const accepted = await db
      .selectFrom("instalment_plans")
      .select("status")
      .where("id", "=", offer.id)
      .executeTakeFirstOrThrow();
    expect(accepted.status).toBe("active");
    const instalments = await db
      .selectFrom("instalments")
      .select("amount_minor")
      .where("plan_id", "=", offer.id)
      .execute();
    expect(instalments.reduce((s, i) => s + i.amount_minor, 0)).toBe(500_000);
  });
});
