import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { action as loginAction } from "../../app/routes/staff_.login";
import { action as twoFactorAction, loader as twoFactorLoader } from "../../app/routes/staff_.two-factor";
import { action as setupAction, loader as setupLoader } from "../../app/routes/staff_.setup";
import { loader as queuesLoader } from "../../app/routes/staff.queues";
import { action as signOutAction } from "../../app/routes/staff.sign-out";
import { action as usersAction } from "../../app/routes/staff.users";
import {
  attemptPasswordLogin,
  hashPassword,
  LOGIN_IP_RULE,
  verifyPassword,
} from "../../app/staff/auth.server";
import { FIRST_LOCKOUT_MS, throttlePair } from "../../app/staff/login-throttle.server";
import { readStaffSession, STAFF_ABSOLUTE_MS, STAFF_IDLE_MS } from "../../app/staff/session.server";
import { openTotpSecret } from "../../app/staff/totp-secrets.server";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { insertStaffUser } from "../support/builders";
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

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.destroy();
});

/** Failures counted against (email, address) since its last lockout or success. */
async function pairFailures(email: string, ip: string): Promise<number> {
  const pair = throttlePair(email, ip);
  const row = await t.db
    .selectFrom("staff_login_throttles")
    .select("failures")
    .where("email_hash", "=", pair.emailHash)
    .where("client", "=", pair.client)
    .executeTakeFirst();
  return row?.failures ?? 0;
}

let ipCounter = 0;
/** Each test gets its own client address, so per-IP limits do not leak between tests. */
const freshIp = () => `203.0.113.${++ipCounter}`;

describe("passwords", () => {
  it("hashes with argon2id and verifies only the right password", async () => {
    const hash = await hashPassword("a long enough passphrase");
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword(hash, "a long enough passphrase")).toBe(true);
    expect(await verifyPassword(hash, "a long enough passphrasE")).toBe(false);
    expect(await verifyPassword("not-a-hash", "anything")).toBe(false);
  });
});

describe("lockout and rate limits", () => {
  it("locks the email from that address for 15 minutes after 5 wrong passwords, even for the right one", async () => {
    const { user } = await enrolledStaff(t.db, "agent");
    const ip = freshIp();
    const now = new Date();
    for (let i = 1; i <= 4; i++) {
      expect(
        await attemptPasswordLogin(t.db, { email: user.email, password: `wrong ${i}`, ip, now }),
      ).toEqual({ status: "invalid" });
    }
    const fifth = await attemptPasswordLogin(t.db, { email: user.email, password: "wrong 5", ip, now });
    expect(fifth).toEqual({ status: "locked", until: new Date(now.getTime() + FIRST_LOCKOUT_MS) });
    expect(
      await attemptPasswordLogin(t.db, {
        email: user.email,
        password: KNOWN_PASSWORD,
        ip,
        now: new Date(now.getTime() + 60_000),
      }),
    ).toMatchObject({
      status: "locked",
    });
    const audit = await t.db
      .selectFrom("audit_events")
      .select("action")
      .where("subject_id", "=", user.id)
      .orderBy("id")
      .execute();
    expect(audit.map((a) => a.action)).toEqual([...Array(4).fill("staff.login_failed"), "staff.locked_out"]);

    const later = new Date(now.getTime() + FIRST_LOCKOUT_MS + 1_000);
    expect(
      await attemptPasswordLogin(t.db, { email: user.email, password: KNOWN_PASSWORD, ip, now: later }),
    ).toMatchObject({ status: "ok", next: "totp" });
  });

  it("is case-insensitive about the email and says nothing about which emails exist", async () => {
    const { user } = await enrolledStaff(t.db, "agent");
    const ip = freshIp();
    expect(
      await attemptPasswordLogin(t.db, { email: user.email.toUpperCase(), password: KNOWN_PASSWORD, ip }),
    ).toMatchObject({ status: "ok" });
    expect(
      await attemptPasswordLogin(t.db, { email: "nobody@bank.example", password: KNOWN_PASSWORD, ip }),
    ).toEqual({ status: "invalid" });
  });

  it("limits failed attempts per client IP across accounts, in Postgres", async () => {
    const { user } = await enrolledStaff(t.db, "agent");
    const ip = freshIp();
    for (let i = 0; i < LOGIN_IP_RULE.points; i++) {
      expect(
        await attemptPasswordLogin(t.db, { email: `spray${i}@bank.example`, password: "guess", ip }),
      ).toEqual({ status: "invalid" });
    }
    const blocked = await attemptPasswordLogin(t.db, { email: user.email, password: KNOWN_PASSWORD, ip });
    expect(blocked).toMatchObject({ status: "rate_limited" });
    expect((blocked as { retryAfterSec: number }).retryAfterSec).toBeGreaterThan(0);
    expect(
      await attemptPasswordLogin(t.db, { email: user.email, password: KNOWN_PASSWORD, ip: freshIp() }),
    ).toMatchObject({ status: "ok" });
    const row = await t.db
      .selectFrom("rate_limits")
      .selectAll()
      .where("key", "=", `settle:staff-login:ip:${ip}`)
      .executeTakeFirstOrThrow();
    expect(row.points).toBe(LOGIN_IP_RULE.points);

    const response = await outcome(() =>
      loginAction({
        request: post("/staff/login", { email: user.email, password: KNOWN_PASSWORD }),
        params: {},
        context: staffContext(t.db, ip),
      }),
    );
    expect(response.status).toBe(429);
  });
});

