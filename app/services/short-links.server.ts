import type { Kysely, Transaction } from "kysely";
import type { Database } from "../../db/schema";
import { generateLinkCode, hashLinkCode, verifyLinkCode, type SigningKey } from "../domain/link-code.server";

type Db = Kysely<Database> | Transaction<Database>;

export const LINK_TTL_DAYS = 30;

export interface CreatedLink {
  id: string;
  code: string;
  url: string;
  expiresAt: Date;
}

/** Issues a new link for one borrower's account (and the message that will carry it). */
export async function createShortLink(
  db: Db,
  opts: { accountId: string; messageId?: string | null; keys: readonly SigningKey[]; baseUrl: string; now?: Date; ttlDays?: number },
): Promise<CreatedLink> {
  const now = opts.now ?? new Date();
  const account = await db.selectFrom("accounts").select(["id", "borrower_id"]).where("id", "=", opts.accountId).executeTakeFirst();
  if (!account) throw new Error(`account ${opts.accountId} not found`);
  const code = generateLinkCode(opts.keys);
  const expiresAt = new Date(now.getTime() + (opts.ttlDays ?? LINK_TTL_DAYS) * 86_400_000);
  const row = await db
    .insertInto("short_links")
    .values({
      code_hash: hashLinkCode(code),
      key_id: code[0]!,
      borrower_id: account.borrower_id,
      account_id: account.id,
      message_id: opts.messageId ?? null,
      expires_at: expiresAt,
      created_at: now,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return { id: row.id, code, url: `${opts.baseUrl.replace(/\/$/, "")}/r/${code}`, expiresAt };
}

export type ResolvedLink =
  | {
      status: "ok";
      link: { id: string; borrowerId: string; accountId: string; lockedUntil: Date | null; expiresAt: Date };
    }
  | { status: "invalid" | "expired" | "revoked" };

/**
 * Signature first (no database read for a forged code), then the stored row:
 * unknown, revoked and expired links are told apart so the page can say what to do.
 */
export async function resolveShortLink(db: Db, code: string, keys: readonly SigningKey[], now = new Date()): Promise<ResolvedLink> {
  if (!verifyLinkCode(code, keys).ok) return { status: "invalid" };
  const row = await db
    .selectFrom("short_links")
    .select(["id", "borrower_id", "account_id", "expires_at", "revoked_at", "locked_until"])
    .where("code_hash", "=", hashLinkCode(code))
    .executeTakeFirst();
  if (!row) return { status: "invalid" };
  if (row.revoked_at) return { status: "revoked" };
  if (row.expires_at <= now) return { status: "expired" };
  return {
    status: "ok",
    link: { id: row.id, borrowerId: row.borrower_id, accountId: row.account_id, lockedUntil: row.locked_until, expiresAt: row.expires_at },
  };
}

/** Counts an open; the first open is what the schedule and the funnel care about. */
export async function recordLinkOpen(db: Db, linkId: string, now = new Date()): Promise<{ firstOpen: boolean }> {
  const row = await db
    .updateTable("short_links")
    .set((eb) => ({
      open_count: eb("open_count", "+", 1),
      first_opened_at: eb.fn.coalesce("first_opened_at", eb.val(now)),
      last_opened_at: now,
    }))
    .where("id", "=", linkId)
    .returning(["open_count"])
    .executeTakeFirst();
  return { firstOpen: row?.open_count === 1 };
}

/** Opt-out, wrong number and closure revoke every live link of the account. */
export async function revokeAccountLinks(db: Db, accountId: string, reason: string, now = new Date()): Promise<number> {
  const result = await db
    .updateTable("short_links")
    .set({ revoked_at: now, revoked_reason: reason })
    .where("account_id", "=", accountId)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
