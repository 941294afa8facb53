import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StaffUser } from "../../db/schema";
import { action as loginAction } from "../../app/routes/staff_.login";
import { action as setupAction, loader as setupLoader } from "../../app/routes/staff_.setup";
import { action as inviteAction, loader as inviteLoader } from "../../app/routes/staff_.invite";
import { loader as queuesLoader } from "../../app/routes/staff.queues";
import { loader as dashboardLoader } from "../../app/routes/staff.dashboard";
import { action as usersAction, loader as usersLoader } from "../../app/routes/staff.users";
import { attemptPasswordLogin } from "../../app/staff/auth.server";
import { disableStaff, changeStaffRole } from "../../app/staff/staff-admin.server";
import { inviteStaff } from "../../app/staff/staff-invites.server";
import { createTestDatabase, type TestDatabase } from "../support/database";
import {
  cookieHeader,
  currentCode,
  enrolledStaff,
  get,
  KNOWN_PASSWORD,
  outcome,
  post,
  signedInCookie,
  staffContext,
} from "./support";

/**
 * Staff administration (docs/product-rules.md §8.14) through the console's /staff/users, as an admin's
 * browser would post it: disable (sessions end at once), re-enable, change a role, reset an authenticator,
 * invite with a one-time set-up link; the rules on oneself and on the last admin.
 */
let t: TestDatabase;
let admin: StaffUser;
let adminCookie: string;
let ipCounter = 0;
const context = () => staffContext(t.db, `203.0.113.${++ipCounter}`);

beforeAll(async () => {
  t = await createTestDatabase();
  admin = (await enrolledStaff(t.db, "admin")).user;
  adminCookie = await signedInCookie(t.db, admin);
});
afterAll(async () => {
  await t.destroy();
});

const users = (form: Record<string, string>, cookie = adminCookie) =>
  outcome(() => usersAction({ request: post("/staff/users", form, cookie), params: {}, context: context() }));
const openQueues = (cookie: string) =>
  outcome(() => queuesLoader({ request: get("/staff/queues", cookie), params: {}, context: context() }));
const auditRows = (action: string, subjectId: string) =>
  t.db
    .selectFrom("audit_events")
    .select(["actor_type", "actor_id", "detail"])
    .where("action", "=", action)
    .where("subject_id", "=", subjectId)
    .execute();
const row = (id: string) =>
  t.db.selectFrom("staff_users").selectAll().where("id", "=", id).executeTakeFirstOrThrow();

describe("disable and re-enable", () => {
  it("a disabled member's signed-in session is refused on its next request, and sign-in is refused", async () => {
    const { user } = await enrolledStaff(t.db, "agent");
    const cookie = await signedInCookie(t.db, user);
    expect((await openQueues(cookie)).status).toBe(200);

    const disabled = await users({ intent: "disable", staffUserId: user.id });
    expect(disabled).toMatchObject({ status: 303, location: "/staff/users?done=disabled" });

    expect((await openQueues(cookie)).location).toMatch(/^\/staff\/login/);
    const live = await t.db
      .selectFrom("staff_sessions")
      .select("id")
      .where("staff_user_id", "=", user.id)
      .where("revoked_at", "is", null)
      .execute();
    expect(live).toEqual([]);
    const login = await attemptPasswordLogin(t.db, {
      email: user.email,
      password: KNOWN_PASSWORD,
      ip: "192.0.2.1",
    });
    expect(login.status).toBe("invalid");
    expect(await auditRows("staff.disabled", user.id)).toEqual([
      { actor_type: "staff", actor_id: admin.id, detail: { revoked: 1 } },
    ]);

    expect(await users({ intent: "enable", staffUserId: user.id })).toMatchObject({
      status: 303,
      location: "/staff/users?done=enabled",
    });
    const again = await attemptPasswordLogin(t.db, {
      email: user.email,
      password: KNOWN_PASSWORD,
      ip: "192.0.2.2",
    });
    expect(again).toMatchObject({ status: "ok", next: "totp" });
    expect(await auditRows("staff.enabled", user.id)).toHaveLength(1);
  });

  it("an admin cannot disable themselves or change their own role (409, nothing written)", async () => {
    for (const form of <Record<string, string>[]>[
      { intent: "disable", staffUserId: admin.id },
      { intent: "change_role", staffUserId: admin.id, role: "agent" },
      { intent: "reset_2fa", staffUserId: admin.id },
    ]) {
      const refused = await users(form);
      expect(refused.status).toBe(409);
      expect(refused.data).toEqual({ intent: "change", error: "errors.staffSelf" });
    }
    expect(await row(admin.id)).toMatchObject({ role: "admin", disabled_at: null });
    expect((await openQueues(adminCookie)).status).toBe(200);
  });

  it("bad input is a translated 400 and an unknown member a 404, never a 5xx", async () => {
    expect((await users({ intent: "disable", staffUserId: "not-a-uuid" })).status).toBe(400);
    expect((await users({ intent: "change_role", staffUserId: admin.id, role: "root" })).status).toBe(400);
    const missing = await users({ intent: "disable", staffUserId: "00000000-0000-4000-8000-000000000000" });
    expect(missing).toMatchObject({ status: 404, data: { error: "errors.notFound" } });
  });
});

