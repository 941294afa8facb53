import { randomUUID } from "node:crypto";
import { sql, type Kysely } from "kysely";
import type { Database } from "../../db/schema";
import { insertAccount, insertBorrower } from "../support/builders";
import { expect, test } from "./fixtures";

/**
 * Email end to end on the production build (a local demo: no SMTP, so the mailbox): the schedule's email
 * decision is enqueued as `email:send`, the server's worker sends it into the mailbox, an admin reads it
 * there, the borrower's unsubscribe link works with JavaScript off, and the next email is refused.
 */
async function enqueueEmail(db: Kysely<Database>, accountId: string) {
  const decision = await db
    .insertInto("contact_decisions")
    .values({
      run_id: randomUUID(),
      account_id: accountId,
      action: "send",
      reason: "stage_due",
      channel: "email",
      template_key: "reminder.early.A",
      stage: "early",
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  const payload = { accountId, decisionId: String(decision.id) };
  await sql`select graphile_worker.add_job('email:send', ${JSON.stringify(payload)}::json)`.execute(db);
  return payload.decisionId;
}

const emailOutcome = (db: Kysely<Database>, decisionId: string) => async () => {
  const row = await db
    .selectFrom("emails")
    .select(["status", "reason"])
    .where("decision_id", "=", Number(decisionId))
    .executeTakeFirst();
  return row ? `${row.status}:${row.reason ?? ""}` : "none";
};

test("an email reaches the mailbox, its unsubscribe link works without JavaScript, and the next email is refused", async ({
  page,
  browser,
  db,
  signInAs,
}) => {
  const address = `e2e-${randomUUID().slice(0, 8)}@example.test`;
  const borrower = await insertBorrower(db, { locale: "en", email: address, full_name: "Mailbox Tester" });
  const account = await insertAccount(db, { borrower_id: borrower.id, last4: "8642", overdue_minor: 55_500 });

  const first = await enqueueEmail(db, account.id);
  await expect.poll(emailOutcome(db, first)).toBe("sent:");

  // A production build: /dev/mailbox is not there; an admin reads the mailbox in the console (a demo).
  expect((await page.request.get("/dev/mailbox")).status()).toBe(404);
  expect((await page.request.get("/staff/mailbox")).status()).toBe(404);
  await signInAs(page.context(), "admin");
  await page.goto("/staff/mailbox");
  const email = page.locator("article", { hasText: address });
  await expect(email).toHaveCount(1);
  await expect(email.getByRole("heading")).toContainText("ending 8642");
  await expect(email).toContainText("HK$555.00");
  await expect(email).toContainText("List-Unsubscribe-Post: List-Unsubscribe=One-Click");
  const unsubscribe = await email.getByRole("link", { name: /\/email\/unsubscribe\// }).getAttribute("href");
  expect(unsubscribe).toMatch(/\/email\/unsubscribe\/[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{22}\?lng=en$/);
  expect(unsubscribe).not.toContain(address);

  // The borrower, in a browser without JavaScript.
  const context = await browser.newContext({ javaScriptEnabled: false });
  const phone = await context.newPage();
  await phone.goto(unsubscribe!);
  await expect(phone.getByRole("heading", { level: 1 })).toHaveText("Unsubscribe from reminder emails");
  await phone.getByRole("button", { name: "Unsubscribe" }).click();
  await expect(phone.getByRole("heading", { level: 1 })).toHaveText("You will not receive reminder emails");
  await context.close();
  const prefs = await db
    .selectFrom("contact_preferences")
    .select(["email_allowed", "email_opted_out_at"])
    .where("borrower_id", "=", borrower.id)
    .executeTakeFirstOrThrow();
  expect(prefs.email_allowed).toBe(false);
  expect(prefs.email_opted_out_at).not.toBeNull();

  // The schedule's next email decision: refused by the send-time re-check, nothing in the mailbox.
  const second = await enqueueEmail(db, account.id);
  await expect.poll(emailOutcome(db, second)).toBe("skipped:email_not_allowed");
  await page.reload();
  await expect(page.locator("article", { hasText: address })).toHaveCount(1);
});
