import { createCookie, redirect } from "@remix-run/node";
import { createHash, randomBytes } from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import type { Database, StaffRole } from "../../db/schema";
import { config } from "../platform/config.server";
import { logger } from "../platform/logger.server";
import { UnsealError } from "../platform/secret-box.server";
import { openTotpSecret } from "./totp-secrets.server";

/**
 * Staff sessions (docs/product-rules.md §8.2): a random token in an HttpOnly, SameSite=Strict
 * cookie (Secure in production, signed with SESSION_SECRET, scoped to /staff);
 * only its SHA-256 lives in staff_sessions, so a database leak yields no usable
 * session. 30 minutes idle, 12 hours absolute, revocable row by row.
 */
export const STAFF_IDLE_MS = 30 * 60_000;
export const STAFF_ABSOLUTE_MS = 12 * 60 * 60_000;
/** Between the password and the second step (TOTP code, or first-login set-up). */
const PENDING_LOGIN_MS = 10 * 60_000;
// Writing last_seen_at on every request would turn reads into writes; a minute's slack is harmless.
const TOUCH_AFTER_MS = 60_000;

type Db = Kysely<Database> | Transaction<Database>;

let sessionCookie: ReturnType<typeof createCookie> | undefined;
let pendingCookie: ReturnType<typeof createCookie> | undefined;

/**
 * In production the staff cookies carry the `__Secure-` prefix (browsers accept them only with Secure, from
 * an https response); not `__Host-`, which requires Path=/, and these stay scoped to /staff.
 */
const staffCookieName = (name: string) => (config().isProduction ? `__Secure-${name}` : name);

function staffCookie() {
  sessionCookie ??= createCookie(staffCookieName("settle_staff"), {
    httpOnly: true,
    sameSite: "strict",
    secure: config().isProduction,
    path: "/staff",
    secrets: [config().sessionSecret],
    maxAge: STAFF_ABSOLUTE_MS / 1000,
  });
  return sessionCookie;
}

function pendingLoginCookie() {
  pendingCookie ??= createCookie(staffCookieName("settle_staff_pending"), {
    httpOnly: true,
    sameSite: "strict",
    secure: config().isProduction,
    path: "/staff",
    secrets: [config().sessionSecret],
    maxAge: PENDING_LOGIN_MS / 1000,
  });
  return pendingCookie;
}

const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");

export interface StaffIdentity {
  id: string;
  email: string;
  displayName: string;
  role: StaffRole;
}

export interface StaffSessionInfo {
  sessionId: string;
  user: StaffIdentity;
}

export async function startStaffSession(
  db: Db,
  opts: { userId: string; ip?: string | null; userAgent?: string | null; now?: Date },
): Promise<string> {
  const now = opts.now ?? new Date();
  const token = randomBytes(32).toString("base64url");
  await db
    .insertInto("staff_sessions")
    .values({
      id: sha256(token),
      staff_user_id: opts.userId,
      created_at: now,
      last_seen_at: now,
      expires_at: new Date(now.getTime() + STAFF_ABSOLUTE_MS),
      ip: opts.ip ?? null,
      user_agent: opts.userAgent ? opts.userAgent.slice(0, 512) : null,
    })
    .execute();
  return staffCookie().serialize(token);
}

async function tokenFrom(request: Request): Promise<string | null> {
  const token: unknown = await staffCookie().parse(request.headers.get("Cookie"));
  return typeof token === "string" && token.length >= 20 ? token : null;
}

/** The signed-in staff member, or null (no cookie, unknown, revoked, idle, expired, disabled or not enrolled). */
export async function readStaffSession(
  db: Db,
  request: Request,
  now = new Date(),
): Promise<StaffSessionInfo | null> {
  const token = await tokenFrom(request);
  if (!token) return null;
  const row = await db
    .selectFrom("staff_sessions")
    .innerJoin("staff_users", "staff_users.id", "staff_sessions.staff_user_id")
    .select([
      "staff_sessions.id as sessionId",
      "staff_sessions.last_seen_at",
      "staff_users.id",
      "staff_users.email",
      "staff_users.display_name",
      "staff_users.role",
    ])
    .where("staff_sessions.id", "=", sha256(token))
    .where("staff_sessions.revoked_at", "is", null)
    .where("staff_sessions.expires_at", ">", now)
    .where("staff_sessions.last_seen_at", ">", new Date(now.getTime() - STAFF_IDLE_MS))
    .where("staff_users.disabled_at", "is", null)
    .where("staff_users.totp_enabled_at", "is not", null)
    .executeTakeFirst();
  if (!row) return null;
  if (now.getTime() - row.last_seen_at.getTime() > TOUCH_AFTER_MS) {
    await db
      .updateTable("staff_sessions")
      .set({ last_seen_at: now })
      .where("id", "=", row.sessionId)
      .execute();
  }
  return {
    sessionId: row.sessionId,
    user: { id: row.id, email: row.email, displayName: row.display_name, role: row.role },
  };
}

