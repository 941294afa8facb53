import { PRODUCTION_SETTINGS } from "../support/production-settings";
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
  for (const [name, value] of Object.entries(PRODUCTION_SETTINGS)) vi.stubEnv(name, value);
  vi.stubEnv("SETTLE_ALLOW_DEV_SECRETS", allow);
  // Production needs an external database; the routes never connect (the test's database is in the context).
  vi.stubEnv("DATABASE_URL", "postgres://settle_app@127.0.0.1:1/settle");
  vi.stubEnv("SMS_PROVIDER", "outbox");
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

describe("the development mailbox in production", () => {
  async function mailbox(allow: string) {
    const app = await production(allow);
    return {
      ...app,
      devMailbox: await import("../../app/routes/dev.mailbox"),
      staffMailbox: await import("../../app/routes/staff_.mailbox"),
    };
  }
  const show = (route: { loader: (args: never) => Promise<unknown> }, path: string, cookie?: string) =>
    statusOf(() => route.loader({ request: page(path, cookie), context: context(), params: {} } as never));

  it.each(["0", "false", "1"])("/dev/mailbox is never there (SETTLE_ALLOW_DEV_SECRETS=%j)", async (allow) => {
    const app = await mailbox(allow);
    expect(await show(app.devMailbox, "/dev/mailbox", await app.cookie("admin"))).toBe(404);
  });

  it('/staff/mailbox: only an admin, only with exactly "1", audited; and not with SMTP set', async () => {
    const closed = await mailbox("0");
    expect(await show(closed.staffMailbox, "/staff/mailbox", await closed.cookie("admin"))).toBe(404);
    const app = await mailbox("1");
    expect(await show(app.staffMailbox, "/staff/mailbox")).toBe(404);
    expect(await show(app.staffMailbox, "/staff/mailbox", await app.cookie("supervisor"))).toBe(404);
    expect(await show(app.staffMailbox, "/staff/mailbox", await app.cookie("admin"))).toBe(200);
    const audited = await t.db
      .selectFrom("audit_events")
      .select("id")
      .where("action", "=", "staff.viewed_mailbox")
      .execute();
    expect(audited).toHaveLength(1);
    vi.stubEnv("SMTP_URL", "smtp://mail.test:587");
    vi.stubEnv("EMAIL_FROM", "Bank <r@bank.test>");
    const withSmtp = await mailbox("1");
    expect(await show(withSmtp.staffMailbox, "/staff/mailbox", await withSmtp.cookie("admin"))).toBe(404);
  });
});
