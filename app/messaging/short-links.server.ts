import { sql, type ExpressionBuilder, type Kysely, type Transaction } from "kysely";
import type { Database } from "../../db/schema";
import { executePrepared } from "../../db/connection";
import { timeOrderedId } from "../platform/ids.server";
import { pgArray } from "../../db/pg-array";
import { spentBudgetSql, type RateLimitRule } from "../platform/rate-limit.server";
import { config } from "../platform/config.server";
import {
  generateLinkCode,
  hashLinkCode,
  storedLinkCodeHashes,
  verifyLinkCode,
  type SigningKey,
} from "../domain/link-code.server";

type Db = Kysely<Database> | Transaction<Database>;

export const LINK_TTL_DAYS = 30;

/**
 * A link's first open is audited as evidence of delivery (feedback.server.ts auditLinkOpened). The
 * audit row is appended by this job, not on the request: the hash chain serialises every writer, and
 * the landing is the page every SMS tap hits at once. The job is queued by the statement that counts
 * the open, carries the open's time, and its key makes a repeated first open one job.
 */
export const LINK_OPENED_AUDIT_TASK = "audit:link-opened";

export interface CreatedLink {
  id: string;
  code: string;
  url: string;
  expiresAt: Date;
}

/** Issues a new link for one borrower's account (and the message that will carry it). */
export async function createShortLink(
  db: Db,
  opts: {
    accountId: string;
    messageId?: string | null;
    keys: readonly SigningKey[];
    baseUrl: string;
    now?: Date;
    ttlDays?: number;
  },
): Promise<CreatedLink> {
  const now = opts.now ?? new Date();
  const account = await db
    .selectFrom("accounts")
    .select(["id", "borrower_id"])
    .where("id", "=", opts.accountId)
    .executeTakeFirst();
  if (!account) throw new Error(`account ${opts.accountId} not found`);
  const code = generateLinkCode(opts.keys);
  const expiresAt = new Date(now.getTime() + (opts.ttlDays ?? LINK_TTL_DAYS) * 86_400_000);
  const row = await db
    .insertInto("short_links")
    .values({
      id: timeOrderedId(),
      code_hash: hashLinkCode(code, config().linkHashKey),
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
export async function resolveShortLink(
  db: Db,
  code: string,
  keys: readonly SigningKey[],
  now = new Date(),
): Promise<ResolvedLink> {
  if (!verifyLinkCode(code, keys).ok) return { status: "invalid" };
  const row = await db
    .selectFrom("short_links")
    .select(["id", "borrower_id", "account_id", "expires_at", "revoked_at", "locked_until"])
    .where("code_hash", "in", storedLinkCodeHashes(code, config().linkHashKey))
    .executeTakeFirst();
  if (!row) return { status: "invalid" };
  const problem = linkProblem(row, now);
  if (problem) return { status: problem };
  return {
    status: "ok",
    link: {
      id: row.id,
      borrowerId: row.borrower_id,
      accountId: row.account_id,
      lockedUntil: row.locked_until,
      expiresAt: row.expires_at,
    },
  };
}

/** Why a stored link cannot be used now, or null when it can. */
function linkProblem(
  row: { revoked_at: Date | null; expires_at: Date },
  now: Date,
): "revoked" | "expired" | null {
  if (row.revoked_at) return "revoked";
  if (row.expires_at <= now) return "expired";
  return null;
}

export type OpenedLink =
  | { status: "invalid" | "expired" | "revoked" }
  | { status: "rate_limited"; retryAfterSec: number }
  | {
      status: "ok";
      link: {
        id: string;
        borrowerId: string;
        accountId: string;
        lockedUntil: Date | null;
        openCount: number;
      };
      account: { last4: string; product: string };
      /** The language the borrower's texts are written in (their preference, else their record's). */
      borrowerLocale: string | null;
    };

export interface LinkOpen {
  code: string;
  /** A rate-limit key (see `brakeRule`): when its budget is spent the link is neither read nor counted. */
  brakeKey?: string;
  /** The request opening the link: its first open's audit job carries it (app/platform/request-context.server.ts). */
  requestId?: string;
}

/**
 * The landing's one round trip, for a batch of opens (app/portal/landing.server.ts sends the opens
 * that arrive together as one: group-commit.server.ts). Each open's signature is checked first (no
 * read of the link for a forged code); then one statement checks each client's brake (a rate-limit
 * budget, see spentBudgetSql; when spent, the open is "rate_limited" and its link neither read nor
 * counted), finds each link, counts the opens of the usable ones (an expired or revoked link is not
 * counted), queues the audit of each link's first open (in the same statement, so an open is never
 * counted without its audit), and reads each masked account and the borrower's language. Same
 * outcomes as resolveShortLink. Opens of one link in one batch are counted in the batch's order.
 */
export async function openShortLinks(
  db: Db,
  opens: readonly LinkOpen[],
  keys: readonly SigningKey[],
  opts: { now?: Date; brakeRule?: RateLimitRule } = {},
): Promise<OpenedLink[]> {
  if (opens.length === 0) return [];
  const now = opts.now ?? new Date();
  const signed = opens.map((open) => verifyLinkCode(open.code, keys).ok);
  const { rows } = await executePrepared(
    db,
    openLinksStatement(opens, signed, now, opts.brakeRule).compile(db),
  );
  if (rows.length !== opens.length)
    throw new Error(`openShortLinks: ${opens.length} opens, ${rows.length} rows`);
  return openedLinks(rows, signed, now);
}

type OpenRow = {
  retry_after_sec: number | null;
  id: string | null;
  borrower_id: string;
  account_id: string;
  expires_at: Date;
  revoked_at: Date | null;
  locked_until: Date | null;
  opened_before: number | null;
  last4: string;
  product: string;
  locale: string | null;
};

/** openShortLinks' one statement: one row per open, in the opens' order. */
function openLinksStatement(
  opens: readonly LinkOpen[],
  signed: readonly boolean[],
  now: Date,
  brakeRule: RateLimitRule | undefined,
) {
  // Each open looks for its code under the keyed hash and, for links issued before it, the legacy one.
  const hashKey = config().linkHashKey;
  const hashes = opens.map((open, i) => (signed[i] ? storedLinkCodeHashes(open.code, hashKey) : null));
  const brakeKeys = opens.map((open) => (brakeRule ? (open.brakeKey ?? null) : null));
  const requestIds = opens.map((open) => open.requestId ?? null);
  const brake = brakeRule ? spentBudgetSql(sql.ref("req.brake_key"), brakeRule, now) : sql<null>`null::int`;
  return sql<OpenRow>`
    with req as (
      select * from unnest(${pgArray(hashes.map((h) => h?.[0] ?? null))}::text[], ${pgArray(hashes.map((h) => h?.[1] ?? null))}::text[],
        ${pgArray(brakeKeys)}::text[], ${pgArray(requestIds)}::text[]) with ordinality as r(code_hash, legacy_hash, brake_key, request_id, n)
    ), braked as (
      select req.n, req.code_hash, req.legacy_hash, req.request_id, ${brake} as retry_after_sec from req
    ), link as (
      select b.n, b.request_id, s.id, s.borrower_id, s.account_id, s.expires_at, s.revoked_at, s.locked_until
      from braked b join short_links s on s.code_hash in (b.code_hash, b.legacy_hash)
      where b.retry_after_sec is null
    ), opens as (
      select id, count(*)::int as opens, min(request_id) as request_id from link
      where revoked_at is null and expires_at > ${now} group by id
    ), opened as (
      update short_links s
      set open_count = s.open_count + o.opens, first_opened_at = coalesce(s.first_opened_at, ${now}), last_opened_at = ${now}
      from opens o
      where s.id = o.id
      returning s.id, s.borrower_id, s.account_id, s.open_count - o.opens as opened_before, o.request_id
    ), audited as (
      select graphile_worker.add_job(${LINK_OPENED_AUDIT_TASK}::text,
        json_strip_nulls(json_build_object('linkId', id, 'borrowerId', borrower_id, 'accountId', account_id,
          'at', ${now.toISOString()}::text, 'requestId', request_id)),
        max_attempts := 25, job_key := ${`${LINK_OPENED_AUDIT_TASK}:`}::text || id)
      from opened where opened_before = 0
    )
    select braked.retry_after_sec, found.*
    from braked
    cross join (select count(*) from audited) audit_jobs
    left join (
      select link.*, opened.opened_before, a.last4, a.product, coalesce(cp.preferred_locale, b.locale) as locale
      from link
      join accounts a on a.id = link.account_id and a.borrower_id = link.borrower_id
      join borrowers b on b.id = link.borrower_id
      left join contact_preferences cp on cp.borrower_id = link.borrower_id
      left join opened on opened.id = link.id
    ) found on found.n = braked.n
    order by braked.n
  `;
}

/** Each open's outcome from its row; opens of one link in one batch are counted in the batch's order. */
function openedLinks(rows: OpenRow[], signed: readonly boolean[], now: Date): OpenedLink[] {
  const countedInBatch = new Map<string, number>();
  return rows.map((found, i): OpenedLink => {
    if (found.retry_after_sec != null)
      return { status: "rate_limited", retryAfterSec: found.retry_after_sec };
    if (!signed[i] || found.id === null) return { status: "invalid" };
    const problem = linkProblem(found, now);
    if (problem) return { status: problem };
    const earlier = countedInBatch.get(found.id) ?? 0;
    countedInBatch.set(found.id, earlier + 1);
    return {
      status: "ok",
      link: {
        id: found.id,
        borrowerId: found.borrower_id,
        accountId: found.account_id,
        lockedUntil: found.locked_until,
        openCount: found.opened_before! + earlier + 1,
      },
      account: { last4: found.last4, product: found.product },
      borrowerLocale: found.locale,
    };
  });
}

/**
 * Revokes every live link of the given accounts or borrowers (opt-out, wrong number, closure, a new
 * phone number) and ends the borrower sessions opened on them in the same transaction: a session
 * must not outlive the link it was opened with. `keepSessionId` spares the session whose own borrower
 * asked for this (stopping texts from the portal keeps them signed in to see it done).
 */
export async function revokeLinks(
  db: Db,
  scope: { accountIds?: readonly string[]; borrowerIds?: readonly string[] },
  reason: string,
  now = new Date(),
  opts: { keepSessionId?: string } = {},
): Promise<number> {
  const accountIds = [...(scope.accountIds ?? [])];
  const borrowerIds = [...(scope.borrowerIds ?? [])];
  if (accountIds.length === 0 && borrowerIds.length === 0) return 0;
  // By account: short_links has no borrower_id index (migration 0008); accounts and sessions do.
  const inScope = (eb: ExpressionBuilder<Database, "short_links" | "borrower_sessions">) =>
    eb.or([
      ...(accountIds.length ? [eb("account_id", "in", accountIds)] : []),
      ...(borrowerIds.length
        ? [
            eb(
              "account_id",
              "in",
              eb
                .selectFrom("accounts")
                .select("accounts.id")
                .where("accounts.borrower_id", "in", borrowerIds),
            ),
          ]
        : []),
    ]);
  const result = await db
    .updateTable("short_links")
    .set({ revoked_at: now, revoked_reason: reason })
    .where(inScope)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  let sessions = db
    .updateTable("borrower_sessions")
    .set({ revoked_at: now })
    .where(inScope)
    .where("revoked_at", "is", null);
  if (opts.keepSessionId) sessions = sessions.where("id", "<>", opts.keepSessionId);
  await sessions.execute();
  return Number(result.numUpdatedRows);
}