/** Sign-out: revokes this session's row and returns a Set-Cookie that clears the cookie. */
export async function endStaffSession(db: Db, request: Request, now = new Date()): Promise<string> {
  const token = await tokenFrom(request);
  if (token) {
    await db
      .updateTable("staff_sessions")
      .set({ revoked_at: now })
      .where("id", "=", sha256(token))
      .where("revoked_at", "is", null)
      .execute();
  }
  return staffCookie().serialize("", { maxAge: 0 });
}

/** Revokes every live session of one staff member (admin action, password change). */
export async function revokeStaffSessions(db: Db, staffUserId: string, now = new Date()): Promise<number> {
  const result = await db
    .updateTable("staff_sessions")
    .set({ revoked_at: now })
    .where("staff_user_id", "=", staffUserId)
    .where("revoked_at", "is", null)
    .where("expires_at", ">", now)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

// ---- Between the password and the second step ----

export type PendingStep = "totp" | "setup";

interface PendingPayload {
  uid: string;
  step: PendingStep;
  /** Expiry, epoch ms (the cookie's Max-Age is only advice to the browser). */
  exp: number;
  /** Fingerprint of the password hash it was issued for: a password change voids it. */
  pw: string;
  next?: string;
}

const passwordFingerprint = (passwordHash: string) => sha256(passwordHash).slice(0, 16);

export async function startPendingLogin(opts: {
  userId: string;
  step: PendingStep;
  passwordHash: string;
  next?: string | null;
  now?: Date;
}): Promise<string> {
  const now = opts.now ?? new Date();
  const payload: PendingPayload = {
    uid: opts.userId,
    step: opts.step,
    exp: now.getTime() + PENDING_LOGIN_MS,
    pw: passwordFingerprint(opts.passwordHash),
    ...(opts.next ? { next: opts.next } : {}),
  };
  return pendingLoginCookie().serialize(payload);
}

export interface PendingLogin {
  step: PendingStep;
  next: string | null;
  user: {
    id: string;
    email: string;
    displayName: string;
    role: StaffRole;
    passwordHash: string;
    totpSecret: string | null;
    totpEnabled: boolean;
  };
}

/** The half-finished login this browser carries, re-checked against the database. */
async function readPendingLogin(db: Db, request: Request, now = new Date()): Promise<PendingLogin | null> {
  const raw: unknown = await pendingLoginCookie().parse(request.headers.get("Cookie"));
  if (!raw || typeof raw !== "object") return null;
  const p = raw as Partial<PendingPayload>;
  if (
    typeof p.uid !== "string" ||
    (p.step !== "totp" && p.step !== "setup") ||
    typeof p.exp !== "number" ||
    p.exp <= now.getTime()
  ) {
    return null;
  }
  if (!/^[0-9a-f-]{36}$/.test(p.uid)) return null;
  const user = await db
    .selectFrom("staff_users")
    .select(["id", "email", "display_name", "role", "password_hash", "totp_secret", "totp_enabled_at"])
    .where("id", "=", p.uid)
    .where("disabled_at", "is", null)
    .executeTakeFirst();
  if (!user || passwordFingerprint(user.password_hash) !== p.pw) return null;
  // A "setup" cookie is void once enrolled, and a "totp" cookie needs an enrolled user.
  if ((p.step === "setup") === (user.totp_enabled_at !== null)) return null;
  const totpSecret = readableTotpSecret(user);
  if (totpSecret === undefined) return null;
  return {
    step: p.step,
    next: typeof p.next === "string" ? p.next : null,
    user: {
      id: user.id,
      email: user.email,
      displayName: user.display_name,
      role: user.role,
      passwordHash: user.password_hash,
      totpSecret,
      totpEnabled: user.totp_enabled_at !== null,
    },
  };
}

/**
 * The user's TOTP secret (null before enrolment), or undefined when the stored value does not open: altered
 * or copied from another row, or TOTP_ENCRYPTION_KEY changed. That sign-in cannot go on; it is logged for
 * the operators rather than counted as the user's failure.
 */
function readableTotpSecret(user: { id: string; totp_secret: string | null }): string | null | undefined {
  if (user.totp_secret === null) return null;
  try {
    return openTotpSecret(user.id, user.totp_secret);
  } catch (error) {
    if (!(error instanceof UnsealError)) throw error;
    logger.error({ staffUserId: user.id, err: error.message }, "stored TOTP secret does not open");
    return undefined;
  }
}

export function clearPendingLogin(): Promise<string> {
  return pendingLoginCookie().serialize("", { maxAge: 0 });
}

/** For the second-step pages: the half-finished sign-in at that step, or back to the login page. */
export async function requirePendingLogin(
  db: Db,
  request: Request,
  step: PendingStep,
): Promise<PendingLogin> {
  const pending = await readPendingLogin(db, request);
  if (!pending || pending.step !== step)
    throw redirect("/staff/login", { headers: { "Cache-Control": "no-store" } });
  return pending;
}
