import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/database";

/**
 * /dev/outbox in production (issue #17, item 6, first part). It shows every text with names, amounts
 * and live links, and its reply box re-subscribes opted-out borrowers. It opened in production for any
 * non-empty SETTLE_ALLOW_DEV_SECRETS ("0", "false"); now only for exactly "1", as the config requires.
 */
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.destroy();
});
afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

/** The route as a production process with this SETTLE_ALLOW_DEV_SECRETS loads it (config is read once per process). */
async function productionOutbox(allow: string) {
  vi.resetModules();
  vi.stubEnv("NODE_ENV", "production");
  vi.stubEnv("SETTLE_ALLOW_DEV_SECRETS", allow);
  vi.stubEnv("SESSION_SECRET", "s".repeat(40));
  vi.stubEnv("VERIFICATION_HASH_KEY", "v".repeat(40));
  vi.stubEnv("LINK_SIGNING_KEYS", `k:${"l".repeat(40)}`);
  vi.stubEnv("TOTP_ENCRYPTION_KEY", "t".repeat(32));
  vi.stubEnv("LINK_HASH_KEY", "h".repeat(32));
  vi.stubEnv("AUDIT_ANCHOR_KEY", "a".repeat(32));
  // Production needs an external database; the route never connects (the test's database is in the context).
  vi.stubEnv("DATABASE_URL", "postgres://settle_app@127.0.0.1:1/settle");
  vi.stubEnv("SMS_PROVIDER", "outbox");
  vi.stubEnv("TRUST_PROXY", "1");
  return import("../../app/routes/dev.outbox");
}

async function statusOf(run: () => Promise<unknown>): Promise<number> {
  try {
    await run();
    return 200;
  } catch (thrown) {
    if (thrown instanceof Response) return thrown.status;
    throw thrown;
  }
}

describe("/dev/outbox in production", () => {
  it.each(["0", "false", "yes", "true"])("is not found with SETTLE_ALLOW_DEV_SECRETS=%j", async (allow) => {
    const route = await productionOutbox(allow);
    const context = { db: t.db } as never;
    const request = new Request("http://portal.test/dev/outbox");
    expect(await statusOf(() => route.loader({ request, context, params: {} }))).toBe(404);
    const reply = new Request("http://portal.test/dev/outbox", {
      method: "POST",
      body: new URLSearchParams({ from: "+85291234567", body: "START" }),
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    expect(await statusOf(() => route.action({ request: reply, context, params: {} }))).toBe(404);
  });

  it('opens with exactly "1" (a local demo)', async () => {
    const route = await productionOutbox("1");
    const request = new Request("http://portal.test/dev/outbox");
    const page = await route.loader({ request, context: { db: t.db } as never, params: {} });
    expect(page).toHaveProperty("phones");
  });
});
