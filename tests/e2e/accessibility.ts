import { expect, type BrowserContext, type Page } from "@playwright/test";
import axe from "axe-core";

/**
 * WCAG 2.2 AA checks by axe, run on a copy of the page's current DOM.
 *
 * axe runs as page script, which a JavaScript-disabled page cannot run, so every page (JavaScript on
 * or off) is audited as a copy in one JavaScript-enabled page per worker, written in with
 * `setContent` over a blank document of the same origin (so /assets/ stylesheets load as on the
 * original). The blank document's CSP forbids page scripts: the copy is the DOM the borrower or staff
 * member sees, frozen (no hydration, no redirects), while axe, evaluated by Playwright over the
 * DevTools protocol, still runs. `setContent` replaces the document but keeps the window, so axe's
 * 0.5 MB source is compiled once per worker rather than once per audit, and there is no context, page
 * or navigation to set up per audit: that was most of each audit's cost (seconds on a busy machine).
 */
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];
/** A path the app never serves: the audit page's own route answers it. */
const BLANK_PATH = "/__e2e-axe-audit__";
const BLANK = "<!DOCTYPE html><html lang='en'><head><title>axe audit</title></head><body></body></html>";

export async function openAuditPage(context: BrowserContext): Promise<Page> {
  await context.route(`**${BLANK_PATH}`, (route) =>
    route.fulfill({
      status: 200,
      contentType: "text/html; charset=utf-8",
      headers: { "Content-Security-Policy": "script-src 'none'" },
      body: BLANK,
    }),
  );
  return context.newPage();
}

export interface AuditOptions {
  /**
   * Audit without the page's `<meta http-equiv="refresh">`, i.e. without axe's meta-refresh rule
   * (SC 2.2.1). Only for the payment return page: with JavaScript off, a bounded self-refresh is the
   * only way it can learn that the webhook landed (see pay.spec.ts). The copy must not reload either.
   */
  withoutSelfRefresh?: boolean;
}

export async function expectAccessibleWith(auditPage: Page, page: Page, opts: AuditOptions = {}) {
  let html = await page.content();
  if (opts.withoutSelfRefresh) html = html.replace(/<meta http-equiv="refresh"[^>]*>/, "");
  const origin = new URL(page.url()).origin;
  const where = new URL(auditPage.url());
  if (where.origin !== origin || where.pathname !== BLANK_PATH) await auditPage.goto(origin + BLANK_PATH);
  const viewport = page.viewportSize();
  const current = auditPage.viewportSize();
  if (viewport && (viewport.width !== current?.width || viewport.height !== current?.height))
    await auditPage.setViewportSize(viewport);
  await auditPage.setContent(html);
  if (!(await auditPage.evaluate(() => "axe" in window))) await auditPage.evaluate(axe.source);
  const violations = await auditPage.evaluate(
    async (tags) =>
      (
        await (window as unknown as { axe: typeof axe }).axe.run(document, {
          runOnly: { type: "tag", values: tags },
          resultTypes: ["violations"],
        })
      ).violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`),
    TAGS,
  );
  expect(violations, `axe on ${new URL(page.url()).pathname}`).toEqual([]);
}
