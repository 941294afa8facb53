import { insertAccount, insertBorrower } from "../support/builders";
import { expect, scheduleDecision, test } from "./fixtures";

/** A fixed-offset zone where it is about noon right now, so quiet hours never interfere with the test. */
function zoneAtNoon(now = new Date()): string {
  const offset = 12 - now.getUTCHours();
  const clamped = Math.max(-12, Math.min(14, offset));
  // IANA's Etc zones have inverted signs: Etc/GMT-8 is UTC+8.
  return clamped === 0 ? "Etc/GMT" : `Etc/GMT${clamped > 0 ? "-" : "+"}${Math.abs(clamped)}`;
}

test("a planned reminder is sent by the worker, appears in the admin's outbox, and its link opens the masked landing", async ({
  page,
  db,
  signInAs,
}) => {
  const borrower = await insertBorrower(db, {
    locale: "en",
    time_zone: zoneAtNoon(),
    jurisdiction: "HK",
    full_name: "Outbox Tester",
  });
  const account = await insertAccount(db, {
    borrower_id: borrower.id,
    status: "delinquent",
    dpd: 4,
    overdue_minor: 77_700,
    last4: "4321",
    due_date: new Date(Date.now() - 4 * 86_400_000).toISOString().slice(0, 10),
  });
  // The operator's command, against the e2e server's database.
  const line = scheduleDecision(account.external_ref);
  expect(line).toMatchObject({ action: "send", template: "early" });

  // The server's in-process worker picks the job up and "sends" through the outbox provider.
  await expect
    .poll(
      async () =>
        (
          await db
            .selectFrom("messages")
            .select("status")
            .where("account_id", "=", account.id)
            .executeTakeFirst()
        )?.status,
    )
    .toBe("delivered");

  // A production build: /dev/outbox is not there; an admin reads the outbox in the console (SETTLE_ALLOW_DEV_SECRETS=1).
  expect((await page.request.get("/dev/outbox")).status()).toBe(404);
  expect((await page.request.get("/staff/outbox")).status()).toBe(404);
  await signInAs(page.context(), "admin");
  await page.goto("/staff/outbox");
  const bubble = page.locator(".bubble", { hasText: "ending 4321" });
  await expect(bubble).toContainText("HK$777.00");
  await expect(bubble).toContainText("Reply STOP to opt out");
  await bubble.getByRole("link").click();
  await expect(page).toHaveURL(/\/r\/[0-9A-Za-z]{16}$/);
  await expect(page.getByText("ending 4321")).toBeVisible();
  await expect(page.locator("body")).not.toContainText("HK$777.00");
  // (The masked landing is audited in portal-verify.spec.ts.)
});
