import type { Page } from "@playwright/test";
import Stripe from "stripe";
import { DEV_WEBHOOK_SECRET } from "../../app/payments/stripe-config.server";
import { insertAccount, insertPayment } from "../support/builders";
import { expect, test } from "./fixtures";

/**
 * Paying through the local Stripe test double (the e2e server has no Stripe
 * key), with JavaScript off: the pay form posts, the CSP lets its redirect
 * reach the checkout page, the double's signed webhooks record the payment,
 * and the return page and overview show it.
 */
test.use({ javaScriptEnabled: false });

async function verify(
  page: Page,
  code: string,
  labels = { day: "Day", month: "Month", year: "Year", submit: "Continue" },
) {
  await page.goto(`/r/${code}`);
  await page.getByLabel(labels.day).fill("29");
  await page.getByLabel(labels.month).fill("2");
  await page.getByLabel(labels.year).fill("1980");
  await page.getByRole("button", { name: labels.submit }).click();
  await expect(page).toHaveURL(/\/account$/);
}

const zhHK = { day: "日", month: "月", year: "年", submit: "繼續" };

test("zh-HK: pay the overdue amount through the test checkout; the return page waits for the webhook; the overview shows it pending", async ({
  page,
  db,
  freshBorrower,
  expectAccessible,
}) => {
  const { link, borrower, account } = freshBorrower;
  await db.updateTable("borrowers").set({ locale: "zh-HK" }).where("id", "=", borrower.id).execute();
  await db
    .updateTable("accounts")
    .set({ overdue_minor: 123_400, balance_minor: 500_000 })
    .where("id", "=", account.id)
    .execute();
  await verify(page, link.code, zhHK);

  await page.getByRole("link", { name: "立即還款" }).click();
  await expect(page).toHaveURL(/\/account\/pay$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("還款");
  await expect(
    page.getByText(
      "下一頁可以用信用卡或扣賬卡（手機支援時亦可用 Apple Pay 及 Google Pay）、支付寶或微信支付付款。",
    ),
  ).toBeVisible();
  await expect(page.getByRole("heading", { name: "或用您自己銀行的轉數快付款" })).toBeVisible();
  await expectAccessible(page);

  await page.getByRole("radio", { name: "逾期金額：HK$1,234.00" }).check();
  await page.getByRole("button", { name: "繼續付款" }).click();

  // The 303 to another origin was not blocked by form-action: we are on the test checkout page.
  await expect(page).toHaveURL(/^http:\/\/127\.0\.0\.1:\d+\/checkout\/cs_test_\w+$/);
  await expect(page.getByTestId("amount")).toHaveText("HK$1,234.00");
  await expect(page.getByTestId("currency")).toHaveText("HKD");
  const pending = await db
    .selectFrom("payments")
    .selectAll()
    .where("account_id", "=", account.id)
    .executeTakeFirstOrThrow();
  expect(pending).toMatchObject({ status: "pending", amount_minor: 123_400, source: "portal" });

  await page.getByRole("button", { name: "Pay" }).click();
  await expect(page).toHaveURL(new RegExp(`/account/pay/return\\?payment=${pending.id}$`));
  // Processing until the webhook lands; the page refreshes itself without JavaScript.
  await untilTheReturnPageSays(page, {
    received: "多謝您，我們已收到您的付款",
    processing: "我們正在處理您的付款",
  });
  await expect(page.locator("dl")).toContainText("HK$1,234.00");
  await expect(page.locator('meta[http-equiv="refresh"]')).toHaveCount(0);
  await expectAccessible(page);

  const paid = await db
    .selectFrom("payments")
    .selectAll()
    .where("id", "=", pending.id)
    .executeTakeFirstOrThrow();
  expect(paid).toMatchObject({ status: "succeeded", bank_confirmed_at: null });
  expect(paid.stripe_payment_intent_id).toMatch(/^pi_test_/);
  await expect
    .poll(
      async () =>
        (
          await db
            .selectFrom("bank_events")
            .select("id")
            .where("account_id", "=", account.id)
            .where("type", "=", "payment.succeeded")
            .execute()
        ).length,
    )
    .toBe(1);
  const receipts = await db
    .selectFrom("messages")
    .select("body")
    .where("account_id", "=", account.id)
    .where("template_key", "=", "confirmation.payment_receipt")
    .execute();
  expect(receipts).toHaveLength(1);
  expect(receipts[0]!.body).toContain("HK$1,234.00");

  await page.getByRole("link", { name: "返回帳戶" }).click();
  await expect(page).toHaveURL(/\/account$/);
  const overview = page.locator("dl");
  await expect(overview.locator(".summary-row", { hasText: "處理中的還款" })).toContainText("HK$1,234.00");
  await expect(overview.locator(".summary-row", { hasText: "逾期金額" })).toContainText("HK$0.00");
  await expect(overview.locator(".summary-row", { hasText: "總結欠" })).toContainText("HK$3,766.00");
  await expect(page.getByText("您在此作出的還款，在銀行確認前會顯示為處理中。")).toBeVisible();
});

test("en: negative, oversized and script input get translated field errors, 400, and nothing is written", async ({
  page,
  db,
  freshBorrower,
  expectAccessible,
}) => {
  await verify(page, freshBorrower.link.code);
  await page.goto("/account/pay");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Make a payment");
  await expectAccessible(page);

  const amount = page.getByLabel("Amount (HKD)");
  const cases = [
    ["-50", "Enter an amount above zero, without a minus sign"],
    ["999999", "Enter an amount no more than your full balance of HK$5,000.00"],
    ['<script>alert("x")</script>', "Enter the amount in numbers, for example 150.00"],
    ["12.345", "Enter the amount with no more than 2 digits after the decimal point"],
  ] as const;
  for (const [typed, message] of cases) {
    await page.getByRole("radio", { name: "Another amount" }).check();
    await amount.fill(typed);
    const response = page.waitForResponse((r) => r.request().method() === "POST");
    await page.getByRole("button", { name: "Continue to payment" }).click();
    expect((await response).status()).toBe(400);
    await expect(page.getByText(message)).toBeVisible();
    await expect(amount).toHaveAttribute("aria-invalid", "true");
    await expect(amount).toHaveValue(typed);
    await expect(page.getByRole("radio", { name: "Another amount" })).toBeChecked();
  }
  await expectAccessible(page);
  // A script tag is shown back as text, never run or parsed as markup.
  expect(await page.locator("script").count()).toBe(0);

  await page.goto("/account/pay");
  await page.getByRole("button", { name: "Continue to payment" }).click();
  await expect(page.getByText("Choose how much you would like to pay")).toBeVisible();

  const rows = await db
    .selectFrom("payments")
    .select("id")
    .where("account_id", "=", freshBorrower.account.id)
    .execute();
  expect(rows).toHaveLength(0);
});

test("en: the return page shows 'processing' and refreshes itself until the webhook lands; another borrower's payment shows nothing", async ({
  page,
  db,
  freshBorrower,
  baseURL,
  expectAccessible,
}) => {
  const { account } = freshBorrower;
  await verify(page, freshBorrower.link.code);
  const payment = await insertPayment(db, account, {
    amount_minor: 20_000,
    status: "pending",
    idempotency_key: `checkout:e2e-${account.id}`,
    stripe_checkout_session_id: `cs_test_e2e${account.id.replace(/-/g, "")}`,
  });

  await page.goto(`/account/pay/return?payment=${payment.id}`);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("We are processing your payment");
  await expect(page.locator('meta[http-equiv="refresh"]')).toHaveAttribute(
    "content",
    `3;url=/account/pay/return?payment=${payment.id}&n=1`,
  );
  await expect(page.getByRole("status")).toContainText("checks again by itself");
  // Without axe's meta-refresh rule, on purpose (SC 2.2.1): with JavaScript off, a self-refresh is the
  // only way the page can learn that the webhook landed; it is bounded (2 minutes, then it stops and
  // offers "Check again").
  await expectAccessible(page, { withoutSelfRefresh: true });

  // Stripe's webhook arrives (signed with the dev secret the server uses without a key).
  const event = {
    id: `evt_test_e2e${Date.now()}`,
    object: "event",
    type: "checkout.session.completed",
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    data: {
      object: {
        id: payment.stripe_checkout_session_id,
        object: "checkout.session",
        amount_total: 20_000,
        currency: "hkd",
        metadata: { paymentId: payment.id, accountId: account.id },
        client_reference_id: payment.id,
        payment_intent: `pi_test_e2e${Date.now()}`,
        payment_status: "paid",
        status: "complete",
      },
    },
  };
  const body = JSON.stringify(event);
  const bad = await fetch(`${baseURL}/webhooks/stripe`, {
    method: "POST",
    headers: { "Stripe-Signature": "t=1,v1=00", "Content-Type": "application/json" },
    body,
  });
  expect(bad.status).toBe(400);
  const good = await fetch(`${baseURL}/webhooks/stripe`, {
    method: "POST",
    headers: {
      "Stripe-Signature": Stripe.webhooks.generateTestHeaderString({
        payload: body,
        secret: DEV_WEBHOOK_SECRET,
      }),
      "Content-Type": "application/json",
    },
    body,
  });
  expect(good.status).toBe(200);

  await untilTheReturnPageSays(page, {
    received: "Thank you, we have received your payment",
    processing: "We are processing your payment",
  });
  // (The "received" page is audited in the zh-HK journey above.)

  const someoneElse = await insertPayment(db, await insertAccount(db), {
    amount_minor: 77_700,
    status: "succeeded",
    succeeded_at: new Date(),
  });
  const response = await page.goto(`/account/pay/return?payment=${someoneElse.id}`);
  expect(response?.status()).toBe(404);
  await expect(page.locator("body")).not.toContainText("HK$");
  const forged = await page.goto("/account/pay/return?payment=00000000-0000-4000-8000-000000000000");
  expect(forged?.status()).toBe(404);
});

test("zh-CN: Decline card on the test checkout returns to the pay page, marks the attempt failed, and nothing is credited", async ({
  page,
  db,
  freshBorrower,
  expectAccessible,
}) => {
  const { link, borrower, account } = freshBorrower;
  await db.updateTable("borrowers").set({ locale: "zh-CN" }).where("id", "=", borrower.id).execute();
  await db
    .updateTable("accounts")
    .set({ currency: "CNY", balance_minor: 88_800, overdue_minor: 0 })
    .where("id", "=", account.id)
    .execute();
  await verify(page, link.code, { day: "日", month: "月", year: "年", submit: "继续" });

  await page.goto("/account/pay");
  await expect(page.getByRole("radio", { name: /逾期金额/ })).toHaveCount(0); // nothing overdue: not offered
  await page.getByRole("radio", { name: "全部欠款：¥888.00" }).check();
  await page.getByRole("button", { name: "继续付款" }).click();
  await expect(page.getByTestId("currency")).toHaveText("CNY");
  await page.getByRole("button", { name: "Decline card" }).click();

  await expect(page).toHaveURL(/\/account\/pay\?cancelled=1$/);
  await expect(page.getByRole("status")).toHaveText("您的付款未完成，我们没有收取任何款项。您可以再试一次。");
  await expectAccessible(page);
  await expect
    .poll(
      async () =>
        (
          await db
            .selectFrom("payments")
            .select("status")
            .where("account_id", "=", account.id)
            .executeTakeFirstOrThrow()
        ).status,
    )
    .toBe("failed");
  expect(
    await db.selectFrom("bank_events").select("id").where("account_id", "=", account.id).execute(),
  ).toHaveLength(0);
});

/**
 * The return page reloads itself every few seconds (a meta refresh: no JavaScript) while the payment
 * is processing. This waits on those reloads, not on a clock: while the page still says "processing",
 * it waits for the page's next self-refresh (the `n` in its address goes up), until it says "received".
 * Race-free: the address is read before the heading, so a refresh landing in between is never missed.
 */
async function untilTheReturnPageSays(page: Page, titles: { received: string; processing: string }) {
  const heading = page.getByRole("heading", { level: 1 });
  for (;;) {
    const refreshes = Number(new URL(page.url()).searchParams.get("n") ?? 0);
    const title = (await heading.textContent())?.trim();
    if (title === titles.received) return;
    expect(title, "until the webhook lands, the page says it is processing").toBe(titles.processing);
    await page.waitForURL((url) => Number(url.searchParams.get("n") ?? 0) > refreshes);
  }
}
