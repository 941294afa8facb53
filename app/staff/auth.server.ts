import { data, redirect, type AppLoadContext } from "@remix-run/node";
import { hash, verify, type Algorithm } from "@node-rs/argon2";
import { getTOTPAuthUri, verifyTOTP } from "@epic-web/totp";
import { randomBytes } from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import type { Database, StaffRole } from "../../db/schema";
import { config } from "../platform/config.server";
import { appendAudit } from "../platform/audit.server";
import { consume, peek, type RateLimitRule } from "../platform/rate-limit.server";
import {
  clearPair,
  MAX_PAIR_FAILURES,
  pairLockedUntil,
  recordPairFailure,
  throttlePair,
  type ThrottlePair,
} from "./login-throttle.server";
import {
  readStaffSession,
  revokeStaffSessions,
  startStaffSession,
  type PendingLogin,
  type StaffSessionInfo,
} from "./session.server";
import { openTotpSecret, sealTotpSecret } from "./totp-secrets.server";

/**
 * Staff sign-in (docs/product-rules.md §8.1): email + password (argon2id), then a TOTP
 * code from an authenticator app. A user who has not enrolled yet (a new user
 * with a one-time password) must choose a new password and enrol before any
 * console page opens. Wrong passwords and codes count towards a lockout per
 * (email, client address) pair (login-throttle.server.ts: 5 in a row lock the
 * pair for 15 minutes, doubling) and a per-IP limit, both kept in Postgres. An
 * email nobody has is counted and answered exactly like a real one.
 */
type Db = Kysely<Database> | Transaction<Database>;
/** Failed sign-in steps per client IP per 15 minutes, whichever accounts they target. */
export const LOGIN_IP_RULE: RateLimitRule = { points: 20, durationSec: 15 * 60 };

// OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane.
const ARGON2ID = 2 as Algorithm; // Algorithm.Argon2id (an ambient const enum, not importable as a value here)
const ARGON2_OPTIONS = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false; // a malformed stored hash is a failed match, not a crash
  }
}

// Unknown emails still pay for one argon2 verification, so timing does not reveal which emails exist.
let dummyHash: Promise<string> | undefined;
const dummyVerify = async (password: string) => {
  dummyHash ??= hashPassword(randomBytes(16).toString("hex"));
  await verifyPassword(await dummyHash, password);
};

/** A random one-time password for a new user (shown once by `staff:create`). */
export function generateOneTimePassword(): string {
  return randomBytes(12).toString("base64url"); // 16 characters, 96 bits
}

// ---- TOTP (RFC 6238: SHA-1, 6 digits, 30 s: what every authenticator app supports) ----

