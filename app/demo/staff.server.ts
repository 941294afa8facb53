import type { Kysely } from "kysely";
import { hashPassword } from "../staff/auth.server";
import type { Database, StaffRole } from "../../db/schema";

/**
 * Demo staff for `npm run dev` and the e2e server: one per role, all with the
 * same demo password and NO authenticator enrolled, so the first sign-in walks
 * through choosing a new password and enrolling TOTP (like a real new user).
 * Seeded only with the demo borrowers, into an empty database, never in production (seed-empty.server.ts).
 */
export const DEMO_STAFF_PASSWORD = "settle-demo-staff";

export const DEMO_STAFF: ReadonlyArray<{ email: string; displayName: string; role: StaffRole }> = [
  { email: "admin@settle.test", displayName: "Ada Admin", role: "admin" },
  { email: "approver@settle.test", displayName: "Peter Approver", role: "approver" },
  { email: "supervisor@settle.test", displayName: "Sam Supervisor", role: "supervisor" },
  { email: "agent@settle.test", displayName: "Alex Agent", role: "agent" },
];

/** Idempotent: existing emails are left alone (a demo user who already changed their password keeps it). */
export async function seedDemoStaff(db: Kysely<Database>): Promise<{ staff: number }> {
  const passwordHash = await hashPassword(DEMO_STAFF_PASSWORD);
  const inserted = await db
    .insertInto("staff_users")
    .values(
      DEMO_STAFF.map((s) => ({
        email: s.email,
        display_name: s.displayName,
        role: s.role,
        password_hash: passwordHash,
      })),
    )
    .onConflict((oc) => oc.column("email").doNothing())
    .returning("id")
    .execute();
  return { staff: inserted.length };
}
