import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { MAX_FORM_BODY_BYTES } from "../../app/server/security.server";
import { actionPaths, ownBodyPath } from "../support/action-routes";
import { createTestApiKey } from "../support/api";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { closeTestApps, rawRequest, startTestApp, type TestApp } from "../support/http-app";
import { enrolledStaff, signedInCookie } from "../staff/support";

/**
 * Issue #17 item 3, through the real Express app and every route: a path with dot segments cannot slip
 * past the guards (which read Express's raw path) to the page Remix routes it to (the normalised one),
 * and no route buffers a body past its cap, declared or chunked: each reads through the one capped
 * reader and answers 413 while the client is still sending, never after reading it all.
 */
let t: TestDatabase;
let app: TestApp;
let apiKey: string;
let staffCookie: string;

beforeAll(async () => {
  // The Twilio webhooks answer only when Twilio is the provider.
  vi.stubEnv("SMS_PROVIDER", "twilio");
  vi.stubEnv("TWILIO_ACCOUNT_SID", `AC${"0".repeat(32)}`);
  vi.stubEnv("TWILIO_AUTH_TOKEN", "t".repeat(32));
  vi.stubEnv("TWILIO_FROM", "SettleBank");
  t = await createTestDatabase();
  apiKey = (await createTestApiKey(t.db)).key;
  // Signed in, so the console's own loaders (which would redirect a stranger to sign in) let the 413 through.
  staffCookie = await signedInCookie(t.db, (await enrolledStaff(t.db, "admin")).user);
  app = await startTestApp(t.db, { production: true });
});
afterAll(async () => {
  await app?.close();
  await closeTestApps();
  await t?.destroy();
  vi.unstubAllEnvs();
});

const FOREIGN = { Origin: "https://evil.example", "Sec-Fetch-Site": "cross-site" };
const FORM = "application/x-www-form-urlencoded";

describe("paths with dot segments", () => {
  it("refuses a cross-origin POST to /webhooks/%2e%2e/locale (and its spellings) before any route: no language is set", async () => {
    for (const path of [
      "/webhooks/%2e%2e/locale",
      "/webhooks/%2E./locale",
      "/webhooks/.%2e/locale",
      "/webhooks/../locale",
      "/api/v1/%2e%2e/%2e%2e/locale",
      "/webhooks/%2e/../locale",
      "/webhooks\\..\\locale",
    ]) {
      const answer = await rawRequest(app.base, path, {
        headers: { ...FOREIGN, "Content-Type": FORM, "Content-Length": "6" },
        body: "lng=en",
      });
      expect(answer.status, path).toBe(400);
      expect(answer.headers["set-cookie"], path).toBeUndefined();
    }
  });

  it("still refuses the same post at /locale itself (CSRF), and takes it from the portal", async () => {
    const headers = { "Content-Type": FORM, "Content-Length": "6" };
    const foreign = await rawRequest(app.base, "/locale", {
      headers: { ...FOREIGN, ...headers },
      body: "lng=en",
    });
    expect(foreign.status).toBe(403);
    const own = await rawRequest(app.base, "/locale", {
      headers: { "Sec-Fetch-Site": "same-origin", ...headers },
      body: "lng=en",
    });
    expect(own.status).toBe(303);
    expect(String(own.headers["set-cookie"])).toMatch(/lng=/);
  });
});

// Far past every cap here (the largest, the API's bulk one, is 10 MB). The kernel's socket buffers hold a
// few MB more than the server read, so a server that stops at its cap answers before the client has sent
// half of this; one that reads everything first answers only once all of it is sent.
const HUGE = 64 * 1024 * 1024;
const EARLY = HUGE / 2;

const chunked = (path: string, headers: Record<string, string>) =>
  rawRequest(app.base, path, { headers, bodyBytes: HUGE });

describe("bodies past their cap", () => {
  it("a chunked body to /webhooks/stripe of any size gets 413 before it is all sent", async () => {
    const answer = await chunked("/webhooks/stripe", {
      "Content-Type": "application/json",
      "Stripe-Signature": "t=1,v1=00",
    });
    expect(answer.status).toBe(413);
    expect(answer.sentWhenAnswered).toBeLessThan(EARLY);
  });

  it("a chunked body to /webhooks/twilio/* gets 413 before it is all sent (it used to be read first)", async () => {
    for (const kind of ["inbound", "status"]) {
      const answer = await chunked(`/webhooks/twilio/${kind}`, {
        "Content-Type": FORM,
        "X-Twilio-Signature": "x",
      });
      expect(answer.status, kind).toBe(413);
      expect(answer.sentWhenAnswered, kind).toBeLessThan(EARLY);
    }
  });

  it("every route with an action stops reading at its cap: 413 while the client is still sending", async () => {
    const paths = actionPaths().flatMap((p) =>
      p === "/webhooks/twilio/x1" ? ["/webhooks/twilio/inbound", "/webhooks/twilio/status"] : [p],
    );
    expect(paths.filter((p) => !ownBodyPath(p)).length).toBeGreaterThanOrEqual(15);
    for (const path of paths) {
      const headers: Record<string, string> = path.startsWith("/api/")
        ? { Authorization: `Bearer ${apiKey}`, "Content-Type": "application/json" }
        : path.startsWith("/webhooks/")
          ? { "Content-Type": FORM, "Stripe-Signature": "t=1,v1=00", "X-Twilio-Signature": "x" }
          : { "Content-Type": FORM, "Sec-Fetch-Site": "same-origin", Cookie: staffCookie };
      const answer = await chunked(path, headers);
      // The API's catch-all answers 404 without reading a body at all.
      expect(answer.status, path).toBe(path === "/api/v1/anything" ? 404 : 413);
      expect(answer.sentWhenAnswered, path).toBeLessThan(EARLY);
    }
  });

  it("a page still takes a chunked form within its cap", async () => {
    const body = `lng=en&returnTo=${"a".repeat(MAX_FORM_BODY_BYTES - 100)}`;
    const answer = await rawRequest(app.base, "/locale", {
      headers: { "Content-Type": FORM, "Sec-Fetch-Site": "same-origin" },
      body,
    });
    expect(answer.status).toBe(303);
  });
});