export const TOTP_PARAMS = { algorithm: "SHA-1", digits: 6, period: 30 } as const;

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
/** RFC 4648 base32 without padding (authenticator apps' format for secrets). */
function base32(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/** 160-bit secret, as RFC 4226 recommends. */
export function generateTotpSecret(): string {
  return base32(randomBytes(20));
}

export function totpAuthUri(secret: string, accountName: string): string {
  return getTOTPAuthUri({ ...TOTP_PARAMS, secret, accountName, issuer: `${config().BANK_NAME} Settle` });
}

const TOTP_CODE = /^\d{6}$/;

/**
 * Checks a code (one step of clock drift either way) and spends it: the same
 * code cannot be replayed within its lifetime (marker kept in rate_limits).
 */
async function checkTotp(db: Db, userId: string, secret: string, code: string, now: Date): Promise<boolean> {
  if (!TOTP_CODE.test(code)) return false;
  const match = await verifyTOTP({ otp: code, secret, ...TOTP_PARAMS, window: 1 });
  if (!match) return false;
  const step = Math.floor(now.getTime() / 1000 / TOTP_PARAMS.period) + match.delta;
  const firstUse = await consume(db, `staff-totp-used:${userId}:${step}`, {
    points: 1,
    durationSec: 3 * TOTP_PARAMS.period,
  });
  return firstUse.ok;
}

// ---- Sign-in steps ----

export type LoginFailure =
  | { status: "rate_limited"; retryAfterSec: number }
  | { status: "invalid" }
  | { status: "locked"; until: Date };

export type PasswordLoginResult =
  LoginFailure | { status: "ok"; user: { id: string; passwordHash: string }; next: "totp" | "setup" };

const ipKey = (ip: string) => `staff-login:ip:${ip}`;

export async function attemptPasswordLogin(
  db: Kysely<Database>,
  opts: { email: string; password: string; ip: string; now?: Date },
): Promise<PasswordLoginResult> {
  const now = opts.now ?? new Date();
  const limited = await peek(db, ipKey(opts.ip), LOGIN_IP_RULE);
  if (!limited.ok) return { status: "rate_limited", retryAfterSec: limited.retryAfterSec };
  // Before the account is looked up: a locked pair answers the same whether the email exists or not.
  const pair = throttlePair(opts.email, opts.ip);
  const lockedUntil = await pairLockedUntil(db, pair, now);
  if (lockedUntil) return { status: "locked", until: lockedUntil };

  const user = await db
    .selectFrom("staff_users")
    .select(["id", "password_hash", "totp_enabled_at"])
    .where("email", "=", opts.email.trim().toLowerCase())
    .where("disabled_at", "is", null)
    .executeTakeFirst();
  if (!user) {
    await dummyVerify(opts.password);
    await consume(db, ipKey(opts.ip), LOGIN_IP_RULE);
    return recordFailure(db, pair, null, "password", now);
  }
  if (!(await verifyPassword(user.password_hash, opts.password))) {
    await consume(db, ipKey(opts.ip), LOGIN_IP_RULE);
    return recordFailure(db, pair, user.id, "password", now);
  }
  // The count resets only when the whole sign-in succeeds: a password alone must not reset code guesses.
  return {
    status: "ok",
    user: { id: user.id, passwordHash: user.password_hash },
    next: user.totp_enabled_at ? "totp" : "setup",
  };
}

/** One more failure for the pair; the fifth in a row locks it. Audited when the email is a staff member's. */
async function recordFailure(
  db: Kysely<Database>,
  pair: ThrottlePair,
  userId: string | null,
  step: "password" | "totp",
  now: Date,
): Promise<LoginFailure> {
  return db.transaction().execute(async (trx) => {
    const { failures, lockedUntil } = await recordPairFailure(trx, pair, now);
    if (userId) {
      await appendAudit(
        trx,
        {
          actorType: "staff",
          actorId: userId,
          action: lockedUntil ? "staff.locked_out" : "staff.login_failed",
          subjectType: "staff_user",
          subjectId: userId,
          detail: {
            step,
            failures: Math.min(failures, MAX_PAIR_FAILURES),
            ...(lockedUntil ? { until: lockedUntil.toISOString() } : {}),
          },
        },
        now,
      );
    }
    return lockedUntil ? { status: "locked" as const, until: lockedUntil } : { status: "invalid" as const };
  });
}

async function signedIn(
  trx: Transaction<Database>,
  userId: string,
  opts: { pair: ThrottlePair; ip: string; userAgent: string | null; now: Date; action: string },
): Promise<string> {
  await clearPair(trx, opts.pair);
  const setCookie = await startStaffSession(trx, {
    userId,
    ip: opts.ip,
    userAgent: opts.userAgent,
    now: opts.now,
  });
  await appendAudit(
    trx,
    {
      actorType: "staff",
      actorId: userId,
      action: opts.action,
      subjectType: "staff_user",
      subjectId: userId,
    },
    opts.now,
  );
  return setCookie;
}

/** The checks every second step makes first: the client's limit, then the pair's lockout. */
async function secondStepBlocked(
  db: Kysely<Database>,
  pair: ThrottlePair,
  ip: string,
  now: Date,
): Promise<LoginFailure | null> {
  const limited = await peek(db, ipKey(ip), LOGIN_IP_RULE);
  if (!limited.ok) return { status: "rate_limited", retryAfterSec: limited.retryAfterSec };
  const lockedUntil = await pairLockedUntil(db, pair, now);
  return lockedUntil ? { status: "locked", until: lockedUntil } : null;
}

export type SecondStepResult = LoginFailure | { status: "ok"; setCookie: string };

/** Second step for an enrolled user: the authenticator code. Success starts the session. */
export async function attemptTotpLogin(
  db: Kysely<Database>,
  pending: PendingLogin,
  opts: { code: string; ip: string; userAgent: string | null; now?: Date },
): Promise<SecondStepResult> {
  const now = opts.now ?? new Date();
  const pair = throttlePair(pending.user.email, opts.ip);
  const blocked = await secondStepBlocked(db, pair, opts.ip, now);
  if (blocked) return blocked;
  const secret = pending.user.totpSecret;
  if (!secret || !(await checkTotp(db, pending.user.id, secret, opts.code.trim(), now))) {
    await consume(db, ipKey(opts.ip), LOGIN_IP_RULE);
    return recordFailure(db, pair, pending.user.id, "totp", now);
  }
  const setCookie = await db
    .transaction()
    .execute((trx) => signedIn(trx, pending.user.id, { ...opts, pair, now, action: "staff.signed_in" }));
  return { status: "ok", setCookie };
}

/** The secret shown on the enrolment page; kept (sealed) until enrolment succeeds so a reload shows the same one. */
export async function enrolmentSecret(db: Kysely<Database>, pending: PendingLogin): Promise<string> {
  if (pending.user.totpSecret) return pending.user.totpSecret;
  const secret = generateTotpSecret();
  const row = await db
    .updateTable("staff_users")
    .set({ totp_secret: sealTotpSecret(pending.user.id, secret) })
    .where("id", "=", pending.user.id)
    .where("totp_enabled_at", "is", null)
    .where("totp_secret", "is", null)
    .returning("id")
    .executeTakeFirst();
  if (row) return secret;
  // Another request set it first: show that one.
  const current = await db
    .selectFrom("staff_users")
    .select("totp_secret")
    .where("id", "=", pending.user.id)
    .executeTakeFirstOrThrow();
  return current.totp_secret === null ? secret : openTotpSecret(pending.user.id, current.totp_secret);
}

export type SetupResult = LoginFailure | { status: "same_password" } | { status: "ok"; setCookie: string };

/**
 * First sign-in: replace the one-time password and enrol TOTP in one step;
 * proving a code from the app is what completes enrolment. Any older session is revoked.
 */
export async function completeFirstLogin(
  db: Kysely<Database>,
  pending: PendingLogin,
  opts: { newPassword: string; code: string; ip: string; userAgent: string | null; now?: Date },
): Promise<SetupResult> {
  const now = opts.now ?? new Date();
  const pair = throttlePair(pending.user.email, opts.ip);
  const blocked = await secondStepBlocked(db, pair, opts.ip, now);
  if (blocked) return blocked;
  if (await verifyPassword(pending.user.passwordHash, opts.newPassword)) return { status: "same_password" };
  const secret = pending.user.totpSecret;
  if (!secret || !(await checkTotp(db, pending.user.id, secret, opts.code.trim(), now))) {
    await consume(db, ipKey(opts.ip), LOGIN_IP_RULE);
    return recordFailure(db, pair, pending.user.id, "totp", now);
  }
  const passwordHash = await hashPassword(opts.newPassword);
  const setCookie = await db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable("staff_users")
      .set({ password_hash: passwordHash, totp_enabled_at: now })
      .where("id", "=", pending.user.id)
      .where("totp_enabled_at", "is", null)
      .where("password_hash", "=", pending.user.passwordHash)
      .returning("id")
      .executeTakeFirst();
    if (!updated) return null; // finished in another tab meanwhile
    await revokeStaffSessions(trx, pending.user.id, now);
    return signedIn(trx, pending.user.id, { ...opts, pair, now, action: "staff.enrolled" });
  });
  return setCookie ? { status: "ok", setCookie } : { status: "invalid" };
}

