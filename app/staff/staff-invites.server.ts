import { createHash, randomBytes, randomUUID } from "node:crypto";
import { sql, type Kysely, type Transaction } from "kysely";
import type { Database, Locale, StaffRole } from "../../db/schema";
import { appendAudit } from "../platform/audit.server";
import { config } from "../platform/config.server";
import { jobPayload } from "../platform/request-context.server";
import { sealBytes, unsealBytes } from "../platform/secret-box.server";
import { emailTransport } from "../messaging/email-transport.server";
import { takeStaffAdminTurn, type StaffAdminActor } from "./staff-admin.server";

/**
 * Inviting a staff member (docs/product-rules.md §8.14): the member is created with no usable password and
 * a one-time set-up link that expires after INVITE_TTL_HOURS. Only the token's SHA-256 is stored; the link
 * is shown once to whoever invited (there is no email adapter) and never logged (the request log drops
 * query strings). Following it opens the first-sign-in page (/staff/setup): the member chooses a password
 * and enrols an authenticator. Inviting an address again before it is set up ends the older link.
 * Where this process can send email, the link is also emailed to the member (§8.17): the token is kept
 * sealed on the invite until the `staff:invite-email` job (staff-invite-email.server.ts) has sent it.
 */
const INVITE_TTL_HOURS = 72;
export const INVITE_TOKEN = /^[A-Za-z0-9_-]{43}$/;

const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");

export const STAFF_INVITE_EMAIL_TASK = "staff:invite-email";
/** Tries of the email job (graphile-worker backs off exponentially: about 2.5 hours in all). */
const INVITE_EMAIL_ATTEMPTS = 10;

// The token is a staff secret like a TOTP secret: sealed under that key, for this purpose, bound to the invite.
const tokenKey = () => ({ secret: config().totpEncryptionKey, purpose: "staff-invite-token" });
const tokenContext = (inviteId: string) => `staff_invites.token_sealed:${inviteId}`;

/** The sealed token of an invite; throws UnsealError when it does not open (altered, moved, key changed). */
export function unsealInviteToken(inviteId: string, sealed: Buffer): string {
  return unsealBytes(sealed, tokenKey(), tokenContext(inviteId));
}

export type InviteResult =
  | {
      status: "created" | "reissued";
      token: string;
      expiresAt: Date;
      /** Whether the link is also on its way by email (this process can send email). */
      emailing: boolean;
      user: { id: string; email: string; role: StaffRole };
    }
  /** The address belongs to a member who is set up already, or disabled: nothing was written. */
  | { status: "exists" };

export function inviteUrl(publicBaseUrl: string, token: string): string {
  return `${publicBaseUrl}/staff/invite?token=${token}`;
}

export async function inviteStaff(
  db: Kysely<Database>,
  opts: {
    actor: StaffAdminActor;
    email: string;
    role: StaffRole;
    name?: string;
    /** The invitation email's language (the inviter's choice, else the console's). */
    language?: Locale;
    now?: Date;
  },
): Promise<InviteResult> {
  const now = opts.now ?? new Date();
  const email = opts.email.trim().toLowerCase();
  const token = randomBytes(32).toString("base64url");
  const expiresAt = new Date(now.getTime() + INVITE_TTL_HOURS * 3_600_000);
  const emailing = emailTransport() !== null;
  const language = opts.language ?? "en";
  return db.transaction().execute(async (trx) => {
    // Two invitations of one new address at once: the second finds the first's member, not a duplicate.
    await takeStaffAdminTurn(trx);
    const existing = await trx
      .selectFrom("staff_users")
      .select(["id", "email", "role", "totp_enabled_at", "disabled_at"])
      .where("email", "=", email)
      .forUpdate()
      .executeTakeFirst();
    if (existing && (existing.totp_enabled_at !== null || existing.disabled_at !== null))
      return { status: "exists" as const };
    // A password nobody knows (not even an argon2 hash, so no password ever matches it) until set-up.
    const user =
      existing ??
      (await trx
        .insertInto("staff_users")
        .values({
          email,
          display_name: opts.name ?? email.split("@")[0] ?? email,
          role: opts.role,
          password_hash: `!invited:${randomBytes(16).toString("hex")}`,
        })
        .returning(["id", "email", "role"])
        .executeTakeFirstOrThrow());
    await issueLink(trx, {
      staffUserId: user.id,
      invitedBy: opts.actor.kind === "staff" ? opts.actor.user.id : null,
      token,
      expiresAt,
      email: emailing ? { language } : null,
      now,
    });
    const status = existing ? ("reissued" as const) : ("created" as const);
    await appendAudit(
      trx,
      {
        actorType: opts.actor.kind === "staff" ? "staff" : "system",
        actorId: opts.actor.kind === "staff" ? opts.actor.user.id : null,
        action: "staff.invited",
        subjectType: "staff_user",
        subjectId: user.id,
        detail: {
          role: user.role,
          reissued: status === "reissued",
          expiresAt: expiresAt.toISOString(),
          ...(emailing ? { emailLanguage: language } : {}),
          ...(opts.actor.kind === "cli" ? { via: "cli" } : {}),
        },
      },
      now,
    );
    return { status, token, expiresAt, emailing, user };
  });
}

