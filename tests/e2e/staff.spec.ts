import { expect, test } from "./fixtures";
import { createStaff, STAFF_PASSWORD, totpCode } from "./staff-users";

const XSS_NOTE = `<script>alert(1)</script><img src=x onerror=alert(2)>`;

test.describe("staff console (desktop, JavaScript on)", () => {
  test.use({ viewport: { width: 1280, height: 900 }, isMobile: false, hasTouch: false });

  test("an agent signs in with password and TOTP, finds a demo borrower, adds a note that stays text, and is refused the audit log", async ({
    page,
    db,
    expectAccessible,
  }) => {
    const dialogs: string[] = [];
    page.on("dialog", async (d) => {
      dialogs.push(d.message());
      await d.dismiss();
    });
    const problems: string[] = [];
    page.on("console", (msg) => {
      if (msg.type() === "error") problems.push(msg.text());
    });
    page.on("pageerror", (err) => problems.push(err.message));
    const { email, secret } = await createStaff(db, "agent");

    await page.goto("/staff/queues");
    await expect(page).toHaveURL(/\/staff\/login\?next=%2Fstaff%2Fqueues$/);
    await page.getByLabel("Work email").fill(email);
    await page.getByLabel("Password").fill(STAFF_PASSWORD);
    await page.getByRole("button", { name: "Continue" }).click();
    await expect(page).toHaveURL(/\/staff\/two-factor$/);
    await expectAccessible(page);
    await page.getByLabel("6-digit code").fill(await totpCode(secret));
    await page.getByRole("button", { name: "Sign in" }).click();

    await expect(page).toHaveURL(/\/staff\/queues$/);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Queues");
    // The console hydrates (the borrower portal does not).
    await page.waitForFunction(() => "__remixRouter" in window);
    await expect(page.getByRole("heading", { name: /Hardship reviews/ })).toBeVisible();
    await expect(page.getByText("E2E agent (Agent)")).toBeVisible();
    // Agents have no audit log in their navigation.
    await expect(
      page.getByRole("navigation", { name: "Staff console" }).getByRole("link", { name: "Audit log" }),
    ).toHaveCount(0);
    await expectAccessible(page);

    await page.getByRole("link", { name: "Find a borrower" }).click();
    await page.getByLabel("Phone number, name or account reference").fill("demo-cn-hardship");
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByRole("link", { name: "刘洋" }).click();

    await expect(page.getByRole("heading", { level: 1 })).toHaveText("刘洋");
    const timeline = page.locator("section", { has: page.getByRole("heading", { name: "Timeline" }) });
    await expect(timeline.getByText("Hardship report").first()).toBeVisible();
    await expect(timeline).toContainText("公司裁员");
    await expect(page.getByRole("heading", { name: "Contacts and the schedule" })).toBeVisible();
    await expect(page.locator("dl").first()).toContainText("DEMO-CN-HARDSHIP");
    await expectAccessible(page);

    await page.getByLabel("Note", { exact: true }).fill(XSS_NOTE);
    await page.getByRole("button", { name: "Add note" }).click();
    await expect(page.getByRole("status")).toHaveText("Note added.");
    await expect(timeline.getByText(XSS_NOTE, { exact: true })).toBeVisible();
    expect(await page.locator("img[src='x']").count()).toBe(0);
    expect(await page.locator("script", { hasText: "alert(1)" }).count()).toBe(0);
    await page.reload();
    await expect(timeline.getByText(XSS_NOTE, { exact: true })).toBeVisible();
    expect(dialogs).toEqual([]);
    expect(problems).toEqual([]);

    const staff = await db
      .selectFrom("staff_users")
      .select("id")
      .where("email", "=", email)
      .executeTakeFirstOrThrow();
    const viewed = await db
      .selectFrom("audit_events")
      .select("id")
      .where("action", "=", "staff.viewed_borrower")
      .where("actor_id", "=", staff.id)
      .execute();
    expect(viewed.length).toBeGreaterThanOrEqual(3); // first view, after the note, after the reload

    const denied = await page.goto("/staff/audit");
    expect(denied?.status()).toBe(403);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("You do not have access to this page");
    await expect(page.getByRole("link", { name: "Back to the queues" })).toBeVisible();
  });

  test("an admin sees the audit log, filtered by action", async ({ page, signInAs, expectAccessible }) => {
    const { email } = await signInAs(page.context(), "admin");
    await page.goto("/staff/queues");
    await page.getByRole("link", { name: "Audit log" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Audit log");
    await page.getByLabel("Action starts with").fill("staff.signed_in");
    await page.getByRole("button", { name: "Apply filters" }).click();
    // The admin is signed in once per worker and role, so earlier tests may have left sign-ins of theirs too.
    await expect(page.getByRole("cell", { name: email }).first()).toBeVisible();
    await expectAccessible(page);
  });
});

test.describe("staff first sign-in (JavaScript off)", () => {
  test.use({ javaScriptEnabled: false });

  test("a new user with a one-time password must choose a password and enrol TOTP; every form is a plain POST", async ({
    page,
    db,
    freshBorrower,
    expectAccessible,
  }) => {
    const oneTime = "OneTimePass-123";
    const { email } = await createStaff(db, "supervisor", { enrolled: false, password: oneTime });

    await page.goto("/staff/login");
    await page.getByLabel("Work email").fill(email);
    await page.getByLabel("Password").fill("wrong password");
    await page.getByRole("button", { name: "Continue" }).click();
    await expect(page.getByRole("alert")).toHaveText("The email or password is not correct.");

    await page.getByLabel("Work email").fill(email);
    await page.getByLabel("Password").fill(oneTime);
    await page.getByRole("button", { name: "Continue" }).click();
    await expect(page).toHaveURL(/\/staff\/setup$/);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Set up your account");
    const secret = await page.locator("[data-secret]").getAttribute("data-secret");
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await expect(page.locator(".totp-uri")).toContainText(`otpauth://totp/`);
    await expectAccessible(page);

    // The console stays closed until set-up is done.
    await page.goto("/staff/queues");
    await expect(page).toHaveURL(/\/staff\/login/);
    await page.goto("/staff/setup");

    await page.getByLabel("New password", { exact: true }).fill("my own e2e passphrase");
    await page.getByLabel("New password again").fill("my own e2e passphrase");
    await page.getByLabel("Code shown by the app").fill(await totpCode(secret!));
    await page.getByRole("button", { name: "Save and sign in" }).click();
    await expect(page).toHaveURL(/\/staff\/queues$/);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Queues");
    const enrolled = await db
      .selectFrom("staff_users")
      .select("totp_enabled_at")
      .where("email", "=", email)
      .executeTakeFirstOrThrow();
    expect(enrolled.totp_enabled_at).not.toBeNull();

    await page.goto(`/staff/borrowers/${freshBorrower.borrower.id}`);
    await page.getByLabel("Note", { exact: true }).fill("");
    await page.getByRole("button", { name: "Add note" }).click();
    await expect(page.getByText("Write the note.")).toBeVisible();
    await page.getByLabel("Note", { exact: true }).fill("Called from the branch; no answer.");
    await page.getByRole("button", { name: "Add note" }).click();
    await expect(page.getByRole("status")).toHaveText("Note added.");
    await page.getByLabel("Outcome", { exact: true }).selectOption("no_answer");
    // The wall clock may be outside the borrower's call window (product rules §4.16): a reason then.
    await page.getByLabel(/^Reason \(only for a call/).fill("Borrower asked for a call now");
    await page.getByRole("button", { name: "Log call" }).click();
    await expect(page.getByRole("status")).toHaveText("Call logged.");
    await expect(page.locator("ol.timeline")).toContainText("No answer");

    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/staff\/login\?signedOut=1$/);
    await expect(page.getByText("You have signed out.")).toBeVisible();
    await page.goto("/staff/queues");
    await expect(page).toHaveURL(/\/staff\/login/);
  });
});
