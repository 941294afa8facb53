import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { attemptPasswordLogin } from "../../app/staff/auth.server";
import { DEMO_STAFF, DEMO_STAFF_PASSWORD, seedDemoStaff } from "../../app/demo/staff.server";
import { createTestDatabase, type TestDatabase } from "../support/database";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.destroy();
});

describe("demo staff", () => {
  it("seeds one user per role, not enrolled, idempotently; their first sign-in goes to set-up", async () => {
    expect(await seedDemoStaff(t.db)).toEqual({ staff: 4 });
    expect(await seedDemoStaff(t.db)).toEqual({ staff: 0 });
    const rows = await t.db
      .selectFrom("staff_users")
      .select(["email", "role", "totp_enabled_at"])
      .orderBy("email")
      .execute();
    expect(rows.map((r) => r.role).sort()).toEqual(["admin", "agent", "approver", "supervisor"]);
    expect(rows.every((r) => r.totp_enabled_at === null)).toBe(true);
    for (const s of DEMO_STAFF) {
      expect(
        await attemptPasswordLogin(t.db, { email: s.email, password: DEMO_STAFF_PASSWORD, ip: "192.0.2.1" }),
      ).toMatchObject({ status: "ok", next: "setup" });
    }
  });
});
