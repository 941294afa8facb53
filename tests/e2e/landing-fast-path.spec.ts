import fc from "fast-check";
import { expect, test } from "./fixtures";

/**
 * The masked landing's fast path (app/server/landing-fast-path.server.ts) fills a page that Remix
 * rendered once per shape. Here, against the production server, each page it serves is held to the
 * page Remix renders itself for the same link and visitor: a query string sends the request past the
 * fast path, and the only differences allowed are the CSP nonce (new on every response) and the query
 * string, which Remix keeps in the form actions and the language switch's return address.
 */
const LOCALES = ["en", "zh-HK", "zh-CN"] as const;
const PRODUCTS = ["credit_card", "personal_loan", "auto_loan", "mortgage"] as const;

const nonceFree = (html: string) => html.replace(/nonce="[^"]*"/g, 'nonce=""');

test.describe("the masked landing's fast path", () => {
  test("serves, for every shape and random account digits, the page Remix renders, and counts each open once", async ({ request, db, freshBorrower }) => {
    const { link, borrower, account } = freshBorrower;
    let opens = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          borrowerLocale: fc.constantFrom(...LOCALES),
          preferred: fc.option(fc.constantFrom(...LOCALES), { nil: null }),
          visitor: fc.oneof(
            fc.constant({}),
            // The visitor's own choice (the language switch's cookie, as Remix's createCookie encodes it).
            fc.constantFrom(...LOCALES).map((lng) => ({ cookie: `settle_lng=${Buffer.from(JSON.stringify(lng)).toString("base64")}` })),
            fc.constantFrom("en-GB,en;q=0.8", "zh-TW", "zh-CN,zh;q=0.9", "fr-FR").map((al) => ({ "accept-language": al })),
          ),
          product: fc.constantFrom(...PRODUCTS),
          locked: fc.boolean(),
          last4: fc.stringMatching(/^[0-9]{4}$/),
        }),
        async ({ borrowerLocale, preferred, visitor, product, locked, last4 }) => {
          await db.updateTable("borrowers").set({ locale: borrowerLocale }).where("id", "=", borrower.id).execute();
          await db.deleteFrom("contact_preferences").where("borrower_id", "=", borrower.id).execute();
          if (preferred) await db.insertInto("contact_preferences").values({ borrower_id: borrower.id, preferred_locale: preferred }).execute();
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
          expect(fast.status()).toBe(200);
          expect(viaRemix.status()).toBe(200);
          const remixHtml = nonceFree(await viaRemix.text()).replaceAll(`/r/${link.code}?via=remix`, `/r/${link.code}`);
          expect(nonceFree(await fast.text())).toBe(remixHtml);
          for (const name of ["content-type", "cache-control", "referrer-policy", "x-content-type-options", "vary"]) {
            expect(fast.headers()[name], name).toBe(viaRemix.headers()[name]);
          }
          expect(fast.headers()["content-security-policy"]?.replace(/'nonce-[^']*'/g, "")).toBe(
            viaRemix.headers()["content-security-policy"]?.replace(/'nonce-[^']*'/g, ""),
          );
          expect(fast.headers()["content-security-policy"]).not.toBe(viaRemix.headers()["content-security-policy"]);
          const row = await db.selectFrom("short_links").select("open_count").where("id", "=", link.id).executeTakeFirstOrThrow();
          expect(row.open_count).toBe(opens);
        },
      ),
      { numRuns: 40 },
    );
  });

  test("leaves unknown, revoked and expired links to Remix's answers, counting none", async ({ request, db, freshBorrower }) => {
    const { link } = freshBorrower;
    expect((await request.get("/r/AAAAAAAAAAAAAAAA")).status()).toBe(404);
    await db.updateTable("short_links").set({ expires_at: new Date(Date.now() - 1_000) }).where("id", "=", link.id).execute();
    expect((await request.get(`/r/${link.code}`)).status()).toBe(410);
    await db.updateTable("short_links").set({ expires_at: new Date(Date.now() + 86_400_000), revoked_at: new Date(), revoked_reason: "test" }).where("id", "=", link.id).execute();
    const revoked = await request.get(`/r/${link.code}`);
    expect(revoked.status()).toBe(410);
    expect(await revoked.text()).not.toContain(freshBorrower.account.last4);
    const row = await db.selectFrom("short_links").select("open_count").where("id", "=", link.id).executeTakeFirstOrThrow();
    expect(row.open_count).toBe(0);
  });
});
