import { sql, type Kysely, type Transaction } from "kysely";
import type { Database } from "../../db/schema";
import { appendAudit } from "../platform/audit.server";
import { answersMatch, hashVerificationAnswer, type VerificationKind } from "./verification-answers.server";
import { startBorrowerSession } from "./session.server";

/**
 * Wrong answers are counted per borrower, across every link they were ever sent (a new reminder
 * brings a new link, not a new budget), since their last right answer:
 * - 5 in 24 hours, or 10 since the link in hand was issued, lock every link of the borrower for
 *   24 hours and open a task for an agent (a recycled number or someone guessing);
 * - before that, each wrong answer makes the next one wait longer (DELAYS_MS).
 * Counting per link in a 15-minute window let 4 guesses every 15 minutes run for ever.
 */
export const MAX_DAILY_FAILURES = 5;
export const MAX_LINK_FAILURES = 10;
const DAY_MS = 24 * 60 * 60_000;
export const LOCKOUT_MS = DAY_MS;
/** How long the next answer waits after n wrong answers in a row (index n); the 5th locks. */
const DELAYS_MS = [0, 0, 30_000, 2 * 60_000, 10 * 60_000] as const;

export type VerificationOutcome =
  | { status: "verified"; setCookie: string }
  /** Wrong; the next answer is taken after retryAfterSec (0: at once). The page says no more than that. */
  | { status: "wrong"; retryAfterSec: number }
  /** Too soon after the last wrong answer: not checked and not counted. */
  | { status: "wait"; retryAfterSec: number }
  | { status: "locked"; until: Date };

type Trx = Transaction<Database>;
type Link = { id: string; borrower_id: string; account_id: string; created_at: Date };

/**
 * Checks an answer for the borrower a link belongs to. The borrower's row is locked for the
 * duration, so parallel guesses, on one link or several, cannot overrun the failure budget.
 * The answer has already been validated for shape; a well-formed wrong answer counts as a failure.
 */
export async function verifyBorrower(
  db: Kysely<Database>,
  opts: { linkId: string; kind: VerificationKind; answer: string; hashKey: string; now?: Date },
): Promise<VerificationOutcome> {
  const now = opts.now ?? new Date();
  return db.transaction().execute(async (trx) => {
    const link = await trx
      .selectFrom("short_links")
      .innerJoin("borrowers", "borrowers.id", "short_links.borrower_id")
      .select([
        "short_links.id",
        "short_links.borrower_id",
        "short_links.account_id",
        "short_links.created_at",
        "borrowers.dob_hash",
        "borrowers.id_last4_hash",
      ])
      .where("short_links.id", "=", opts.linkId)
      .forUpdate("borrowers")
      .executeTakeFirstOrThrow();
    const history = await failureHistory(trx, link, now);
    if (history.lockedUntil && history.lockedUntil > now)
      return { status: "locked", until: history.lockedUntil };
    const waitMs = history.lastFailure
      ? history.lastFailure.getTime() + DELAYS_MS[history.daily]! - now.getTime()
      : 0;
    if (waitMs > 0) return { status: "wait", retryAfterSec: Math.ceil(waitMs / 1000) };

    const expected = opts.kind === "dob" ? link.dob_hash : link.id_last4_hash;
    const ok = answersMatch(hashVerificationAnswer(opts.kind, opts.answer, opts.hashKey), expected);
    await trx
      .insertInto("verification_attempts")
      .values({ link_id: link.id, succeeded: ok, attempted_at: now })
      .execute();
    if (ok) return verified(trx, link, opts.kind, now);

    const failures = { daily: history.daily + 1, sinceLink: history.sinceLink + 1 };
    if (failures.daily >= MAX_DAILY_FAILURES || failures.sinceLink >= MAX_LINK_FAILURES)
      return lockBorrower(trx, link, failures, now);
    return { status: "wrong", retryAfterSec: DELAYS_MS[failures.daily]! / 1000 };
  });
}

/**
 * The borrower's wrong answers since their last right one, over all their links (found through
 * their accounts: short_links has no borrower index): in the last 24 hours, and since `link` was
 * issued; the latest one; and until when their links are locked, if they are.
 */
