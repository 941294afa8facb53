import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UsageError, type CommandContext } from "../../app/cli/command";
import { parseCommandLine } from "../../app/cli/settle";
import { config } from "../../app/platform/config.server";
import { loader as queuesLoader } from "../../app/routes/staff.queues";
import { action as inviteAction } from "../../app/routes/staff_.invite";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { enrolledStaff, get, outcome, post, signedInCookie, staffContext } from "./support";

/**
 * `npm run settle -- staff:*`: the operator's side of staff administration, through the same service
 * functions as /staff/users, audited as the system via "cli", with the same rule on the last admin.
 */
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.destroy();
});

async function settle(...argv: string[]) {
  const lines: string[] = [];
  const errors: string[] = [];
  const ctx: CommandContext = {
    cfg: config(),
    database: async () => ({ db: t.db, pool: t.pool, close: async () => {} }),
    prepareDatabase: async () => [],
    out: (l) => lines.push(l),
    err: (l) => errors.push(l),
  };
  const { command, args } = parseCommandLine(argv);
  const code = await command.run(args as never, ctx);
  return { code, out: lines.join("\n"), err: errors.join("\n") };
}

const audited = (action: string, subjectId: string) =>
  t.db
    .selectFrom("audit_events")
    .select(["actor_type", "actor_id", "detail"])
    .where("action", "=", action)
    .where("subject_id", "=", subjectId)
    .execute();

describe("npm run settle -- staff:*", () => {
  it("staff:disable ends a signed-in session at once; staff:enable lets the member back", async () => {
    const { user } = await enrolledStaff(t.db, "agent");
    const cookie = await signedInCookie(t.db, user);
    const queues = () =>
      outcome(() =>
        queuesLoader({ request: get("/staff/queues", cookie), params: {}, context: staffContext(t.db) }),
      );
    expect((await queues()).status).toBe(200);
    expect(await settle("staff:disable", "--email", user.email.toUpperCase())).toMatchObject({ code: 0 });
    expect((await queues()).location).toMatch(/^\/staff\/login/);
    expect(await audited("staff.disabled", user.id)).toEqual([
      { actor_type: "system", actor_id: null, detail: { revoked: 1, via: "cli" } },
    ]);
    expect(await settle("staff:enable", "--email", user.email)).toMatchObject({ code: 0 });
    expect(await audited("staff.enabled", user.id)).toHaveLength(1);
  });

  it("staff:role changes a role and refuses to demote the last admin", async () => {
    const db = await createTestDatabase();
    try {
      const own = async (...argv: string[]) => {
        const ctx: CommandContext = {
          cfg: config(),
          database: async () => ({ db: db.db, pool: db.pool, close: async () => {} }),
          prepareDatabase: async () => [],
          out: () => {},
          err: () => {},
        };
        const { command, args } = parseCommandLine(argv);
        return command.run(args as never, ctx);
      };
      const { user: onlyAdmin } = await enrolledStaff(db.db, "admin");
      const { user: agent } = await enrolledStaff(db.db, "agent");
      expect(await own("staff:role", "--email", onlyAdmin.email, "--role", "agent")).toBe(1);
      expect(await own("staff:disable", "--email", onlyAdmin.email)).toBe(1);
      expect(await own("staff:role", "--email", agent.email, "--role", "admin")).toBe(0);
      expect(await own("staff:role", "--email", onlyAdmin.email, "--role", "agent")).toBe(0);
      const roles = await db.db.selectFrom("staff_users").select(["id", "role"]).execute();
      expect(Object.fromEntries(roles.map((r) => [r.id, r.role]))).toEqual({
        [onlyAdmin.id]: "agent",
        [agent.id]: "admin",
      });
    } finally {
      await db.destroy();
    }
  });

  it("staff:reset-2fa forgets the authenticator; staff:invite prints a link that works once", async () => {
    const { user } = await enrolledStaff(t.db, "admin");
    expect(await settle("staff:reset-2fa", "--email", user.email)).toMatchObject({ code: 0 });
    const after = await t.db
      .selectFrom("staff_users")
      .selectAll()
      .where("id", "=", user.id)
      .executeTakeFirstOrThrow();
    expect(after).toMatchObject({ totp_secret: null, totp_enabled_at: null });

    const invited = await settle("staff:invite", "--email", "ops.lead@bank.example", "--role", "supervisor");
    expect(invited.code).toBe(0);
    const token = invited.out.match(/\/staff\/invite\?token=([A-Za-z0-9_-]{43})/)?.[1];
    expect(token).toBeDefined();
    const redeem = () =>
      outcome(() =>
        inviteAction({
          request: post("/staff/invite", { token: token! }),
          params: {},
          context: staffContext(t.db),
        }),
      );
    expect((await redeem()).location).toBe("/staff/setup");
    expect((await redeem()).status).toBe(410);
    const { user: enrolled } = await enrolledStaff(t.db, "agent");
    expect(await settle("staff:invite", "--email", enrolled.email, "--role", "agent")).toMatchObject({
      code: 1,
    });
  });

  it("an unknown email exits 1; bad arguments are usage errors (exit 2)", async () => {
    expect(await settle("staff:disable", "--email", "nobody@bank.example")).toMatchObject({
      code: 1,
      err: "No staff member has the email nobody@bank.example.",
    });
    expect(() => parseCommandLine(["staff:role", "--email", "a@bank.example", "--role", "root"])).toThrow(
      UsageError,
    );
    expect(() => parseCommandLine(["staff:disable", "--email", "not-an-email"])).toThrow(UsageError);
    expect(() => parseCommandLine(["staff:invite", "--role", "agent"])).toThrow(UsageError);
    expect(() =>
      parseCommandLine(["staff:invite", "--email", "a@bank.example", "--role", "agent", "--language", "fr"]),
    ).toThrow(UsageError);
  });

  it("staff:invite --language queues the set-up email in that language", async () => {
    const invited = await settle(
      "staff:invite",
      "--email",
      "zh.agent@bank.example",
      "--role",
      "agent",
      "--language",
      "zh-CN",
    );
    expect(invited.code).toBe(0);
    expect(invited.out).toContain("The link is also being emailed to zh.agent@bank.example");
    const row = await t.db
      .selectFrom("staff_invites as i")
      .innerJoin("staff_users as u", "u.id", "i.staff_user_id")
      .select(["i.email_locale", "i.token_sealed"])
      .where("u.email", "=", "zh.agent@bank.example")
      .executeTakeFirstOrThrow();
    expect(row.email_locale).toBe("zh-CN");
    expect(row.token_sealed).not.toBeNull();
  });
});