describe("sign-in with TOTP", () => {
  it("requires the authenticator code after the password; the password alone opens nothing", async () => {
    const { user, secret } = await enrolledStaff(t.db, "supervisor");
    const context = staffContext(t.db, freshIp());
    const step1 = await outcome(() =>
      loginAction({
        request: post("/staff/login", { email: user.email, password: KNOWN_PASSWORD }),
        params: {},
        context,
      }),
    );
    expect(step1.status).toBe(303);
    expect(step1.location).toBe("/staff/two-factor");
    const pending = cookieHeader(...step1.setCookies);
    expect(pending).toContain("settle_staff_pending=");
    expect(step1.setCookies[0]).toMatch(/HttpOnly/i);
    expect(step1.setCookies[0]).toMatch(/SameSite=Strict/i);

    // Half-way through: the console still sends the browser to the login page.
    const console = await outcome(() =>
      queuesLoader({ request: get("/staff/queues", pending), params: {}, context }),
    );
    expect(console.status).toBe(302);
    expect(console.location).toMatch(/^\/staff\/login/);
    expect(
      (
        await outcome(() =>
          twoFactorLoader({ request: get("/staff/two-factor", pending), params: {}, context }),
        )
      ).status,
    ).toBe(200);

    const wrong = await outcome(() =>
      twoFactorAction({
        request: post("/staff/two-factor", { code: "000000" }, pending),
        params: {},
        context,
      }),
    );
    expect(wrong.status).toBe(400);
    expect(wrong.setCookies).toEqual([]);
    expect(await pairFailures(user.email, context.clientIp)).toBe(1);

    const code = await currentCode(secret);
    const right = await outcome(() =>
      twoFactorAction({ request: post("/staff/two-factor", { code }, pending), params: {}, context }),
    );
    expect(right.status).toBe(303);
    expect(right.location).toBe("/staff/queues");
    const session = right.setCookies.find((c) => c.startsWith("settle_staff="));
    expect(session).toMatch(/HttpOnly/i);
    expect(session).toMatch(/SameSite=Strict/i);
    expect(session).toMatch(/Path=\/staff/i);
    const signedIn = cookieHeader(session!);
    expect(
      (await outcome(() => queuesLoader({ request: get("/staff/queues", signedIn), params: {}, context })))
        .status,
    ).toBe(200);
    expect(await pairFailures(user.email, context.clientIp)).toBe(0);

    // The same code cannot be replayed for a second session.
    const again = await outcome(() =>
      twoFactorAction({ request: post("/staff/two-factor", { code }, pending), params: {}, context }),
    );
    expect(again.status).toBe(400);
  });

  it("first sign-in with a one-time password forces a new password and TOTP enrolment", async () => {
    const oneTime = "one-time-Pa55word";
    const user = await insertStaffUser(t.db, { role: "agent", password_hash: await hashPassword(oneTime) });
    const context = staffContext(t.db, freshIp());
    const step1 = await outcome(() =>
      loginAction({
        request: post("/staff/login", { email: user.email, password: oneTime }),
        params: {},
        context,
      }),
    );
    expect(step1.location).toBe("/staff/setup");
    const pending = cookieHeader(...step1.setCookies);
    expect(
      (await outcome(() => queuesLoader({ request: get("/staff/queues", pending), params: {}, context })))
        .location,
    ).toMatch(/^\/staff\/login/);
    // A "setup" cookie is not a ticket to the code step.
    expect(
      (
        await outcome(() =>
          twoFactorLoader({ request: get("/staff/two-factor", pending), params: {}, context }),
        )
      ).location,
    ).toBe("/staff/login");

    const page = await outcome(() =>
      setupLoader({ request: get("/staff/setup", pending), params: {}, context }),
    );
    const { secret, uri } = page.data as { secret: string; uri: string };
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(uri).toMatch(/^otpauth:\/\/totp\//);
    expect(uri).toContain(`secret=${secret}`);
    // Reloading shows the same secret (an app set up from the first view keeps working).
    const reload = await outcome(() =>
      setupLoader({ request: get("/staff/setup", pending), params: {}, context }),
    );
    expect((reload.data as { secret: string }).secret).toBe(secret);

    const code = await currentCode(secret);
    const same = await outcome(() =>
      setupAction({
        request: post("/staff/setup", { newPassword: oneTime, confirmPassword: oneTime, code }, pending),
        params: {},
        context,
      }),
    );
    expect(same.status).toBe(400);
    const mismatch = await outcome(() =>
      setupAction({
        request: post(
          "/staff/setup",
          { newPassword: "my own long password", confirmPassword: "my own long passwore", code },
          pending,
        ),
        params: {},
        context,
      }),
    );
    expect(mismatch.status).toBe(400);
    const tooShort = await outcome(() =>
      setupAction({
        request: post("/staff/setup", { newPassword: "short", confirmPassword: "short", code }, pending),
        params: {},
        context,
      }),
    );
    expect(tooShort.status).toBe(400);

    const done = await outcome(() =>
      setupAction({
        request: post(
          "/staff/setup",
          { newPassword: "my own long password", confirmPassword: "my own long password", code },
          pending,
        ),
        params: {},
        context,
      }),
    );
    expect(done.status).toBe(303);
    const session = cookieHeader(done.setCookies.find((c) => c.startsWith("settle_staff="))!);
    expect(
      (await outcome(() => queuesLoader({ request: get("/staff/queues", session), params: {}, context })))
        .status,
    ).toBe(200);

    const row = await t.db
      .selectFrom("staff_users")
      .selectAll()
      .where("id", "=", user.id)
      .executeTakeFirstOrThrow();
    expect(row.totp_enabled_at).not.toBeNull();
    expect(openTotpSecret(user.id, row.totp_secret!)).toBe(secret);
    expect(await verifyPassword(row.password_hash, "my own long password")).toBe(true);
    expect(await verifyPassword(row.password_hash, oneTime)).toBe(false);
    // The old pending cookie died with the old password.
    expect(
      (await outcome(() => setupLoader({ request: get("/staff/setup", pending), params: {}, context })))
        .location,
    ).toBe("/staff/login");
    // From now on the password leads to the code step.
    expect(
      await attemptPasswordLogin(t.db, {
        email: user.email,
        password: "my own long password",
        ip: freshIp(),
      }),
    ).toMatchObject({ status: "ok", next: "totp" });
  });
});

describe("sessions", () => {
  it("expire after 30 minutes idle", async () => {
    const { user } = await enrolledStaff(t.db, "agent");
    const start = new Date("2030-03-01T09:00:00Z");
    const cookie = await signedInCookie(t.db, user, start);
    const at = (ms: number) => new Date(start.getTime() + ms);
    expect(await readStaffSession(t.db, get("/staff", cookie), at(STAFF_IDLE_MS - 60_000))).not.toBeNull();
    // That request counted as activity: another 29 minutes later it is still alive...
    expect(
      await readStaffSession(t.db, get("/staff", cookie), at(2 * STAFF_IDLE_MS - 120_000)),
    ).not.toBeNull();
    // ...but not after 30 quiet minutes.
    expect(await readStaffSession(t.db, get("/staff", cookie), at(3 * STAFF_IDLE_MS))).toBeNull();
  });

  it("expire 12 hours after sign-in however active", async () => {
    const { user } = await enrolledStaff(t.db, "agent");
    const start = new Date("2030-03-02T09:00:00Z");
    const cookie = await signedInCookie(t.db, user, start);
    let now = start;
    while (now.getTime() + 20 * 60_000 < start.getTime() + STAFF_ABSOLUTE_MS) {
      now = new Date(now.getTime() + 20 * 60_000);
      expect(await readStaffSession(t.db, get("/staff", cookie), now)).not.toBeNull();
    }
    expect(
      await readStaffSession(
        t.db,
        get("/staff", cookie),
        new Date(start.getTime() + STAFF_ABSOLUTE_MS + 1_000),
      ),
    ).toBeNull();
  });

  it("sign-out revokes the session row, and the cookie no longer works", async () => {
    const { user } = await enrolledStaff(t.db, "approver");
    const cookie = await signedInCookie(t.db, user);
    const context = staffContext(t.db);
    const out = await outcome(() =>
      signOutAction({ request: post("/staff/sign-out", {}, cookie), params: {}, context }),
    );
    expect(out.status).toBe(303);
    expect(out.location).toBe("/staff/login?signedOut=1");
    expect(out.setCookies[0]).toMatch(/settle_staff=;.*Max-Age=0/i);
    const refused = await outcome(() =>
      queuesLoader({ request: get("/staff/queues", cookie), params: {}, context }),
    );
    expect(refused.location).toMatch(/^\/staff\/login/);
    const rows = await t.db
      .selectFrom("staff_sessions")
      .select("revoked_at")
      .where("staff_user_id", "=", user.id)
      .execute();
    expect(rows.every((r) => r.revoked_at !== null)).toBe(true);
  });

  it("an admin can end all of someone's sessions; disabled users are refused", async () => {
    const { user: agent } = await enrolledStaff(t.db, "agent");
    const { user: admin } = await enrolledStaff(t.db, "admin");
    const phone = await signedInCookie(t.db, agent);
    const laptop = await signedInCookie(t.db, agent);
    const context = staffContext(t.db);
    const adminCookie = await signedInCookie(t.db, admin);
    const revoke = await outcome(() =>
      usersAction({
        request: post("/staff/users", { intent: "revoke_sessions", staffUserId: agent.id }, adminCookie),
        params: {},
        context,
      }),
    );
    expect(revoke.status).toBe(303);
    expect(revoke.location).toBe("/staff/users?revoked=2");
    expect(await readStaffSession(t.db, get("/staff", phone))).toBeNull();
    expect(await readStaffSession(t.db, get("/staff", laptop))).toBeNull();
    const audit = await t.db
      .selectFrom("audit_events")
      .select(["actor_id", "detail"])
      .where("action", "=", "staff.sessions_revoked")
      .executeTakeFirstOrThrow();
    expect(audit.actor_id).toBe(admin.id);
    expect(audit.detail).toEqual({ revoked: 2 });

    const fresh = await signedInCookie(t.db, agent);
    expect(await readStaffSession(t.db, get("/staff", fresh))).not.toBeNull();
    await t.db
      .updateTable("staff_users")
      .set({ disabled_at: new Date() })
      .where("id", "=", agent.id)
      .execute();
    expect(await readStaffSession(t.db, get("/staff", fresh))).toBeNull();
  });

  it("stores only a hash of the cookie token", async () => {
    const { user } = await enrolledStaff(t.db, "agent");
    const cookie = await signedInCookie(t.db, user);
    const rows = await t.db
      .selectFrom("staff_sessions")
      .select("id")
      .where("staff_user_id", "=", user.id)
      .execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.id).toMatch(/^[0-9a-f]{64}$/);
    expect(decodeURIComponent(cookie)).not.toContain(rows[0]!.id);
  });
});