async function failureHistory(trx: Trx, link: Link, now: Date) {
  const links = sql`(select s.id from short_links s
    where s.account_id in (select a.id from accounts a where a.borrower_id = ${link.borrower_id}))`;
  const { rows } = await sql<{
    daily: number;
    since_link: number;
    last_failure: Date | null;
    locked_until: Date | null;
  }>`
    with mine as (
      select succeeded, attempted_at from verification_attempts where link_id in ${links}
    ), cleared as (
      select coalesce(max(attempted_at), '-infinity'::timestamptz) as at from mine where succeeded
    )
    select
      count(*) filter (where attempted_at > greatest(${new Date(now.getTime() - DAY_MS)}::timestamptz, cleared.at))::int as daily,
      count(*) filter (where attempted_at >= greatest(${link.created_at}::timestamptz, cleared.at))::int as since_link,
      max(attempted_at) filter (where attempted_at > cleared.at) as last_failure,
      (select max(locked_until) from short_links where id in ${links}) as locked_until
    from cleared left join mine on not mine.succeeded
    group by cleared.at`.execute(trx);
  const row = rows[0]!;
  return {
    daily: row.daily,
    sinceLink: row.since_link,
    lastFailure: row.last_failure,
    lockedUntil: row.locked_until,
  };
}

async function verified(
  trx: Trx,
  link: Link,
  kind: VerificationKind,
  now: Date,
): Promise<VerificationOutcome> {
  await appendAudit(
    trx,
    {
      actorType: "borrower",
      actorId: link.borrower_id,
      action: "borrower.verified",
      subjectType: "account",
      subjectId: link.account_id,
      borrowerId: link.borrower_id,
      detail: { method: kind, linkId: link.id },
    },
    now,
  );
  await closeLockoutTasks(trx, link, now);
  const setCookie = await startBorrowerSession(trx, {
    borrowerId: link.borrower_id,
    accountId: link.account_id,
    linkId: link.id,
    now,
  });
  return { status: "verified", setCookie };
}

/**
 * The borrower proved who they are, so the call a lockout asked for (docs/product-rules.md §8.12) is no
 * longer needed: its task closes, audited as the system's, whoever held it.
 */
async function closeLockoutTasks(trx: Trx, link: Link, now: Date) {
  const closed = await trx
    .updateTable("tasks")
    .set({ status: "done", resolved_at: now, outcome: "borrower_verified" })
    .where("borrower_id", "=", link.borrower_id)
    .where("source_type", "=", "verification_lockout")
    .where("status", "=", "open")
    .returning("id")
    .execute();
  for (const task of closed)
    await appendAudit(
      trx,
      {
        actorType: "system",
        action: "task.closed_on_verification",
        subjectType: "task",
        subjectId: task.id,
        borrowerId: link.borrower_id,
        detail: { source: "verification_lockout" },
      },
      now,
    );
}

/** Locks every unexpired link of the borrower for 24 hours, flags it for an agent, and audits it. */
async function lockBorrower(
  trx: Trx,
  link: Link,
  failures: { daily: number; sinceLink: number },
  now: Date,
): Promise<VerificationOutcome> {
  const until = new Date(now.getTime() + LOCKOUT_MS);
  await trx
    .updateTable("short_links")
    .set({ locked_until: until })
    .where("account_id", "in", (eb) =>
      eb.selectFrom("accounts").select("accounts.id").where("accounts.borrower_id", "=", link.borrower_id),
    )
    .where("expires_at", ">", now)
    .execute();
  // Repeated failures may be a recycled number or someone guessing: an agent calls the borrower.
  await trx
    .insertInto("tasks")
    .values({
      kind: "call",
      borrower_id: link.borrower_id,
      account_id: link.account_id,
      status: "open",
      due_at: now,
      source_type: "verification_lockout",
      source_id: link.id,
      dedupe_key: `verification_lockout:${link.borrower_id}:${until.toISOString().slice(0, 10)}`,
    })
    .onConflict((oc) => oc.column("dedupe_key").doNothing())
    .execute();
  await appendAudit(
    trx,
    {
      actorType: "system",
      action: "verification.locked",
      subjectType: "short_link",
      subjectId: link.id,
      borrowerId: link.borrower_id,
      detail: {
        failuresLast24h: failures.daily,
        failuresSinceLinkIssued: failures.sinceLink,
        until: until.toISOString(),
      },
    },
    now,
  );
  return { status: "locked", until };
}
