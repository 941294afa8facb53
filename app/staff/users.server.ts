import { sql, type Kysely } from "kysely";
import type { Database, StaffRole } from "../../db/schema";
import { appendAudit } from "../platform/audit.server";
import { revokeStaffSessions, type StaffIdentity } from "./session.server";
import { liveInviteExpiries } from "./staff-invites.server";
import type { DoneNotice, MemberChange } from "./staff-admin-forms";
import {
  changeStaffRole,
  disableStaff,
  enableStaff,
  resetStaffTotp,
  type StaffAdminActor,
  type StaffAdminRefusal,
  type StaffAdminResult,
} from "./staff-admin.server";

export interface StaffUserRow {
  id: string;
  email: string;
  displayName: string;
  role: StaffRole;
  enrolled: boolean;
  disabled: boolean;
  activeSessions: number;
  /** When the member's set-up link ends, while one is live. */
  inviteExpiresAt: Date | null;
}

/** Staff accounts with their live-session count (admin page). */
export async function listStaffUsers(db: Kysely<Database>, now = new Date()): Promise<StaffUserRow[]> {
  const rows = await db
    .selectFrom("staff_users as u")
    .select([
      "u.id",
      "u.email",
      "u.display_name",
      "u.role",
      "u.totp_enabled_at",
      "u.disabled_at",
      (eb) =>
        eb
          .selectFrom("staff_sessions as s")
          .select(sql<number>`count(*)::int`.as("n"))
          .whereRef("s.staff_user_id", "=", "u.id")
          .where("s.revoked_at", "is", null)
          .where("s.expires_at", ">", now)
          .as("active_sessions"),
    ])
    .orderBy("u.email")
    .execute();
  const invites = await liveInviteExpiries(db, now);
  return rows.map((r) => ({
    id: r.id,
    email: r.email,
    displayName: r.display_name,
    role: r.role,
    enrolled: r.totp_enabled_at !== null,
    disabled: r.disabled_at !== null,
    activeSessions: Number(r.active_sessions ?? 0),
    inviteExpiresAt: invites.get(r.id) ?? null,
  }));
}

/** An admin signs someone out everywhere (lost laptop, leaver). Audited. */
async function adminRevokeSessions(
  db: Kysely<Database>,
  opts: { admin: StaffIdentity; staffUserId: string; now?: Date },
): Promise<{ status: "ok"; revoked: number } | { status: "not_found" }> {
  const now = opts.now ?? new Date();
  return db.transaction().execute(async (trx) => {
    const user = await trx
      .selectFrom("staff_users")
      .select("id")
      .where("id", "=", opts.staffUserId)
      .executeTakeFirst();
    if (!user) return { status: "not_found" as const };
    const revoked = await revokeStaffSessions(trx, user.id, now);
    await appendAudit(
      trx,
      {
        actorType: "staff",
        actorId: opts.admin.id,
        action: "staff.sessions_revoked",
        subjectType: "staff_user",
        subjectId: user.id,
        detail: { revoked },
      },
      now,
    );
    return { status: "ok" as const, revoked };
  });
}

export type MemberChangeOutcome =
  | { status: "ok"; notice: DoneNotice }
  | { status: "revoked"; revoked: number }
  | { status: StaffAdminRefusal };

const noticed = (result: StaffAdminResult, notice: DoneNotice): MemberChangeOutcome =>
  result.status === "ok" ? { status: "ok", notice } : result;

/** One row button of the users page, through the same service function the CLI calls for it. */
export async function changeStaffMember(
  db: Kysely<Database>,
  admin: StaffIdentity,
  change: MemberChange,
): Promise<MemberChangeOutcome> {
  const actor: StaffAdminActor = { kind: "staff", user: admin };
  const target = { id: change.staffUserId };
  switch (change.intent) {
    case "revoke_sessions": {
      const result = await adminRevokeSessions(db, { admin, staffUserId: target.id });
      return result.status === "ok" ? { status: "revoked", revoked: result.revoked } : result;
    }
    case "disable":
      return noticed(await disableStaff(db, { actor, target }), "disabled");
    case "enable":
      return noticed(await enableStaff(db, { actor, target }), "enabled");
    case "reset_2fa":
      return noticed(await resetStaffTotp(db, { actor, target }), "totp_reset");
    case "change_role":
      return noticed(await changeStaffRole(db, { actor, target, role: change.role }), "role_changed");
  }
}
