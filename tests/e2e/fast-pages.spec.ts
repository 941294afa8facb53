import type { APIRequestContext } from "@playwright/test";
import fc from "fast-check";
import { expect, test } from "./fixtures";

/**
 * The fast paths of the masked landing and the verified overview (app/server/page-templates.server.ts)
 * fill pages that Remix rendered once per shape. Here, against the production server, each page they
 * serve is held to the page Remix renders itself for the same request: a query string sends the
 * request past the fast path, and the only differences allowed are the CSP nonce (new on every
 * response) and the query string, which Remix keeps in the form actions and the language switch's
 * return address.
 */
const LOCALES = ["en", "zh-HK", "zh-CN"] as const;
const PRODUCTS = ["credit_card", "personal_loan", "auto_loan", "mortgage"] as const;

const nonceFree = (html: string) => html.replace(/nonce="[^"]*"/g, 'nonce=""');

type Answer = Awaited<ReturnType<APIRequestContext["get"]>>;

/** The fast page is Remix's page, byte for byte but for the nonce and the query; same headers. */
async function expectSamePage(fast: Answer, viaRemix: Answer, path: string) {
  expect(fast.status()).toBe(200);
  expect(viaRemix.status()).toBe(200);
  const remixHtml = nonceFree(await viaRemix.text()).replaceAll(`${path}?via=remix`, path);
  expect(nonceFree(await fast.text())).toBe(remixHtml);
  // React 18's streaming renderer wrote a NUL where a multi-byte character met its 2,048-byte chunk edge.
  expect(remixHtml).not.toContain("\u0000");
  for (const name of [
    "content-type",
    "content-encoding",
    "cache-control",
    "referrer-policy",
    "x-content-type-options",
    "vary",
  ]) {
    expect(fast.headers()[name], name).toBe(viaRemix.headers()[name]);
  }
  const csp = (answer: Answer) => answer.headers()["content-security-policy"];
  expect(csp(fast)?.replace(/'nonce-[^']*'/g, "")).toBe(csp(viaRemix)?.replace(/'nonce-[^']*'/g, ""));
  expect(csp(fast)).not.toBe(csp(viaRemix));
  expect(fast.headers()["set-cookie"]).toBeUndefined();
}

const visitorLanguage = fc.oneof(
  fc.constant({}),
  // The visitor's own choice (the language switch's cookie, as Remix's createCookie encodes it).
  fc
    .constantFrom(...LOCALES)
    .map((lng) => ({ cookie: `settle_lng=${Buffer.from(JSON.stringify(lng)).toString("base64")}` })),
  fc
    .constantFrom("en-GB,en;q=0.8", "zh-TW", "zh-CN,zh;q=0.9", "fr-FR")
    .map((al) => ({ "accept-language": al })),
);

test.describe("the masked landing's fast path", () => {
  test("what it passes on to Remix (a query string, a trailing slash) is compressed there, once", async ({
    request,
    freshBorrower,
  }) => {
    for (const path of [`/r/${freshBorrower.link.code}?via=remix`, `/r/${freshBorrower.link.code}/`]) {
      const res = await request.get(path, { headers: { accept: "text/html", "accept-encoding": "gzip" } });
      expect(res.status(), path).toBe(200);
      expect(res.headers()["content-encoding"], path).toBe("gzip");
      expect(res.headers()["vary"], path).toContain("Accept-Encoding");
      // Decoded once by the client, the body is the page (gzip applied twice would decode to gzip).
      expect((await res.text()).startsWith("<!DOCTYPE html>"), path).toBe(true);
    }
  });

  test("serves, for every shape and random account digits, the page Remix renders, and counts each open once", async ({
    request,
    db,
    freshBorrower,
  }) => {
    const { link, borrower, account } = freshBorrower;
    let opens = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          borrowerLocale: fc.constantFrom(...LOCALES),
          preferred: fc.option(fc.constantFrom(...LOCALES), { nil: null }),
          visitor: visitorLanguage,
          product: fc.constantFrom(...PRODUCTS),
          locked: fc.boolean(),
          last4: fc.stringMatching(/^[0-9]{4}$/),
        }),
        async ({ borrowerLocale, preferred, visitor, product, locked, last4 }) => {
          await db
            .updateTable("borrowers")
            .set({ locale: borrowerLocale })
            .where("id", "=", borrower.id)
            .execute();
          await db.deleteFrom("contact_preferences").where("borrower_id", "=", borrower.id).execute();
          if (preferred)
            await db
              .insertInto("contact_preferences")
              .values({ borrower_id: borrower.id, preferred_locale: preferred })
              .execute();
          await db.updateTable("accounts").set({ product, last4 }).where("id", "=", account.id).execute();
          await db
            .updateTable("short_links")
            .set({ locked_until: locked ? new Date(Date.now() + 3_600_000) : null })
            .where("id", "=", link.id)
            .execute();

          const headers = { accept: "text/html", "accept-encoding": "gzip", ...visitor };
          const fast = await request.get(`/r/${link.code}`, { headers });
          const viaRemix = await request.get(`/r/${link.code}?via=remix`, { headers });
          opens += 2;
          await expectSamePage(fast, viaRemix, `/r/${link.code}`);
          const row = await db
            .selectFrom("short_links")
            .select("open_count")
            .where("id", "=", link.id)
            .executeTakeFirstOrThrow();
          expect(row.open_count).toBe(opens);
        },
      ),
      { numRuns: 40 },
    );
  });

  test("leaves unknown, revoked and expired links to Remix's answers, counting none", async ({
    request,
    db,
    freshBorrower,
  }) => {
    const { link } = freshBorrower;
    expect((await request.get("/r/AAAAAAAAAAAAAAAA")).status()).toBe(404);
    await db
      .updateTable("short_links")
      .set({ expires_at: new Date(Date.now() - 1_000) })
      .where("id", "=", link.id)
      .execute();
    expect((await request.get(`/r/${link.code}`)).status()).toBe(410);
    await db
      .updateTable("short_links")
      .set({ expires_at: new Date(Date.now() + 86_400_000), revoked_at: new Date(), revoked_reason: "test" })
      .where("id", "=", link.id)
      .execute();
    const revoked = await request.get(`/r/${link.code}`);
    expect(revoked.status()).toBe(410);
    expect(await revoked.text()).not.toContain(freshBorrower.account.last4);
    const row = await db
      .selectFrom("short_links")
      .select("open_count")
      .where("id", "=", link.id)
      .executeTakeFirstOrThrow();
    expect(row.open_count).toBe(0);
  });
});

