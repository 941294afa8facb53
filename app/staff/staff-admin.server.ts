import { sql, type Kysely, type Transaction } from "kysely";
import type { Database, StaffRole } from "../../db/schema";
import { appendAudit } from "../platform/audit.server";
import { revokeStaffSessions, type StaffIdentity } from "./session.server";

/**
 * Staff administration (docs/product-rules.md §8.14): disable, re-enable, change a role, reset a lost
 * authenticator. ONE function per action, called by the console (/staff/users) and the CLI alike. The
 * console's admin is the actor; the CLI is an operator at the server (audited as the system, via "cli").
 * Nobody changes their own role or disables themselves, and the last admin who is not disabled can be
 * neither disabled nor demoted (the console must stay administrable). Invitations: staff-invites.server.ts.
 */
export type StaffAdminActor = { kind: "staff"; user: StaffIdentity } | { kind: "cli" };
/** The member acted on: by id (console) or by email (CLI). */
type StaffTarget = { id: string } | { email: string };

export type StaffAdminRefusal = "not_found" | "self" | "last_admin";
export type StaffAdminResult =
  { status: "ok"; changed: boolean; email: string } | { status: StaffAdminRefusal };

type Trx = Transaction<Database>;
interface Target {
  id: string;
  email: string;
  role: StaffRole;
  disabled_at: Date | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The member's row, locked for this transaction. */
async function lockTarget(trx: Trx, target: StaffTarget): Promise<Target | undefined> {
  if ("id" in target && !UUID.test(target.id)) return undefined;
  return trx
    .selectFrom("staff_users")
    .select(["id", "email", "role", "disabled_at"])
    .$call((q) =>
      "id" in target
        ? q.where("id", "=", target.id)
        : q.where("email", "=", target.email.trim().toLowerCase()),
    )
    .forUpdate()
    .executeTakeFirst();
}

/** Whether `target` is the only admin who is not disabled (read under STAFF_ADMIN_LOCK). */
async function isLastActiveAdmin(trx: Trx, target: Target): Promise<boolean> {
  if (target.role !== "admin" || target.disabled_at !== null) return false;
  const admins = await trx
    .selectFrom("staff_users")
    .select("id")
    .where("role", "=", "admin")
    .where("disabled_at", "is", null)
    .execute();
  return admins.every((a) => a.id === target.id);
}

/**
 * Administrative changes take turns (a transaction-scoped advisory lock; they are rare): two admins
 * disabling or demoting each other at once are taken one after the other, the second sees the first's
 * change, and neither waits on a row the other holds (row locks taken in opposite orders deadlock).
 */
const STAFF_ADMIN_LOCK = sql`select pg_advisory_xact_lock(hashtext('settle:staff-admin'))`;
/** Waits for this transaction's turn among administrative changes (invitations take it too). */
export async function takeStaffAdminTurn(trx: Trx): Promise<void> {
  await STAFF_ADMIN_LOCK.execute(trx);
}

const isSelf = (actor: StaffAdminActor, target: Target) =>
  actor.kind === "staff" && actor.user.id === target.id;

async function audit(
  trx: Trx,
  actor: StaffAdminActor,
  action: string,
  target: Target,
  detail: Record<string, unknown>,
  now: Date,
) {
  await appendAudit(
    trx,
    {
      actorType: actor.kind === "staff" ? "staff" : "system",
      actorId: actor.kind === "staff" ? actor.user.id : null,
      action,
      subjectType: "staff_user",
      subjectId: target.id,
      detail: actor.kind === "cli" ? { ...detail, via: "cli" } : detail,
    },
    now,
  );
}

/** One administrative change in one transaction: lock, check, change, audit. */
async function administer(
  db: Kysely<Database>,
  opts: { actor: StaffAdminActor; target: StaffTarget; now: Date },
  change: (trx: Trx, target: Target) => Promise<StaffAdminResult>,
): Promise<StaffAdminResult> {
  return db.transaction().execute(async (trx) => {
    await takeStaffAdminTurn(trx);
    const target = await lockTarget(trx, opts.target);
    if (!target) return { status: "not_found" as const };
    return change(trx, target);
  });
}

interface AdminOpts {
  actor: StaffAdminActor;
  target: StaffTarget;
  now?: Date;
}

/** A leaver or a suspended member: refused at sign-in, and every session ends at once. */
export function disableStaff(db: Kysely<Database>, opts: AdminOpts): Promise<StaffAdminResult> {
  const now = opts.now ?? new Date();
  return administer(db, { ...opts, now }, async (trx, target) => {
    if (isSelf(opts.actor, target)) return { status: "self" };
    if (target.disabled_at !== null) return { status: "ok", changed: false, email: target.email };
    if (await isLastActiveAdmin(trx, target)) return { status: "last_admin" };
    await trx.updateTable("staff_users").set({ disabled_at: now }).where("id", "=", target.id).execute();
    // A set-up link not yet used ends too: re-enabling someone must not bring an old link back to life.
    await trx
      .updateTable("staff_invites")
      .set({ revoked_at: now, token_sealed: null })
      .where("staff_user_id", "=", target.id)
      .where("used_at", "is", null)
      .where("revoked_at", "is", null)
      .execute();
    const revoked = await revokeStaffSessions(trx, target.id, now);
    await audit(trx, opts.actor, "staff.disabled", target, { revoked }, now);
    return { status: "ok", changed: true, email: target.email };
  });
}

/** A disabled member may sign in again (with the password and authenticator they had). */
export function enableStaff(db: Kysely<Database>, opts: AdminOpts): Promise<StaffAdminResult> {
  const now = opts.now ?? new Date();
  return administer(db, { ...opts, now }, async (trx, target) => {
    if (target.disabled_at === null) return { status: "ok", changed: false, email: target.email };
    await trx.updateTable("staff_users").set({ disabled_at: null }).where("id", "=", target.id).execute();
    await audit(trx, opts.actor, "staff.enabled", target, {}, now);
    return { status: "ok", changed: true, email: target.email };
  });
}

/** A new role takes effect on the member's next request (the session reads the role every time). */
export function changeStaffRole(
  db: Kysely<Database>,
  opts: AdminOpts & { role: StaffRole },
): Promise<StaffAdminResult> {
  const now = opts.now ?? new Date();
  return administer(db, { ...opts, now }, async (trx, target) => {
    if (isSelf(opts.actor, target)) return { status: "self" };
    if (target.role === opts.role) return { status: "ok", changed: false, email: target.email };
    if (await isLastActiveAdmin(trx, target)) return { status: "last_admin" };
    await trx.updateTable("staff_users").set({ role: opts.role }).where("id", "=", target.id).execute();
    await audit(trx, opts.actor, "staff.role_changed", target, { from: target.role, to: opts.role }, now);
    return { status: "ok", changed: true, email: target.email };
  });
}

/**
 * A lost authenticator: the secret is forgotten and every session ends, so the next sign-in with the
 * password goes to the set-up page (a new password and a new authenticator) before anything opens. From the
 * CLI this is also how the last admin gets back in; an admin cannot reset their own from the console.
 */
export function resetStaffTotp(db: Kysely<Database>, opts: AdminOpts): Promise<StaffAdminResult> {
  const now = opts.now ?? new Date();
  return administer(db, { ...opts, now }, async (trx, target) => {
    if (isSelf(opts.actor, target)) return { status: "self" };
    await trx
      .updateTable("staff_users")
      .set({ totp_secret: null, totp_enabled_at: null })
      .where("id", "=", target.id)
      .execute();
    const revoked = await revokeStaffSessions(trx, target.id, now);
    await audit(trx, opts.actor, "staff.totp_reset", target, { revoked }, now);
    return { status: "ok", changed: true, email: target.email };
  });
}
