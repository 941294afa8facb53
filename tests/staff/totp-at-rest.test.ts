import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { action as loginAction } from "../../app/routes/staff_.login";
import { action as twoFactorAction } from "../../app/routes/staff_.two-factor";
import { loader as setupLoader } from "../../app/routes/staff_.setup";
import { hashPassword } from "../../app/staff/auth.server";
import { sealPlaintextTotpSecrets } from "../../app/staff/totp-secrets.server";
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
  staffContext,
} from "./support";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.destroy();
});

let ipCounter = 0;
const context = () => staffContext(t.db, `203.0.113.${++ipCounter}`);

async function storedSecret(userId: string) {
  const row = await t.db
    .selectFrom("staff_users")
    .select("totp_secret")
    .where("id", "=", userId)
    .executeTakeFirstOrThrow();
  return row.totp_secret;
}

/** Password, then the authenticator code: where the code step sends the browser. */
async function signIn(email: string, code: string): Promise<string | null> {
  const ctx = context();
  const step1 = await outcome(() =>
    loginAction({
      request: post("/staff/login", { email, password: KNOWN_PASSWORD }),
      params: {},
      context: ctx,
    }),
  );
  expect(step1.location).toBe("/staff/two-factor");
  const pending = cookieHeader(...step1.setCookies);
  const step2 = await outcome(() =>
    twoFactorAction({ request: post("/staff/two-factor", { code }, pending), params: {}, context: ctx }),
  );
  return step2.location;
}

describe("TOTP secrets at rest", () => {
  it("enrolment stores the secret sealed, never as the authenticator shows it", async () => {
    const oneTime = "one-time-Pa55word";
    const user = await insertStaffUser(t.db, { role: "agent", password_hash: await hashPassword(oneTime) });
    const ctx = context();
    const step1 = await outcome(() =>
      loginAction({
        request: post("/staff/login", { email: user.email, password: oneTime }),
        params: {},
        context: ctx,
      }),
    );
    const pending = cookieHeader(...step1.setCookies);
    const page = await outcome(() =>
      setupLoader({ request: get("/staff/setup", pending), params: {}, context: ctx }),
    );
    const { secret } = page.data as { secret: string };
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const stored = await storedSecret(user.id);
    expect(stored).toMatch(/^v1\./);
    expect(stored).not.toContain(secret);
    // A reload opens the sealed value and shows the same secret.
    const reload = await outcome(() =>
      setupLoader({ request: get("/staff/setup", pending), params: {}, context: ctx }),
    );
    expect((reload.data as { secret: string }).secret).toBe(secret);
  });

  it("a sealed secret copied onto another staff member's row does not open there", async () => {
    const { user: attacker, secret } = await enrolledStaff(t.db, "agent");
    const { user: admin } = await enrolledStaff(t.db, "admin");
    await t.db
      .updateTable("staff_users")
      .set({ totp_secret: await storedSecret(attacker.id) })
      .where("id", "=", admin.id)
      .execute();
    // The code step does not start: back to the login page, no session.
    expect(await signIn(admin.email, await currentCode(secret))).toBe("/staff/login");
    const sessions = await t.db
      .selectFrom("staff_sessions")
      .select("id")
      .where("staff_user_id", "=", admin.id)
      .execute();
    expect(sessions).toEqual([]);
  });

  it("secrets stored in plain text before the key existed are sealed at start-up and keep working", async () => {
    const { user, secret } = await enrolledStaff(t.db, "supervisor");
    await t.db.updateTable("staff_users").set({ totp_secret: secret }).where("id", "=", user.id).execute();

    expect(await sealPlaintextTotpSecrets(t.db)).toBeGreaterThanOrEqual(1);
    const stored = await storedSecret(user.id);
    expect(stored).toMatch(/^v1\./);
    expect(stored).not.toContain(secret);
    expect(await sealPlaintextTotpSecrets(t.db)).toBe(0);
    expect(await signIn(user.email, await currentCode(secret))).toBe("/staff/queues");
  });
});
