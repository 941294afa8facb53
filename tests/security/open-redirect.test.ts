import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { action as localeAction } from "../../app/routes/locale";

/**
 * POST /locale sends the browser back where it came from (`returnTo`). Wherever that field points,
 * the answer's Location, as a browser resolves it, stays on this site.
 */
const SITE = "https://portal.example";

async function switchLanguage(returnTo: string) {
  const response = (await localeAction({
    request: new Request(`${SITE}/locale`, {
      method: "POST",
      body: new URLSearchParams({ lng: "en", returnTo }),
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    }),
    params: {},
    context: {} as never,
  })) as Response;
  expect(response.status).toBe(303);
  return response.headers.get("Location")!;
}

const stays = (location: string) => new URL(location, SITE).origin === SITE;

describe("POST /locale never redirects off the site", () => {
  it.each([
    "/.//evil.example",
    "/./\\evil.example",
    "/..//evil.example",
    "/a/..//evil.example",
    "/%2e//evil.example",
    "/%2e%2e//evil.example",
    "//evil.example",
    "/\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "https://evil.example/",
    "javascript:alert(1)",
  ])("returnTo=%j goes to a path on this site", async (returnTo) => {
    const location = await switchLanguage(returnTo);
    expect(stays(location), location).toBe(true);
    expect(location).toMatch(/^\/(?![/\\])/);
  });

  it("keeps a real path and its query, without the language parameter", async () => {
    expect(await switchLanguage("/account/plan?step=2&lng=zh-HK")).toBe("/account/plan?step=2");
    expect(await switchLanguage("/r/0123456789abcdef")).toBe("/r/0123456789abcdef");
  });

  it("holds for any returnTo (property)", async () => {
    const piece = fc.constantFrom(
      "/",
      "\\",
      ".",
      "..",
      "%2e",
      "%2f",
      "%5c",
      "\t",
      "evil.example",
      "@",
      ":",
      "?",
      "#",
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.array(piece, { maxLength: 8 }).map((p) => p.join("")),
        ),
        async (raw) => {
          const location = await switchLanguage(raw);
          expect(stays(location), JSON.stringify({ raw, location })).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});
