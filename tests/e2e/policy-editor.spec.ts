import { expect, test } from "./fixtures";

/**
 * The contact-policy editor's channels and escalation with JavaScript off (docs/product-rules.md §8.18):
 * each stage shows its channels in order and the policy its escalation, pre-filled from the version in use;
 * a stage with no channel, a channel listed twice and a count out of range are named beside their fields,
 * with what was typed kept. Nothing is saved, so journeys running beside this one (and the experiments
 * journey, which saves a version) are decided as before.
 */
test.describe("contact policy editor: channels and escalation (JavaScript off)", () => {
  test.use({
    viewport: { width: 1280, height: 900 },
    isMobile: false,
    hasTouch: false,
    javaScriptEnabled: false,
  });

  test("shows each stage's channels and the escalation, and names each problem beside its field", async ({
    page,
    signInAs,
    expectAccessible,
  }) => {
    await signInAs(page.context(), "supervisor");
    await page.goto("/staff/policy");
    await expect(page.getByRole("heading", { name: "Contact policy", level: 1 })).toBeVisible();

    // The demo's policy lists no channels of its own: each stage shows the ones its task implies.
    const serious = page.getByRole("group", { name: "Seriously overdue" });
    const seriousChannels = serious.getByRole("group", { name: "Channels, in the order tried" });
    await expect(seriousChannels.getByLabel("Channel 1")).toHaveValue("sms");
    await expect(seriousChannels.getByLabel("Channel 2")).toHaveValue("call");
    await expect(seriousChannels.getByLabel("Channel 3")).toHaveValue("visit");
    await expect(seriousChannels.getByLabel("Channel 4")).toHaveValue("");
    const escalation = page.getByRole("region", { name: "Moving on to the next channel" });
    await expect(escalation.getByLabel("When a channel is refused")).toHaveValue("next_channel");
    await expect(escalation.getByLabel("Undelivered texts in a row")).toHaveValue("3");
    await expect(escalation.getByLabel("Ignored reminders in a row")).toHaveValue("");
    await expectAccessible(page);

    const due = page.getByRole("group", { name: "On the due date" });
    await due.getByLabel("Channel 1").selectOption("");
    const mid = page.getByRole("group", { name: "Mid" });
    await mid.getByLabel("Channel 1").selectOption("email");
    await mid.getByLabel("Channel 2").selectOption("email");
    await escalation.getByLabel("Undelivered texts in a row").fill("25");
    await page.getByRole("button", { name: "Save new version" }).click();

    await expect(page.getByText(/The policy was not saved: 3 problems are marked below/)).toBeVisible();
    await expect(due.getByText("Choose at least one channel for this stage.")).toBeVisible();
    await expect(
      mid.getByText("This channel is already earlier in the list.", { exact: false }),
    ).toBeVisible();
    await expect(escalation.getByText("Enter a whole number from 1 to 20, or leave it blank.")).toBeVisible();
    // What was typed comes back, and each problem is tied to its field.
    await expect(mid.getByLabel("Channel 1")).toHaveValue("email");
    await expect(mid.getByLabel("Channel 2")).toHaveAttribute("aria-invalid", "true");
    await expect(escalation.getByLabel("Undelivered texts in a row")).toHaveValue("25");
    await expectAccessible(page);
  });
});
