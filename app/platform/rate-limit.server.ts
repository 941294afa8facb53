import { CompiledQuery, sql, type Kysely, type RawBuilder, type Transaction } from "kysely";
import { RateLimiterPostgres, RateLimiterRes } from "rate-limiter-flexible";
import type { Database } from "../../db/schema";

/**
 * Fixed-window rate limits kept in Postgres (table rate_limits, migration
 * 0003), so every web process counts against the same budget (docs/product-rules.md §11.3).
 * rate-limiter-flexible's RateLimiterPostgres does the counting; it talks to
 * the database through the caller's Kysely handle (one small adapter below),
 * so no second connection pool is needed and loaders can use `context.db`.
 *
 * One rule per key namespace: `consume(db, "staff-login:ip:1.2.3.4", rule)`
 * and a different rule on the same key would share one counter.
 */
export interface RateLimitRule {
  /** How many points may be spent per window. */
  points: number;
  /** Window length in seconds, starting at the first spend. */
  durationSec: number;
}

export type RateLimitResult = { ok: true; remaining: number } | { ok: false; retryAfterSec: number };

type Db = Kysely<Database> | Transaction<Database>;

const TABLE = "rate_limits";
const KEY_PREFIX = "settle";

/** The slice of pg.Pool that RateLimiterPostgres uses (`query({ name, text, values })`), over Kysely. */
function storeClientFor(db: Db) {
  return {
    async query(q: { text: string; values?: unknown[] }) {
      const result = await db.executeQuery(CompiledQuery.raw(q.text, q.values ?? []));
      const rowCount =
        result.numAffectedRows !== undefined ? Number(result.numAffectedRows) : result.rows.length;
      return { rows: result.rows, rowCount };
    },
  };
}

const limiters = new WeakMap<Db, Map<string, RateLimiterPostgres>>();

function checkRule(rule: RateLimitRule) {
  if (
    !Number.isInteger(rule.points) ||
    rule.points < 1 ||
    !Number.isInteger(rule.durationSec) ||
    rule.durationSec < 1
  ) {
    throw new RangeError(`invalid rate limit rule ${JSON.stringify(rule)}`);
  }
}

function limiterFor(db: Db, rule: RateLimitRule): RateLimiterPostgres {
  checkRule(rule);
  let byRule = limiters.get(db);
  if (!byRule) limiters.set(db, (byRule = new Map()));
  const id = `${rule.points}/${rule.durationSec}`;
  let limiter = byRule.get(id);
  if (!limiter) {
    limiter = new RateLimiterPostgres({
      storeClient: storeClientFor(db),
      storeType: "pool",
      tableName: TABLE,
      tableCreated: true, // by the migration, never at run time
      clearExpiredByTimeout: false, // no per-process timers; pruneRateLimits() does it
      keyPrefix: KEY_PREFIX,
      points: rule.points,
      duration: rule.durationSec,
    });
    byRule.set(id, limiter);
  }
  return limiter;
}

const secondsUntil = (res: RateLimiterRes) => Math.max(1, Math.ceil(res.msBeforeNext / 1000));

/** Spends `cost` points (default 1). Over budget: not ok, with the seconds until the window resets. */
export async function consume(db: Db, key: string, rule: RateLimitRule, cost = 1): Promise<RateLimitResult> {
  try {
    const res = await limiterFor(db, rule).consume(key, cost);
    return { ok: true, remaining: res.remainingPoints };
  } catch (error) {
    if (error instanceof RateLimiterRes) return { ok: false, retryAfterSec: secondsUntil(error) };
    throw error; // a database error is not "rate limited"
  }
}

/** Whether the budget is already spent, without spending anything (for "count failures only" limits). */
export async function peek(db: Db, key: string, rule: RateLimitRule): Promise<RateLimitResult> {
  const res = await limiterFor(db, rule).get(key);
  if (!res) return { ok: true, remaining: rule.points };
  if (res.consumedPoints >= rule.points) return { ok: false, retryAfterSec: secondsUntil(res) };
  return { ok: true, remaining: res.remainingPoints };
}

/**
 * peek() as one SQL expression, for a statement that should not pay a round trip of its own (the
 * landing's): the seconds until the window resets when the budget is already spent, else null.
 * It reads the row rate-limiter-flexible keeps (prefixed key, points spent, expire in epoch ms) as
 * the library's own read does; tests/platform/rate-limit.test.ts holds it to peek().
 */
export function spentBudgetSql(
  key: string | RawBuilder<string | null>,
  rule: RateLimitRule,
  now = new Date(),
): RawBuilder<number | null> {
  checkRule(rule);
  const ms = now.getTime();
  // A key given as SQL (a column of the statement, one key per row) is prefixed in SQL, as a literal key is here.
  const stored =
    typeof key === "string" ? sql`${`${KEY_PREFIX}:${key}`}` : sql`(${`${KEY_PREFIX}:`} || ${key})`;
  return sql<
    number | null
  >`(select greatest(1, ceil((coalesce(expire, ${ms}) - ${ms}) / 1000.0))::int from rate_limits
    where key = ${stored} and (expire > ${ms} or expire is null) and points >= ${rule.points})`;
}

export async function resetRateLimit(db: Db, key: string): Promise<void> {
  await db.deleteFrom("rate_limits").where("key", "=", `${KEY_PREFIX}:${key}`).execute();
}

/** Deletes windows that ended before `now` (they would be reset on next use anyway). */
export async function pruneRateLimits(db: Db, now = new Date()): Promise<number> {
  const result = await db.deleteFrom("rate_limits").where("expire", "<", now.getTime()).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** The key rate limits count per client; Express fills it proxy-aware (trust proxy in production). */
export function clientIp(context: { clientIp?: string }): string {
  return context.clientIp ?? "unknown";
}
