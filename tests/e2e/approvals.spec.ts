import { randomBytes } from "node:crypto";
import type { BrowserContext, Page } from "@playwright/test";
import type { Kysely } from "kysely";
import type { Database, StaffRole } from "../../db/schema";
import { expect, test } from "./fixtures";

type SignInAs = (context: BrowserContext, role: StaffRole) => Promise<unknown>;

/** Opens the console signed in as this worker's staff user of `role` (see `signInAs` in fixtures.ts). */
async function openConsole(page: Page, signInAs: SignInAs, role: StaffRole) {
  await signInAs(page.context(), role);
  await page.goto("/staff/queues");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Queues");
}

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

/**
 * A borrower's proposal waiting for an approver, as /account/plan stores one that is outside
 * the automatic policy: 12 monthly instalments of what they owe, and the approver's task.
 */
async function pendingPlan(
  db: Kysely<Database>,
  account: { id: string; borrower_id: string; balance_minor: number; currency: string },
) {
  const plan = await db
    .insertInto("instalment_plans")
    .values({
      account_id: account.id,
      borrower_id: account.borrower_id,
      status: "proposed",
      total_minor: account.balance_minor,
      currency: account.currency,
      instalment_count: 12,
      frequency: "monthly",
      first_due_date: hkDate(5),
      proposed_by: "borrower",
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await db
    .insertInto("tasks")
    .values({
      kind: "plan_review",
      borrower_id: account.borrower_id,
      account_id: account.id,
      source_type: "instalment_plan",
      source_id: plan.id,
      dedupe_key: `plan_review:${plan.id}`,
    })
    .execute();
  return plan.id;
}

const desktop = { viewport: { width: 1280, height: 900 }, isMobile: false, hasTouch: false };

test.describe("plan approvals", () => {
  test.use(desktop);

  test("an approver approves a pending plan with plain form posts (JavaScript off); the borrower's status page shows it active", async ({
    browser,
    db,
    signInAs,
    freshBorrower,
    expectAccessible,
  }) => {
    const { borrower, account, link } = freshBorrower;
    const name = `E2E Approval ${randomBytes(3).toString("hex")}`;
    await db.updateTable("borrowers").set({ full_name: name }).where("id", "=", borrower.id).execute();
    // 12 monthly instalments: longer than the 6-month automatic policy, so it waits for an approver.
    await pendingPlan(db, account);

    const staffContext = await browser.newContext({ ...desktop, javaScriptEnabled: false });
    const page = await staffContext.newPage();
    await openConsole(page, signInAs, "approver");
    await page
      .getByRole("navigation", { name: "Staff console" })
      .getByRole("link", { name: "Approvals" })
      .click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Plan approvals");
    const row = page.getByRole("row", { name: new RegExp(name) });
    await expect(row).toContainText("Longer than 6 months");
    await expect(row).toContainText("HK$5,000.00");
    await expectAccessible(page);

    await row.getByRole("link", { name }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(`Instalment plan: ${name}`);
    await expect(page.getByText("Longer than 6 months")).toBeVisible();
    await expect(page.locator("table").first().locator("tbody tr")).toHaveCount(12);
    await expectAccessible(page);

    // A reject without a reason is refused beside the field, and nothing is decided.
    await page.getByRole("button", { name: "Reject plan" }).click();
    await expect(page.getByText("Give the reason for rejecting the plan.")).toBeVisible();
    expect(
      (
        await db
          .selectFrom("instalment_plans")
          .select("status")
          .where("account_id", "=", account.id)
          .executeTakeFirstOrThrow()
      ).status,
    ).toBe("proposed");

    await page.getByRole("button", { name: "Approve plan" }).click();
    await expect(page).toHaveURL(/\/staff\/approvals\?done=approved$/);
    await expect(page.getByRole("status")).toHaveText(
      "Plan approved. The borrower has been sent a text and the bank notified.",
    );
    await expect(page.getByRole("row", { name: new RegExp(name) })).toHaveCount(0);
    const plan = await db
      .selectFrom("instalment_plans")
      .selectAll()
      .where("account_id", "=", account.id)
      .executeTakeFirstOrThrow();
    expect(plan.status).toBe("active");
    const viewed = await db
      .selectFrom("audit_events")
      .select("detail")
      .where("action", "=", "staff.viewed_borrower")
      .where("borrower_id", "=", borrower.id)
      .execute();
    expect(viewed.length).toBeGreaterThanOrEqual(2); // the plan page, and again after the refused reject
    await staffContext.close();

    // The borrower, on their phone with JavaScript off, sees the plan active.
    const phone = await browser.newContext({ javaScriptEnabled: false });
    const portal = await phone.newPage();
    await portal.goto(`/r/${link.code}`);
    await portal.getByLabel("Day").fill("29");
    await portal.getByLabel("Month").fill("2");
    await portal.getByLabel("Year").fill("1980");
    await portal.getByRole("button", { name: "Continue" }).click();
    await expect(portal).toHaveURL(/\/account$/);
    await portal.goto("/account/plan/status");
    await expect(portal.getByRole("heading", { level: 1 })).toHaveText("Your instalment plan is active");
    await expect(portal.locator("table.instalment-table tbody tr")).toHaveCount(12);
    await phone.close();
  });

  test("an agent is refused the approval pages, and has no link to them", async ({
    page,
    db,
    signInAs,
    freshBorrower,
  }) => {
    const { borrower, account } = freshBorrower;
    const planId = await pendingPlan(db, account);
    await openConsole(page, signInAs, "agent");
    await expect(
      page.getByRole("navigation", { name: "Staff console" }).getByRole("link", { name: "Approvals" }),
    ).toHaveCount(0);

    const denied = await page.goto(`/staff/approvals/${planId}`);
    expect(denied?.status()).toBe(403);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("You do not have access to this page");
    expect((await page.goto("/staff/approvals"))?.status()).toBe(403);
    const viewed = await db
      .selectFrom("audit_events")
      .select("id")
      .where("action", "=", "staff.viewed_borrower")
      .where("borrower_id", "=", borrower.id)
      .execute();
    expect(viewed).toHaveLength(0);
  });
});

test.describe("template editor (JavaScript on)", () => {
  test.use(desktop);

  test("counts SMS parts live as a supervisor types, and refuses to save a text that is too long", async ({
    page,
    db,
    signInAs,
    expectAccessible,
  }) => {
    await openConsole(page, signInAs, "supervisor");
    await page
      .getByRole("navigation", { name: "Staff console" })
      .getByRole("link", { name: "SMS templates" })
      .click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("SMS templates");
    await page.goto("/staff/templates/edit?stage=early&variant=A&locale=zh-HK");
    await page.waitForFunction(() => "__remixRouter" in window);
    const size = page.locator("#template-size");
    await expect(size).toContainText("2 of at most 2 parts, UCS-2");
    await expectAccessible(page);

    const body = page.getByLabel("Text", { exact: true });
    await body.press("End");
    // Chinese is typed through an input method, which commits a phrase at a time: one input event per
    // phrase (not 36 key presses, seconds on a busy machine).
    for (let i = 0; i < 4; i++) await page.keyboard.insertText("請盡快還款，謝謝。");
    // No request: the count and the preview follow the typing.
    await expect(size).toContainText("3 of at most 2 parts");
    await expect(
      page.getByText("With the longest values this text takes 3 parts; at most 2 are allowed."),
    ).toBeVisible();
    await expect(page.locator(".sms-preview")).toContainText("請盡快還款，謝謝。");

    await page.getByRole("button", { name: "Save new version" }).click();
    await expect(page.getByRole("alert").filter({ hasText: "Not saved" })).toBeVisible();
    expect(
      await db
        .selectFrom("sms_templates")
        .select("id")
        .where("stage", "=", "early")
        .where("locale", "=", "zh-HK")
        .execute(),
    ).toHaveLength(0);
  });
});

test.describe("console pages for admins (JavaScript on)", () => {
  test.use(desktop);

  /** The console as this worker's admin, at the page behind `link` in its navigation. */
  async function openFromNav(page: Page, signInAs: SignInAs, link: string) {
    await openConsole(page, signInAs, "admin");
    await page.getByRole("navigation", { name: "Staff console" }).getByRole("link", { name: link }).click();
  }

  test("the dashboard's reminder funnel shows its numbers as a table on request; the page passes axe", async ({
    page,
    signInAs,
    expectAccessible,
  }) => {
    await openFromNav(page, signInAs, "Dashboard");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Dashboard");
    const funnel = page.getByRole("figure", { name: "Reminder funnel, last 30 days" });
    await expect(funnel.getByRole("img")).toBeVisible();
    await page.getByText("Show the numbers as a table").first().click();
    await expect(funnel.getByRole("table")).toBeVisible();
    await expectAccessible(page);
  });

  test("a bad contact policy value is shown beside its field and nothing is saved; the form passes axe before and after", async ({
    page,
    db,
    signInAs,
    expectAccessible,
  }) => {
    await openFromNav(page, signInAs, "Contact policy");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Contact policy");
    await expectAccessible(page);
    const early = page.getByRole("group", { name: "Early" });
    await early.getByLabel("Every (days)").fill("0");
    await page.getByRole("button", { name: "Save new version" }).click();
    await expect(
      page.getByRole("alert").filter({ hasText: "The policy was not saved: 1 problem is marked below." }),
    ).toBeVisible();
    await expect(early.getByText("stages.2.everyDays")).toBeVisible();
    await expect(early.getByLabel("Every (days)")).toHaveAttribute("aria-invalid", "true");
    await expectAccessible(page);
    expect(await db.selectFrom("contact_policies").select("id").execute()).toHaveLength(0);
  });

  // The editor itself is audited in the supervisor's test above.
  test("the SMS templates list passes axe and links each template to its editor", async ({
    page,
    signInAs,
    expectAccessible,
  }) => {
    await openFromNav(page, signInAs, "SMS templates");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("SMS templates");
    await expectAccessible(page);
    await page.getByRole("link", { name: "Edit Reminder mid, variant A in Simplified Chinese" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(
      "Reminder mid, variant A (Simplified Chinese)",
    );
  });

  test("the bank webhooks page passes axe", async ({ page, signInAs, expectAccessible }) => {
    await openFromNav(page, signInAs, "Bank webhooks");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Bank webhooks");
    await expectAccessible(page);
  });

  test("a new API key is shown once, the page passes axe, and the key can be revoked", async ({
    page,
    db,
    signInAs,
    expectAccessible,
  }) => {
    await openFromNav(page, signInAs, "API keys");
    await page.getByLabel("Name", { exact: true }).fill("E2E core sync");
    await page.getByRole("button", { name: "Create key" }).click();
    const key = await page.locator("[data-api-key]").textContent();
    expect(key).toMatch(/^sk_settle_[0-9A-Za-z]{8}_[0-9A-Za-z]{32}$/);
    await expectAccessible(page);
    const prefix = key!.split("_")[2]!;
    await page.getByRole("button", { name: `Revoke E2E core sync (${prefix})` }).click();
    await expect(page.getByRole("status")).toHaveText(
      `Key ${prefix} is revoked. Requests with it are refused from now on.`,
    );
    await expect(page.locator("[data-api-key]")).toHaveCount(0);
    const row = await db
      .selectFrom("api_keys")
      .select("revoked_at")
      .where("prefix", "=", prefix)
      .executeTakeFirstOrThrow();
    expect(row.revoked_at).not.toBeNull();
  });
});
