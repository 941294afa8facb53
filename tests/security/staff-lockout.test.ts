import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { action as loginAction } from "../../app/routes/staff_.login";
import { attemptPasswordLogin } from "../../app/staff/auth.server";
import { FIRST_LOCKOUT_MS, MAX_PAIR_FAILURES } from "../../app/staff/login-throttle.server";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { enrolledStaff, KNOWN_PASSWORD, outcome, post, staffContext } from "../staff/support";

/**
 * Staff sign-in lockout (issue #17, item 10): failures count per (email, client address). The
 * sign-in form answers an email nobody has exactly as it answers a real one, locked or not, and one
 * address guessing cannot keep a staff member locked out from another.
 */
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.destroy();
});

let ipCounter = 0;
const freshIp = () => `198.51.100.${++ipCounter}`;

/** What the sign-in form answers to `attempts` wrong passwords for `email` from one address. */
async function wrongPasswords(email: string, attempts: number) {
  const context = staffContext(t.db, freshIp());
  const answers = [];
  for (let i = 0; i < attempts; i++) {
    const res = await outcome(() =>
      loginAction({
        request: post("/staff/login", { email, password: `not the password ${i}` }),
        params: {},
        context,
      }),
    );
    const data = res.data as { result: { error?: Record<string, string[]> }; retryMinutes: number | null };
    answers.push({ status: res.status, errors: data.result.error, retryMinutes: data.retryMinutes });
  }
  return answers;
}

describe("staff sign-in lockout", () => {
  it("answers an unknown email exactly as a real one, through the fifth failure and after", async () => {
    const { user } = await enrolledStaff(t.db, "admin");
    const real = await wrongPasswords(user.email, MAX_PAIR_FAILURES + 2);
    const unknown = await wrongPasswords("nobody.here@bank.example", MAX_PAIR_FAILURES + 2);
    expect(unknown).toEqual(real);
    expect(real.map((a) => a.status)).toEqual([400, 400, 400, 400, 423, 423, 423]);
  });

  it("an address that locks an account out locks only itself: the staff member signs in from another", async () => {
    const { user } = await enrolledStaff(t.db, "agent");
    const attacker = await wrongPasswords(user.email, MAX_PAIR_FAILURES + 3);
    expect(attacker.at(-1)!.status).toBe(423);
    const owner = await outcome(() =>
      loginAction({
        request: post("/staff/login", { email: user.email, password: KNOWN_PASSWORD }),
        params: {},
        context: staffContext(t.db, freshIp()),
      }),
    );
    expect(owner.status).toBe(303);
    expect(owner.location).toBe("/staff/two-factor");
  });

  it("each further lockout of the same pair lasts twice as long as the one before", async () => {
    const { user } = await enrolledStaff(t.db, "agent");
    const ip = freshIp();
    let now = new Date("2026-11-23T10:00:00Z");
    const lockouts: number[] = [];
    for (let round = 0; round < 3; round++) {
      let last;
      for (let i = 0; i < MAX_PAIR_FAILURES; i++)
        last = await attemptPasswordLogin(t.db, { email: user.email, password: "guess", ip, now });
      expect(last).toMatchObject({ status: "locked" });
      const until = (last as { until: Date }).until;
      lockouts.push(until.getTime() - now.getTime());
      // Still locked a second before the end, for the right password too.
      const during = new Date(until.getTime() - 1_000);
      expect(
        await attemptPasswordLogin(t.db, { email: user.email, password: KNOWN_PASSWORD, ip, now: during }),
      ).toMatchObject({ status: "locked" });
      now = new Date(until.getTime() + 1_000);
    }
    expect(lockouts).toEqual([FIRST_LOCKOUT_MS, 2 * FIRST_LOCKOUT_MS, 4 * FIRST_LOCKOUT_MS]);
    expect(
      await attemptPasswordLogin(t.db, { email: user.email, password: KNOWN_PASSWORD, ip, now }),
    ).toMatchObject({ status: "ok" });
  });
});
