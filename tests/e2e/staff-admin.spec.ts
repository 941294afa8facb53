import { expect, test } from "./fixtures";
import { totpCode } from "./staff-users";

/**
 * Staff administration in the browser (issue #20 item 4), every form a plain POST: an admin invites a
 * member, the member follows the one-time link and sets up a password and an authenticator, then the admin
 * disables them and the member's open session is refused on its next page.
 */
const desktop = { viewport: { width: 1280, height: 900 }, isMobile: false, hasTouch: false };
test.use({ ...desktop, javaScriptEnabled: false });

test("an admin invites a member who sets up with the one-time link; disabling them ends their session", async ({
  page,
  browser,
  db,
  signInAs,
  expectAccessible,
}) => {
  await signInAs(page.context(), "admin");
  await page.goto("/staff/users");
  await expectAccessible(page);
  const email = `e2e-invitee-${Date.now()}@settle.test`;
  const invite = page.locator("section", { has: page.getByRole("heading", { name: "Invite a member" }) });
  await invite.getByRole("button", { name: "Create the set-up link" }).click();
  await expect(invite.getByText("Enter your work email address.")).toBeVisible();
  await invite.getByLabel("Email").fill(email);
  await invite.getByLabel("Role").selectOption("agent");
  await invite.getByRole("button", { name: "Create the set-up link" }).click();
  const shown = await page.locator("[data-invite-link]").textContent();
  expect(shown).toMatch(/\/staff\/invite\?token=[A-Za-z0-9_-]{43}$/);
  await expect(page.getByRole("status")).toContainText(`An email with this link is on its way to ${email}`);
  await expectAccessible(page);

  // The server's worker emails the link (a local demo without SMTP: into the mailbox an admin reads).
  await expect
    .poll(async () => {
      await page.goto("/staff/mailbox");
      return page.locator("article", { hasText: email }).count();
    })
    .toBe(1);
  const mail = page.locator("article", { hasText: email });
  await expect(mail).toContainText("your invitation to the staff console");
  const link = await mail.getByRole("link", { name: /\/staff\/invite\?token=/ }).getAttribute("href");
  expect(link).toBe(shown);

  const member = await browser.newContext({ ...desktop, javaScriptEnabled: false });
  const memberPage = await member.newPage();
  await memberPage.goto(new URL(link!).pathname + new URL(link!).search);
  await expect(memberPage.getByRole("heading", { level: 1 })).toHaveText("Set up your Settle account");
  await expectAccessible(memberPage);
  await memberPage.getByRole("button", { name: "Continue" }).click();
  await expect(memberPage).toHaveURL(/\/staff\/setup$/);
  const secret = await memberPage.locator("[data-secret]").getAttribute("data-secret");
  await memberPage.getByLabel("New password", { exact: true }).fill("an invited e2e passphrase");
  await memberPage.getByLabel("New password again").fill("an invited e2e passphrase");
  await memberPage.getByLabel("Code shown by the app").fill(await totpCode(secret!));
  await memberPage.getByRole("button", { name: "Save and sign in" }).click();
  await expect(memberPage).toHaveURL(/\/staff\/queues$/);

  // The link worked once.
  const again = await member.request.get(new URL(link!).pathname + new URL(link!).search);
  expect(await again.text()).toContain("This set-up link is not valid");

  await page.goto("/staff/users");
  const row = page.locator("tr", { has: page.getByRole("cell", { name: email }) });
  await row.getByRole("button", { name: `Disable (${email})` }).click();
  await expect(page.getByRole("status")).toHaveText("The member is disabled and their sessions have ended.");
  await memberPage.goto("/staff/queues");
  await expect(memberPage).toHaveURL(/\/staff\/login/);
  const stored = await db
    .selectFrom("staff_users")
    .select("disabled_at")
    .where("email", "=", email)
    .executeTakeFirstOrThrow();
  expect(stored.disabled_at).not.toBeNull();
  await member.close();
});