describe("the last admin", () => {
  it("the last admin who is not disabled can be neither disabled nor demoted; another admin can", async () => {
    const db = await createTestDatabase();
    try {
      const a = (await enrolledStaff(db.db, "admin")).user;
      const b = (await enrolledStaff(db.db, "admin")).user;
      const cli = { kind: "cli" } as const;
      expect(await disableStaff(db.db, { actor: cli, target: { id: b.id } })).toMatchObject({ status: "ok" });
      expect(await disableStaff(db.db, { actor: cli, target: { id: a.id } })).toEqual({
        status: "last_admin",
      });
      expect(
        await changeStaffRole(db.db, { actor: cli, target: { email: a.email }, role: "supervisor" }),
      ).toEqual({
        status: "last_admin",
      });
      expect(
        (
          await db.db
            .selectFrom("staff_users")
            .select("role")
            .where("id", "=", a.id)
            .executeTakeFirstOrThrow()
        ).role,
      ).toBe("admin");
    } finally {
      await db.destroy();
    }
  });

  it("two admins disabling or demoting each other at the same moment: exactly one succeeds, never a deadlock", async () => {
    const db = await createTestDatabase();
    try {
      const actor = (u: StaffUser) => ({
        kind: "staff" as const,
        user: { ...u, displayName: u.display_name },
      });
      for (let round = 0; round < 8; round++) {
        const a = (await enrolledStaff(db.db, "admin")).user;
        const b = (await enrolledStaff(db.db, "admin")).user;
        const results = await Promise.all([
          disableStaff(db.db, { actor: actor(a), target: { id: b.id } }),
          round % 2
            ? changeStaffRole(db.db, { actor: actor(b), target: { id: a.id }, role: "agent" })
            : disableStaff(db.db, { actor: actor(b), target: { id: a.id } }),
        ]);
        expect(results.map((r) => r.status).sort()).toEqual(["last_admin", "ok"]);
        const active = await db.db
          .selectFrom("staff_users")
          .select("id")
          .where("role", "=", "admin")
          .where("disabled_at", "is", null)
          .execute();
        expect(active).toHaveLength(1);
        // No admin left over for the next round.
        await db.db
          .updateTable("staff_users")
          .set({ disabled_at: new Date() })
          .where("role", "=", "admin")
          .execute();
      }
    } finally {
      await db.destroy();
    }
  });
});

describe("roles and authenticators", () => {
  it("a new role applies from the member's next request", async () => {
    const { user } = await enrolledStaff(t.db, "agent");
    const cookie = await signedInCookie(t.db, user);
    const dashboard = () =>
      outcome(() =>
        dashboardLoader({ request: get("/staff/dashboard", cookie), params: {}, context: context() }),
      );
    expect((await dashboard()).status).toBe(403);
    expect(await users({ intent: "change_role", staffUserId: user.id, role: "supervisor" })).toMatchObject({
      status: 303,
      location: "/staff/users?done=role_changed",
    });
    expect((await dashboard()).status).toBe(200);
    expect(await auditRows("staff.role_changed", user.id)).toEqual([
      { actor_type: "staff", actor_id: admin.id, detail: { from: "agent", to: "supervisor" } },
    ]);
  });

  it("resetting a lost authenticator ends the sessions and sends the next sign-in to set-up", async () => {
    const { user } = await enrolledStaff(t.db, "agent");
    const cookie = await signedInCookie(t.db, user);
    expect(await users({ intent: "reset_2fa", staffUserId: user.id })).toMatchObject({
      status: 303,
      location: "/staff/users?done=totp_reset",
    });
    expect(await row(user.id)).toMatchObject({ totp_secret: null, totp_enabled_at: null });
    expect((await openQueues(cookie)).location).toMatch(/^\/staff\/login/);
    const login = await outcome(() =>
      loginAction({
        request: post("/staff/login", { email: user.email, password: KNOWN_PASSWORD }),
        params: {},
        context: context(),
      }),
    );
    expect(login.location).toBe("/staff/setup");
    expect(await auditRows("staff.totp_reset", user.id)).toHaveLength(1);
  });
});

