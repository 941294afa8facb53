import { sql, type Kysely, type RawBuilder, type Transaction } from "kysely";
import type { Database } from "../../db/schema";
import { executePrepared } from "../../db/connection";
import { timeOrderedId } from "../../db/ids";
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
      id: timeOrderedId(),
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
  const problem = linkProblem(row, now);
  if (problem) return { status: problem };
  return {
    status: "ok",
    link: { id: row.id, borrowerId: row.borrower_id, accountId: row.account_id, lockedUntil: row.locked_until, expiresAt: row.expires_at },
  };
}

/** Why a stored link cannot be used now, or null when it can. */
function linkProblem(row: { revoked_at: Date | null; expires_at: Date }, now: Date): "revoked" | "expired" | null {
  if (row.revoked_at) return "revoked";
  if (row.expires_at <= now) return "expired";
  return null;
}

/**
 * The landing's one round trip (it is the busiest page: every SMS tap lands here): the signature is
 * checked first (no read of the link for a forged code), then one statement finds the link, counts the
 * open when the link is usable, and reads the masked account and the borrower's language. Same outcomes
 * as resolveShortLink; an expired or revoked link is not counted. The first open is what the schedule
 * and the funnel care about.
 *
 * `brake` (a rate-limit check as SQL, see spentBudgetSql) is evaluated in the same statement: when it
 * yields a number the link is neither read nor counted and the answer is "rate_limited".
 */
export async function openShortLink(
  db: Db,
  code: string,
  keys: readonly SigningKey[],
  now = new Date(),
  brake: RawBuilder<number | null> = sql<null>`null::int`,
): Promise<
  | { status: "invalid" | "expired" | "revoked" }
  | { status: "rate_limited"; retryAfterSec: number }
  | {
      status: "ok";
      link: { id: string; borrowerId: string; accountId: string; lockedUntil: Date | null; openCount: number };
      account: { last4: string; product: string };
      /** The language the borrower's texts are written in (their preference, else their record's). */
      borrowerLocale: string | null;
    }
> {
  if (!verifyLinkCode(code, keys).ok) {
    const { rows } = await sql<{ retry_after_sec: number | null }>`select ${brake} as retry_after_sec`.execute(db);
    const retryAfterSec = rows[0]?.retry_after_sec;
    return retryAfterSec != null ? { status: "rate_limited", retryAfterSec } : { status: "invalid" };
  }
  const { rows } = await executePrepared(db, sql<{
    retry_after_sec: number | null;
    id: string | null;
    borrower_id: string;
    account_id: string;
    expires_at: Date;
    revoked_at: Date | null;
    locked_until: Date | null;
    open_count: number | null;
    last4: string;
    product: string;
    locale: string | null;
  }>`
    with brake as (
      select ${brake} as retry_after_sec
    ), link as (
      select id, borrower_id, account_id, expires_at, revoked_at, locked_until
      from short_links where code_hash = ${hashLinkCode(code)} and (select retry_after_sec from brake) is null
    ), opened as (
      update short_links s
      set open_count = s.open_count + 1, first_opened_at = coalesce(s.first_opened_at, ${now}), last_opened_at = ${now}
      from link
      where s.id = link.id and link.revoked_at is null and link.expires_at > ${now}
      returning s.open_count
    )
    select brake.retry_after_sec, found.*
    from brake left join (
      select link.*, opened.open_count, a.last4, a.product, coalesce(cp.preferred_locale, b.locale) as locale
      from link
      join accounts a on a.id = link.account_id and a.borrower_id = link.borrower_id
      join borrowers b on b.id = link.borrower_id
      left join contact_preferences cp on cp.borrower_id = link.borrower_id
      left join opened on true
    ) found on true
  `.compile(db));
  const found = rows[0]!;
  if (found.retry_after_sec != null) return { status: "rate_limited", retryAfterSec: found.retry_after_sec };
  if (found.id === null) return { status: "invalid" };
  const problem = linkProblem(found, now);
  if (problem) return { status: problem };
  return {
    status: "ok",
    link: { id: found.id, borrowerId: found.borrower_id, accountId: found.account_id, lockedUntil: found.locked_until, openCount: found.open_count! },
    account: { last4: found.last4, product: found.product },
    borrowerLocale: found.locale,
  };
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