// ---- Access control for every console loader and action ----

/** Only same-console paths are followed after sign-in (no open redirect). */
export function safeNextPath(value: unknown): string | null {
  if (typeof value !== "string" || value.length > 300) return null;
  return /^\/staff(\/[A-Za-z0-9._~$-]+)*\/?$/.test(value) && !value.startsWith("/staff/login") ? value : null;
}

/**
 * The signed-in staff member, if their role is one of `roles`. Nobody signed in:
 * redirect to the login page. Wrong role: 403.
 */
export async function requireStaff(
  context: Pick<AppLoadContext, "db">,
  request: Request,
  opts: { roles: readonly StaffRole[] },
): Promise<StaffSessionInfo> {
  const session = await readStaffSession(context.db, request);
  if (!session) {
    const path = new URL(request.url).pathname;
    const next = request.method === "GET" ? safeNextPath(path) : null;
    throw redirect(
      next && next !== "/staff" && next !== "/staff/"
        ? `/staff/login?next=${encodeURIComponent(next)}`
        : "/staff/login",
      {
        headers: { "Cache-Control": "no-store" },
      },
    );
  }
  assertRole(session, opts.roles);
  return session;
}

export function assertRole(session: StaffSessionInfo, roles: readonly StaffRole[]): void {
  if (!roles.includes(session.user.role)) throw forbidden();
}

function forbidden() {
  return data({ reason: "forbidden" as const }, { status: 403, headers: { "Cache-Control": "no-store" } });
}

/** The client address the HTTP server saw (see app/server/http.server.ts), for per-IP limits and session records. */
export { clientIp } from "../platform/rate-limit.server";
