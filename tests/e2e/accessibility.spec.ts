import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";

/**
 * The journeys' axe audits (accessibility.ts) run on a copy of each page in one shared page per worker.
 * These prove the copy is faithful enough for the audit to mean something: it fails on a violation,
 * it is styled as the original is (colour contrast is judged on real colours), and no page script runs
 * in it.
 */
const desktop = { viewport: { width: 1280, height: 900 }, isMobile: false, hasTouch: false };

/** What axe's colour and size rules see of an element. */
const looks = (page: Page, selector: string) =>
  page
    .locator(selector)
    .first()
    .evaluate((el) => {
      const style = getComputedStyle(el);
      return [style.color, style.backgroundColor, style.fontSize, style.fontFamily, style.display];
    });

test.describe("the accessibility audit", () => {
  test("fails on a violation in the page, naming the rule and the element", async ({
    page,
    expectAccessible,
  }) => {
    await page.goto("/");
    await expectAccessible(page);
    await page.evaluate(() => {
      const img = document.createElement("img");
      img.src = "/favicon.ico";
      img.id = "no-alt";
      document.querySelector("main")!.append(img);
    });
    await expect(expectAccessible(page)).rejects.toThrow(/image-alt: #no-alt/);
  });

  test.describe("on a borrower page (inline styles, JavaScript off)", () => {
    test.use({ javaScriptEnabled: false });

    test("audits a copy styled as the original", async ({ page, auditPage, expectAccessible }) => {
      await page.goto("/");
      await expectAccessible(page);
      for (const selector of ["body", "h1", "button", ".skip-link"])
        expect(await looks(auditPage, selector), selector).toEqual(await looks(page, selector));
    });
  });

  test.describe("on a staff console page (stylesheet and scripts, JavaScript off)", () => {
    test.use({ ...desktop, javaScriptEnabled: false });

    test("audits a copy styled as the original, in which none of the page's scripts run", async ({
      page,
      auditPage,
      signInAs,
      expectAccessible,
    }) => {
      await signInAs(page.context(), "agent");
      await page.goto("/staff/queues");
      await expectAccessible(page);
      for (const selector of ["body", "h1", "nav a", "table th"])
        expect(await looks(auditPage, selector), selector).toEqual(await looks(page, selector));
      // The console's scripts are in the copy (the context script runs as soon as it is written)...
      expect(await auditPage.locator("script:not([src]):not([type])").count()).toBeGreaterThan(0);
      // ...and did not run: no hydration, no redirects, the DOM stays the one the page showed.
      expect(await auditPage.evaluate(() => "__remixContext" in window)).toBe(false);
    });
  });
});
