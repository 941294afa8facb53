import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { StaffRole } from "../../db/schema";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { cookieHeader, enrolledStaff } from "../staff/support";

/**
 * The outbox in production (issue #17, item 6). It shows every text with names, amounts and live links,
 * and its reply box re-subscribes opted-out borrowers. It opened in production for any non-empty
 * SETTLE_ALLOW_DEV_SECRETS ("0", "false"), then only for exactly "1"; now /dev/outbox never opens in
 * production, and the console's /staff/outbox opens there only for a signed-in admin, and only with
 * exactly "1". Everyone else gets a plain 404, as if there were no outbox.
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

/** Modules as a production process with this SETTLE_ALLOW_DEV_SECRETS loads them (config is read once per process). */
async function production(allow: string) {
  vi.resetModules();
  vi.stubEnv("NODE_ENV", "production");
  vi.stubEnv("SETTLE_ALLOW_DEV_SECRETS", allow);
  vi.stubEnv("SESSION_SECRET", "s".repeat(40));
  vi.stubEnv("VERIFICATION_HASH_KEY", "v".repeat(40));
  vi.stubEnv("LINK_SIGNING_KEYS", `k:${"l".repeat(40)}`);
  vi.stubEnv("TOTP_ENCRYPTION_KEY", "t".repeat(32));
  vi.stubEnv("LINK_HASH_KEY", "h".repeat(32));
  vi.stubEnv("AUDIT_ANCHOR_KEY", "a".repeat(32));
  vi.stubEnv("SMS_LINK_ENCRYPTION_KEY", "m".repeat(32));
  // Production needs an external database; the routes never connect (the test's database is in the context).
  vi.stubEnv("DATABASE_URL", "postgres://settle_app@127.0.0.1:1/settle");
  vi.stubEnv("SMS_PROVIDER", "outbox");
  vi.stubEnv("TRUST_PROXY", "1");
  const session = await import("../../app/staff/session.server");
  return {
    dev: await import("../../app/routes/dev.outbox"),
    staff: await import("../../app/routes/staff_.outbox"),
    /** A production staff cookie (`__Secure-` name, this process's secret) for an enrolled user of `role`. */
    async cookie(role: StaffRole) {
      const { user } = await enrolledStaff(t.db, role);
      return cookieHeader(await session.startStaffSession(t.db, { userId: user.id }));
    },
  };
}

async function statusOf(run: () => Promise<unknown>): Promise<number> {
  try {
    const value = await run();
    const init = (value as { init?: ResponseInit | null } | null)?.init;
    return init?.status ?? 200;
  } catch (thrown) {
    if (thrown instanceof Response) return thrown.status;
    throw thrown;
  }
}

const context = () => ({ db: t.db }) as never;
const page = (path: string, cookie?: string) =>
  new Request(`http://portal.test${path}`, { headers: cookie ? { Cookie: cookie } : {} });
const reply = (path: string, cookie?: string) =>
  new Request(`http://portal.test${path}`, {
    method: "POST",
    body: new URLSearchParams({ from: "+85291234567", body: "START" }),
    headers: {
      "Content-Type": "application/x-www-form-urlencoded",
      ...(cookie ? { Cookie: cookie } : {}),
    },
  });

async function outboxAnswers(
  route: { loader: (args: never) => Promise<unknown>; action: (args: never) => Promise<unknown> },
  path: string,
  cookie?: string,
) {
  const args = (request: Request) => ({ request, context: context(), params: {} }) as never;
  return [
    await statusOf(() => route.loader(args(page(path, cookie)))),
    await statusOf(() => route.action(args(reply(path, cookie)))),
  ];
}

describe("the outbox in production", () => {
  it.each(["0", "false", "yes", "true"])(
    "is not found with SETTLE_ALLOW_DEV_SECRETS=%j, not even for an admin",
    async (allow) => {
      const app = await production(allow);
      const admin = await app.cookie("admin");
      expect(await outboxAnswers(app.staff, "/staff/outbox", admin)).toEqual([404, 404]);
      expect(await outboxAnswers(app.dev, "/dev/outbox", admin)).toEqual([404, 404]);
    },
  );

  it('with exactly "1" (a local demo): not found for anyone signed out or not an admin; /dev/outbox never', async () => {
    const app = await production("1");
    expect(await outboxAnswers(app.staff, "/staff/outbox")).toEqual([404, 404]);
    for (const role of ["agent", "approver", "supervisor"] as const)
      expect(await outboxAnswers(app.staff, "/staff/outbox", await app.cookie(role)), role).toEqual([
        404, 404,
      ]);
    expect(await outboxAnswers(app.dev, "/dev/outbox")).toEqual([404, 404]);
  });

  it('with exactly "1", an admin signed in with TOTP reads it and replies, and both are audited', async () => {
    const app = await production("1");
    const admin = await app.cookie("admin");
    const audited = async () =>
      (
        await t.db
          .selectFrom("audit_events")
          .select("action")
          .where("action", "in", ["staff.viewed_outbox", "staff.outbox_replied"])
          .orderBy("id")
          .execute()
      ).map((r) => r.action);
    const before = await audited();
    const shown = await app.staff.loader({
      request: page("/staff/outbox", admin),
      context: context(),
      params: {},
    });
    expect(shown).toHaveProperty("data.phones");
    expect(
      await statusOf(() =>
        app.staff.action({ request: reply("/staff/outbox", admin), context: context(), params: {} }),
      ),
    ).toBe(200);
    expect((await audited()).slice(before.length)).toEqual(["staff.viewed_outbox", "staff.outbox_replied"]);
  });
});