test.describe("the verified overview's fast path", () => {
  test("serves, for every shape and random figures, the page Remix renders for the session's own account", async ({
    playwright,
    baseURL,
    db,
    freshBorrower,
  }) => {
    const { link, borrower, account } = freshBorrower;
    // A verified session, as a borrower gets one: the landing's form with the right answer.
    const borrowerContext = await playwright.request.newContext({
      baseURL,
      extraHTTPHeaders: { origin: baseURL! },
    });
    const verified = await borrowerContext.post(`/r/${link.code}`, {
      form: { intent: "verify", "dob.day": "29", "dob.month": "2", "dob.year": "1980" },
      maxRedirects: 0,
    });
    expect(verified.status()).toBe(303);
    const session = verified.headers()["set-cookie"]!.split(";")[0]!;
    const money = fc.integer({ min: 0, max: 2_000_000_000 });
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            visitor: visitorLanguage,
            product: fc.constantFrom(...PRODUCTS),
            currency: fc.constantFrom("HKD", "CNY", "USD", "JPY"),
            balance: money,
            overdue: money,
            minimumDue: money,
            fees: fc.integer({ min: 0, max: 10_000_000 }),
            dueDate: fc.option(
              fc.date({ min: new Date("2020-01-01"), max: new Date("2035-12-31"), noInvalidDate: true }),
              { nil: null },
            ),
            dpd: fc.integer({ min: 0, max: 400 }),
            status: fc.constantFrom("current", "delinquent", "paid"),
            pending: fc.option(fc.integer({ min: 1, max: 5_000_000 }), { nil: null }),
          }),
          async (v) => {
            await db
              .updateTable("accounts")
              .set({
                product: v.product,
                currency: v.currency,
                balance_minor: v.balance,
                overdue_minor: v.overdue,
                minimum_due_minor: v.minimumDue,
                fees_minor: v.fees,
                due_date: v.dueDate ? v.dueDate.toISOString().slice(0, 10) : null,
                dpd: v.dpd,
                status: v.status,
              })
              .where("id", "=", account.id)
              .execute();
            await db.deleteFrom("payments").where("account_id", "=", account.id).execute();
            if (v.pending) {
              await db
                .insertInto("payments")
                .values({
                  account_id: account.id,
                  borrower_id: borrower.id,
                  amount_minor: v.pending,
                  currency: v.currency,
                  source: "portal",
                  idempotency_key: `fast-${Math.random()}`,
                  status: "succeeded",
                  succeeded_at: new Date(),
                })
                .execute();
            }
            const cookie = [session, (v.visitor as { cookie?: string }).cookie].filter(Boolean).join("; ");
            const headers = { accept: "text/html", "accept-encoding": "gzip", ...v.visitor, cookie };
            const fast = await borrowerContext.get("/account", { headers, maxRedirects: 0 });
            const viaRemix = await borrowerContext.get("/account?via=remix", { headers, maxRedirects: 0 });
            await expectSamePage(fast, viaRemix, "/account");
            // The account's own last 4 digits: the page is the session's account, whatever the template.
            expect(await fast.text()).toContain(account.last4);
          },
        ),
        { numRuns: 40 },
      );
    } finally {
      await borrowerContext.dispose();
    }
  });

  test("without a live session goes on to Remix's redirect", async ({ request }) => {
    const noSession = await request.get("/account", { maxRedirects: 0 });
    expect(noSession.status()).toBe(302);
    expect(noSession.headers()["location"]).toBe("/session-ended");
    const forged = await request.get("/account", {
      headers: { cookie: "__Host-settle_session=forged.value" },
      maxRedirects: 0,
    });
    expect(forged.status()).toBe(302);
  });
});