/**
 * Ends the member's older links and stores the new one's hash; with an email to send, the token sealed
 * and the `staff:invite-email` job, in the invitation's transaction (the email is queued exactly when the
 * invitation exists).
 */
async function issueLink(
  trx: Transaction<Database>,
  opts: {
    staffUserId: string;
    invitedBy: string | null;
    token: string;
    expiresAt: Date;
    email: { language: Locale } | null;
    now: Date;
  },
) {
  await trx
    .updateTable("staff_invites")
    .set({ revoked_at: opts.now, token_sealed: null })
    .where("staff_user_id", "=", opts.staffUserId)
    .where("used_at", "is", null)
    .where("revoked_at", "is", null)
    .execute();
  const inviteId = randomUUID();
  await trx
    .insertInto("staff_invites")
    .values({
      id: inviteId,
      staff_user_id: opts.staffUserId,
      token_hash: sha256(opts.token),
      invited_by_staff_id: opts.invitedBy,
      created_at: opts.now,
      expires_at: opts.expiresAt,
      ...(opts.email
        ? {
            token_sealed: sealBytes(opts.token, tokenKey(), tokenContext(inviteId)),
            email_locale: opts.email.language,
          }
        : {}),
    })
    .execute();
  if (opts.email)
    await sql`select graphile_worker.add_job(${STAFF_INVITE_EMAIL_TASK}::text, ${jobPayload({ inviteId })}::json,
      max_attempts := ${INVITE_EMAIL_ATTEMPTS}, job_key := ${`staff-invite:${inviteId}`}::text)`.execute(trx);
}

export interface InvitedMember {
  id: string;
  email: string;
  passwordHash: string;
}

const liveInvite = (db: Kysely<Database> | Transaction<Database>, token: string, now: Date) =>
  db
    .selectFrom("staff_invites as i")
    .innerJoin("staff_users as u", "u.id", "i.staff_user_id")
    .select(["i.id as inviteId", "u.id", "u.email", "u.password_hash"])
    .where("i.token_hash", "=", sha256(token))
    .where("i.used_at", "is", null)
    .where("i.revoked_at", "is", null)
    .where("i.expires_at", ">", now)
    .where("u.disabled_at", "is", null)
    .where("u.totp_enabled_at", "is", null);

/** Whether a link is still good (the page a member lands on); reads only. */
export async function inviteIsLive(db: Kysely<Database>, token: string, now = new Date()): Promise<boolean> {
  if (!INVITE_TOKEN.test(token)) return false;
  return (await liveInvite(db, token, now).executeTakeFirst()) !== undefined;
}

/**
 * Spends the link: the member it names, who then goes on to set up a password and an authenticator
 * (a first-sign-in step, valid ten minutes). A used, ended or expired link, or a member since set up or
 * disabled, is null.
 */
export async function redeemInvite(
  db: Kysely<Database>,
  opts: { token: string; now?: Date },
): Promise<InvitedMember | null> {
  const now = opts.now ?? new Date();
  if (!INVITE_TOKEN.test(opts.token)) return null;
  return db.transaction().execute(async (trx) => {
    const row = await liveInvite(trx, opts.token, now).forUpdate("i").executeTakeFirst();
    if (!row) return null;
    await trx.updateTable("staff_invites").set({ used_at: now }).where("id", "=", row.inviteId).execute();
    await appendAudit(
      trx,
      {
        actorType: "staff",
        actorId: row.id,
        action: "staff.invite_used",
        subjectType: "staff_user",
        subjectId: row.id,
      },
      now,
    );
    return { id: row.id, email: row.email, passwordHash: row.password_hash };
  });
}

/** Members with a live set-up link, and when it ends (the users page). */
export async function liveInviteExpiries(db: Kysely<Database>, now = new Date()): Promise<Map<string, Date>> {
  const rows = await db
    .selectFrom("staff_invites")
    .select(["staff_user_id", "expires_at"])
    .where("used_at", "is", null)
    .where("revoked_at", "is", null)
    .where("expires_at", ">", now)
    .execute();
  return new Map(rows.map((r) => [r.staff_user_id, r.expires_at]));
}
