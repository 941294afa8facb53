import { test as base, expect, type BrowserContext, type Page } from "@playwright/test";
import type { Kysely } from "kysely";
import { connectDatabase } from "../../db/connection";
import type { Database, StaffRole } from "../../db/schema";
import { runSettle } from "../support/cli";
import { borrowerWithLink } from "../support/links";
import { expectAccessibleWith, openAuditPage, type AuditOptions } from "./accessibility";
import { createStaff, signInOverHttp, type E2eStaff } from "./staff-users";

type Cookies = Parameters<BrowserContext["addCookies"]>[0];

const PG_PORT = Number(process.env.E2E_PG_PORT ?? 54339);

/**
 * The e2e server runs on its own embedded Postgres; tests reach the same
 * database to create fresh borrowers (so journeys never share mutable rows)
 * and to check what a journey wrote.
 */
export const test = base.extend<
  {
    freshBorrower: Awaited<ReturnType<typeof borrowerWithLink>>;
    /** WCAG 2.2 AA checks by axe on the page as it is now (see accessibility.ts). */
    expectAccessible: (page: Page, opts?: AuditOptions) => Promise<void>;
    /**
     * Signs `context` in as this worker's staff user of `role`: created, and signed in through both
     * steps, once per worker; later tests reuse the session cookie. Tests about signing in itself
     * (staff.spec.ts) go through the pages instead.
     */
    signInAs: (context: BrowserContext, role: StaffRole) => Promise<E2eStaff>;
  },
  { db: Kysely<Database>; auditPage: Page; staffSessions: Map<StaffRole, Promise<[E2eStaff, Cookies]>> }
>({
  db: [
    async ({}, use) => {
      const handle = connectDatabase(`postgres://settle:settle@127.0.0.1:${PG_PORT}/settle`, { max: 3 });
      await use(handle.db);
      await handle.close();
    },
    { scope: "worker" },
  ],
  auditPage: [
    async ({ browser }, use) => {
      // Explicit options: this context outlives the test that first asks for it, whatever that test `use`s.
      const context = await browser.newContext({
        javaScriptEnabled: true,
        isMobile: false,
        hasTouch: false,
        deviceScaleFactor: 1,
      });
      await use(await openAuditPage(context));
      await context.close();
    },
    { scope: "worker" },
  ],
  expectAccessible: async ({ auditPage }, use) => {
    await use((page, opts) =>
      base.step(
        `axe audit of ${new URL(page.url()).pathname}`,
        () => expectAccessibleWith(auditPage, page, opts),
        { box: true }, // a failure points at the test's line
      ),
    );
  },
  staffSessions: [
    async ({}, use) => {
      await use(new Map());
    },
    { scope: "worker" },
  ],
  signInAs: async ({ db, playwright, baseURL, staffSessions }, use) => {
    const session = async (role: StaffRole): Promise<[E2eStaff, Cookies]> => {
      const staff = await createStaff(db, role);
      const request = await playwright.request.newContext({
        baseURL,
        extraHTTPHeaders: { origin: baseURL! },
      });
      try {
        await signInOverHttp(request, staff);
        return [staff, (await request.storageState()).cookies];
      } finally {
        await request.dispose();
      }
    };
    await use(async (context, role) => {
      if (!staffSessions.has(role)) staffSessions.set(role, session(role));
      const [staff, cookies] = await staffSessions.get(role)!;
      await context.addCookies(cookies);
      return staff;
    });
  },
  freshBorrower: async ({ db }, use) => {
    await use(await borrowerWithLink(db));
  },
});

export { expect };

/**
 * The operator's command, `settle schedule:run --json` (with `flags`), against the e2e server's database:
 * the decision line it printed for account `ref`.
 */
export function scheduleDecision(ref: string, flags: string[] = []): Record<string, unknown> | undefined {
  const run = runSettle(["schedule:run", ...flags, "--json"], {
    env: {
      ...process.env,
      DATABASE_URL: `postgres://settle:settle@127.0.0.1:${PG_PORT}/settle`,
      LOG_LEVEL: "silent",
    },
  });
  expect(run.status, run.stderr).toBe(0);
  return run.stdout
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .find((l) => l.account === ref);
}