describe("invitations", () => {
  const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
  const tokenOf = (url: string) => new URL(url).searchParams.get("token")!;
  const invite = async (email: string, role = "agent") => {
    const o = await users({ intent: "invite", email, role, name: "" });
    return { o, url: (o.data as { invited?: { url: string } }).invited?.url };
  };
  const redeem = (token: string) =>
    outcome(() =>
      inviteAction({ request: post("/staff/invite", { token }), params: {}, context: context() }),
    );

  it("an invite shows a one-time link once, keeps only its hash, and leads to password and authenticator set-up", async () => {
    const { o, url } = await invite("New.Member@Bank.Example", "approver");
    expect(o.status).toBe(200);
    expect(url).toMatch(/^http:\/\/portal\.test\/staff\/invite\?token=[A-Za-z0-9_-]{43}$/);
    const token = tokenOf(url!);
    const member = await t.db
      .selectFrom("staff_users")
      .selectAll()
      .where("email", "=", "new.member@bank.example")
      .executeTakeFirstOrThrow();
    expect(member).toMatchObject({ role: "approver", display_name: "new.member", totp_enabled_at: null });
    const stored = await t.db
      .selectFrom("staff_invites")
      .selectAll()
      .where("staff_user_id", "=", member.id)
      .execute();
    expect(stored).toHaveLength(1);
    expect(stored[0]!.token_hash).toBe(sha256(token));
    expect(JSON.stringify(await t.db.selectFrom("audit_events").select("detail").execute())).not.toContain(
      token,
    );
    // The users page lists the member as invited; the link itself is not on it.
    const page = await outcome(() =>
      usersLoader({ request: get("/staff/users", adminCookie), params: {}, context: context() }),
    );
    expect(JSON.stringify(page.data)).not.toContain(token);

    // Opening the link spends nothing; the button does, once.
    const landing = await outcome(() =>
      inviteLoader({ request: get(`/staff/invite?token=${token}`), params: {}, context: context() }),
    );
    expect(landing.data).toEqual({ token });
    const used = await redeem(token);
    expect(used.location).toBe("/staff/setup");
    expect((await redeem(token)).status).toBe(410);

    const pending = cookieHeader(...used.setCookies);
    const setup = await outcome(() =>
      setupLoader({ request: get("/staff/setup", pending), params: {}, context: context() }),
    );
    const { secret } = setup.data as { secret: string };
    const password = "a brand new passphrase";
    const done = await outcome(async () =>
      setupAction({
        request: post(
          "/staff/setup",
          { newPassword: password, confirmPassword: password, code: await currentCode(secret) },
          pending,
        ),
        params: {},
        context: context(),
      }),
    );
    expect(done.status).toBe(303);
    expect((await openQueues(cookieHeader(...done.setCookies))).status).toBe(200);
    expect(await auditRows("staff.invited", member.id)).toHaveLength(1);
    expect(await auditRows("staff.invite_used", member.id)).toHaveLength(1);
  });

  it("a link is refused once expired or replaced by a newer invite", async () => {
    const first = tokenOf((await invite("late.starter@bank.example")).url!);
    const second = tokenOf((await invite("late.starter@bank.example")).url!);
    expect((await redeem(first)).status).toBe(410);
    const member = await t.db
      .selectFrom("staff_users")
      .select("id")
      .where("email", "=", "late.starter@bank.example")
      .executeTakeFirstOrThrow();
    await t.db
      .updateTable("staff_invites")
      .set({ created_at: new Date(Date.now() - 100 * 3_600_000), expires_at: new Date(Date.now() - 1000) })
      .where("staff_user_id", "=", member.id)
      .execute();
    expect((await redeem(second)).status).toBe(410);
    expect((await redeem("x".repeat(43))).status).toBe(410);

    // Disabling a member ends their unused link for good: re-enabling does not bring it back.
    const third = tokenOf((await invite("late.starter@bank.example")).url!);
    expect((await users({ intent: "disable", staffUserId: member.id })).status).toBe(303);
    expect((await users({ intent: "enable", staffUserId: member.id })).status).toBe(303);
    expect((await redeem(third)).status).toBe(410);
    expect((await redeem("<script>")).status).toBe(410);
  });

  it("inviting a member who is already set up is a 409 on the email field; bad input a 400", async () => {
    const { user } = await enrolledStaff(t.db, "agent");
    const taken = await users({ intent: "invite", email: user.email, role: "agent" });
    expect(taken.status).toBe(409);
    expect(JSON.stringify(taken.data)).toContain("errors.staffExists");
    const bad = await users({ intent: "invite", email: "not an email", role: "wizard" });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.data)).toContain("errors.email");
    expect(JSON.stringify(bad.data)).toContain("errors.role");
  });

  it("two invitations of one new address at the same moment: one member, and only the newer link works", async () => {
    const both = await Promise.all(
      [0, 1].map(() =>
        inviteStaff(t.db, { actor: { kind: "cli" }, email: "twice@bank.example", role: "agent" }),
      ),
    );
    expect(both.map((r) => r.status).sort()).toEqual(["created", "reissued"]);
    const members = await t.db
      .selectFrom("staff_users")
      .select("id")
      .where("email", "=", "twice@bank.example")
      .execute();
    expect(members).toHaveLength(1);
    const live = await t.db
      .selectFrom("staff_invites")
      .select("id")
      .where("staff_user_id", "=", members[0]!.id)
      .where("revoked_at", "is", null)
      .execute();
    expect(live).toHaveLength(1);
  });

  it("the service refuses a set-up member without writing", async () => {
    const { user } = await enrolledStaff(t.db, "agent");
    const before = await t.db.selectFrom("staff_invites").select("id").execute();
    expect(await inviteStaff(t.db, { actor: { kind: "cli" }, email: user.email, role: "agent" })).toEqual({
      status: "exists",
    });
    expect(await t.db.selectFrom("staff_invites").select("id").execute()).toEqual(before);
  });
});
