import { createHmac } from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import type { Database } from "../../db/schema";
import { config } from "../platform/config.server";

/**
 * Failed staff sign-in steps, counted per pair of (email as typed, client address) in
 * staff_login_throttles (migration 0012). Counting per account let anyone keep any staff account
 * locked, and answering "locked" only for real accounts told them which emails exist. Per pair, an
 * address that guesses locks only itself out of that account, and an email nobody has is counted
 * and locked exactly like a real one, so every answer is the same for both.
 *
 * The fifth failure in a row locks the pair for 15 minutes; each further lockout of the same pair
 * lasts twice as long as the one before (up to a day). A pair quiet for a day after its last
 * failure and lockout starts afresh; a completed sign-in clears it.
 */
export const MAX_PAIR_FAILURES = 5;
export const FIRST_LOCKOUT_MS = 15 * 60_000;
const MAX_LOCKOUT_MS = 24 * 60 * 60_000;
const FORGET_AFTER_MS = 24 * 60 * 60_000;

type Db = Kysely<Database> | Transaction<Database>;

export interface ThrottlePair {
  emailHash: string;
  client: string;
}

/** The pair a sign-in step counts against. The email is kept only as a keyed hash. */
export function throttlePair(email: string, client: string): ThrottlePair {
  const emailHash = createHmac("sha256", config().sessionSecret)
    .update(`staff-login:${email.trim().toLowerCase()}`)
    .digest("hex");
  return { emailHash, client: client.slice(0, 100) || "unknown" };
}

/** When the pair is locked out, until when; otherwise null. */
export async function pairLockedUntil(db: Db, pair: ThrottlePair, now: Date): Promise<Date | null> {
  const row = await db
    .selectFrom("staff_login_throttles")
    .select("locked_until")
    .where("email_hash", "=", pair.emailHash)
    .where("client", "=", pair.client)
    .where("locked_until", ">", now)
    .executeTakeFirst();
  return row?.locked_until ?? null;
}

/** Lockout number `n` (0 for the first) lasts 15 minutes × 2^n, at most a day. */
function lockoutMs(previousLockouts: number): number {
  return Math.min(MAX_LOCKOUT_MS, FIRST_LOCKOUT_MS * 2 ** Math.min(previousLockouts, 16));
}

/** Counts one failure for the pair, inside the caller's transaction; locks it on the fifth in a row. */
export async function recordPairFailure(
  trx: Transaction<Database>,
  pair: ThrottlePair,
  now: Date,
): Promise<{ failures: number; lockedUntil: Date | null }> {
  const row = await trx
    .selectFrom("staff_login_throttles")
    .select(["failures", "lockouts", "locked_until", "updated_at"])
    .where("email_hash", "=", pair.emailHash)
    .where("client", "=", pair.client)
    .forUpdate()
    .executeTakeFirst();
  const quietSince = row ? Math.max(row.updated_at.getTime(), row.locked_until?.getTime() ?? 0) : 0;
  const fresh = !row || quietSince < now.getTime() - FORGET_AFTER_MS;
  const failures = (fresh ? 0 : row.failures) + 1;
  const lockouts = fresh ? 0 : row.lockouts;
  const lock = failures >= MAX_PAIR_FAILURES;
  const lockedUntil = lock ? new Date(now.getTime() + lockoutMs(lockouts)) : null;
  const values = {
    failures: lock ? 0 : failures,
    lockouts: lock ? lockouts + 1 : lockouts,
    locked_until: lockedUntil,
    updated_at: now,
  };
  await trx
    .insertInto("staff_login_throttles")
    .values({ email_hash: pair.emailHash, client: pair.client, ...values })
    .onConflict((oc) => oc.columns(["email_hash", "client"]).doUpdateSet(values))
    .execute();
  return { failures, lockedUntil };
}

/** A completed sign-in forgets the pair's failures and lockouts. */
export async function clearPair(db: Db, pair: ThrottlePair): Promise<void> {
  await db
    .deleteFrom("staff_login_throttles")
    .where("email_hash", "=", pair.emailHash)
    .where("client", "=", pair.client)
    .execute();
}

/** Pairs that would start afresh anyway (quiet for a day since their last failure and lockout): deleted. */
export async function pruneLoginThrottles(db: Db, now: Date): Promise<number> {
  const forgotten = new Date(now.getTime() - FORGET_AFTER_MS);
  const result = await db
    .deleteFrom("staff_login_throttles")
    .where("updated_at", "<", forgotten)
    .where((eb) => eb.or([eb("locked_until", "is", null), eb("locked_until", "<", forgotten)]))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
