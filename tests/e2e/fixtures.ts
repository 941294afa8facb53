import { test as base, expect, type Page } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import type { Kysely } from "kysely";
import { connectDatabase } from "../../db/connection";
import type { Database } from "../../db/schema";
import { borrowerWithLink } from "../support/links";

const PG_PORT = Number(process.env.E2E_PG_PORT ?? 54339);

/**
 * The e2e server runs on its own embedded Postgres; tests reach the same
 * database to create fresh borrowers (so journeys never share mutable rows)
 * and to check what a journey wrote.
 */
export const test = base.extend<
  { freshBorrower: Awaited<ReturnType<typeof borrowerWithLink>> },
  { db: Kysely<Database> }
>({
  db: [
    async ({}, use) => {
      const handle = connectDatabase(`postgres://settle:settle@127.0.0.1:${PG_PORT}/settle`, { max: 3 });
      await use(handle.db);
      await handle.close();
    },
    { scope: "worker" },
  ],
  freshBorrower: async ({ db }, use) => {
    await use(await borrowerWithLink(db));
  },
});

export { expect };

/**
 * WCAG 2.2 AA checks by axe. axe runs as page script, which a JavaScript-disabled
 * page cannot run, so the current DOM is audited as a copy served at the same
 * URL in a fresh JS-enabled context (our pages ship no scripts: same DOM, same CSS).
 */
export async function expectAccessible(page: Page) {
  const html = await page.content();
  const url = page.url();
  const browser = page.context().browser();
  if (!browser) throw new Error("no browser");
  // Explicit: Playwright Test applies the test's `use` options (JS off) to new contexts too.
  const context = await browser.newContext({
    viewport: page.viewportSize() ?? undefined,
    javaScriptEnabled: true,
  });
  try {
    const copy = await context.newPage();
    await copy.route(url, (route) =>
      route.fulfill({ status: 200, contentType: "text/html; charset=utf-8", body: html }),
    );
    await copy.goto(url);
    const results = await new AxeBuilder({ page: copy })
      .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"])
      .analyze();
    expect(
      results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`),
    ).toEqual([]);
  } finally {
    await context.close();
  }
}
