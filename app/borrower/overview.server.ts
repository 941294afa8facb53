import { NoResultError, sql, type Expression, type Kysely, type QueryNode } from "kysely";
import { compiledOnce, executePrepared } from "../../db/connection";
import { formatCalendarDate, formatMoney } from "../domain/money";
import type { AccountStatusKind, Database, Product } from "../../db/schema";
import { pgArray } from "../../db/pg-array";
import { pendingCreditMinor } from "../../db/pending-credit";
import { groupCommitPerHandle } from "../platform/group-commit.server";
import {
  liveSessionQuery,
  liveSessionValues,
  sessionEnded,
  sessionTokenHash,
  touchSession,
  type BorrowerSession,
  type LiveSessionValues,
} from "./session.server";

type NextStep = "current" | "early" | "mid" | "late" | "serious" | "paid";

/**
 * The verified overview (docs/product-rules.md §1.4). Every query is scoped by the session's
 * borrower AND account, so one borrower's session can never read another's account.
 * Balance shown = last imported balance minus portal payments recorded since, marked pending.
 */
export async function getAccountOverview(
  db: Kysely<Database>,
  session: Pick<BorrowerSession, "borrowerId" | "accountId">,
) {
  // One statement, compiled once and prepared per connection: every account page and the overview read it.
  const query = accountOverview(db, { accountId: session.accountId, borrowerId: session.borrowerId });
  const account = (await executePrepared(db, query)).rows[0];
  if (!account) throw new NoResultError(query.query as QueryNode);
  return toAccountOverview(account);
}
const accountOverview = compiledOnce(
  ["accountId", "borrowerId"],
  (db, scope: { accountId: string; borrowerId: string }) => accountOverviewQuery(db, scope),
);

/**
 * The live session and its overview in one statement, prepared per connection (the overview's fast
 * path: one round trip per page view instead of two), shared by the page views that arrive together.
 * The account is read with the same query as getAccountOverview, scoped by the session row's borrower
 * and account. Null when there is no live session, or its account is not there.
 */
export async function readSessionOverview(db: Kysely<Database>, request: Request, now = new Date()) {
  const tokenHash = await sessionTokenHash(request);
  if (!tokenHash) return null;
  const row = await readOverview(db, { tokenHash, now });
  if (!row) return null;
  await touchSession(db, { id: row.session_id, lastSeenAt: row.last_seen_at }, now);
  const session: BorrowerSession = {
    id: row.session_id,
    borrowerId: row.session_borrower_id,
    accountId: row.session_account_id,
    linkId: row.link_id,
  };
  return { session, overview: toAccountOverview(row) };
}

/** The live session and its overview, or the redirect to /session-ended that every verified page answers without one. */
export async function requireSessionOverview(db: Kysely<Database>, request: Request) {
  const found = await readSessionOverview(db, request);
  if (!found) throw sessionEnded();
  return found;
}

type SessionRead = { tokenHash: string; now: Date };

/**
 * Page views that arrive together read their sessions in one statement (group commit, as the
 * landing's opens do: app/platform/group-commit.server.ts), each at its own clock.
 */
const readOverview = groupCommitPerHandle(readSessionOverviews, { maxBatch: 64, maxInFlight: 2 });

/** The live session and its overview for each read, in order (null where there is no live session or no account). */
async function readSessionOverviews(
  db: Kysely<Database>,
  reads: readonly SessionRead[],
): Promise<Array<SessionOverviewRow | null>> {
  const values = {
    tokenHashes: pgArray(reads.map((r) => r.tokenHash)),
    nows: pgArray(reads.map((r) => r.now)),
    idleSinces: pgArray(reads.map((r) => liveSessionValues(r.tokenHash, r.now).idleSince)),
  };
  const { rows } = await executePrepared(db, sessionOverviews(db, values));
  if (rows.length !== reads.length)
    throw new Error(`readSessionOverviews: ${reads.length} reads, ${rows.length} rows`);
  return rows.map((row) => (row.session_id === null ? null : (row as SessionOverviewRow)));
}

/** The session's columns joined to the overview's: the loaders' session query as a CTE, the account query lateral to it. */
function sessionOverviewQuery(db: Kysely<Database>, values: LiveSessionValues) {
  return db
    .with("s", () => liveSessionQuery(db, values))
    .selectFrom("s")
    .innerJoinLateral(
      () =>
        accountOverviewQuery(db, {
          accountId: sql.ref<string>("s.account_id"),
          borrowerId: sql.ref<string>("s.borrower_id"),
        }).as("o"),
      (join) => join.onTrue(),
    )
    .selectAll("o")
    .select([
      "s.id as session_id",
      "s.borrower_id as session_borrower_id",
      "s.account_id as session_account_id",
      "s.link_id",
      "s.last_seen_at",
    ]);
}
type SessionOverviewRow = Awaited<
  ReturnType<ReturnType<typeof sessionOverviewQuery>["executeTakeFirstOrThrow"]>
>;

/** One row per read, in order: the reads as typed arrays, each joined to its session and overview. */
const sessionOverviews = compiledOnce(
  ["tokenHashes", "nows", "idleSinces"],
  (db, v: { tokenHashes: string; nows: string; idleSinces: string }) =>
    db
      .selectFrom(
        sql<{
          token_hash: string;
          now: Date;
          idle_since: Date;
          n: number;
        }>`(select * from unnest(${v.tokenHashes}::text[], ${v.nows}::timestamptz[], ${v.idleSinces}::timestamptz[])
        with ordinality as r(token_hash, now, idle_since, n))`.as("req"),
      )
      .leftJoinLateral(
        () =>
          sessionOverviewQuery(db, {
            tokenHash: sql.ref<string>("req.token_hash"),
            now: sql.ref<Date>("req.now"),
            idleSince: sql.ref<Date>("req.idle_since"),
          }).as("x"),
        (join) => join.onTrue(),
      )
      .selectAll("x")
      .orderBy("req.n"),
);

/** The overview's columns, scoped by the session's borrower AND account (values, or the session row's columns). */
function accountOverviewQuery(
  db: Kysely<Database>,
  scope: { accountId: string | Expression<string>; borrowerId: string | Expression<string> },
) {
  return db
    .selectFrom("accounts")
    .select((eb) => [
      "id",
      "last4",
      "product",
      "currency",
      "balance_minor",
      "overdue_minor",
      "minimum_due_minor",
      "fees_minor",
      "interest_minor",
      "due_date",
      "dpd",
      "status",
      "balance_as_of",
      pendingPaymentsQuery(db, { ...scope, since: eb.ref("accounts.balance_as_of") }).as("pending_minor"),
      latestCaseResponse(scope).as("case_response"),
      statusesInForce(scope).as("statuses"),
    ])
    .where("id", "=", scope.accountId)
    .where("borrower_id", "=", scope.borrowerId);
}

/**
 * The latest final response staff gave on this account's complaint or hardship report (docs/product-rules.md
 * §8.13), with the complaint's reference: the borrower reads it here after verifying.
 */
function latestCaseResponse(scope: {
  accountId: string | Expression<string>;
  borrowerId: string | Expression<string>;
}) {
  return sql<{
    text: string;
    ref: string | null;
  } | null>`(select json_build_object('text', r.response, 'ref', r.ref)
    from (select response, responded_at, ack_number as ref from complaints
            where account_id = ${scope.accountId} and borrower_id = ${scope.borrowerId} and response is not null
          union all
          select response, responded_at, null from hardship_reports
            where account_id = ${scope.accountId} and borrower_id = ${scope.borrowerId} and response is not null) r
    order by r.responded_at desc limit 1)`;
}

/**
 * The statuses in force on this account (docs/product-rules.md §4.18): its own and the borrower's that
 * cover every account, each with a standard Breathing Space's end. Shown only after verification.
 */
function statusesInForce(scope: {
  accountId: string | Expression<string>;
  borrowerId: string | Expression<string>;
}) {
  return sql<Array<{
    kind: AccountStatusKind;
    until: string | null;
  }> | null>`(select json_agg(json_build_object('kind', s.kind, 'until', s.ends_at) order by s.kind, s.ends_at desc)
    from account_statuses s
   where s.borrower_id = ${scope.borrowerId} and (s.account_id is null or s.account_id = ${scope.accountId})
     and s.starts_at <= now() and (s.ended_at is null or s.ended_at > now()) and (s.ends_at is null or s.ends_at > now()))`;
}

type AccountOverviewRow = Awaited<
  ReturnType<ReturnType<typeof accountOverviewQuery>["executeTakeFirstOrThrow"]>
>;

function toAccountOverview(account: AccountOverviewRow) {
  const pendingMinor = Number(account.pending_minor);
  const clamp = (n: number) => netOfPending(n, pendingMinor);
  return {
    last4: account.last4,
    product: account.product as Product,
    currency: account.currency,
    balanceMinor: clamp(account.balance_minor),
    overdueMinor: clamp(account.overdue_minor),
    minimumDueMinor: clamp(account.minimum_due_minor),
    feesAndInterestMinor: account.fees_minor + account.interest_minor,
    pendingMinor,
    dueDate: account.due_date,
    dpd: account.dpd,
    balanceAsOf: account.balance_as_of.toISOString().slice(0, 10),
    nextStep: nextStep(account.status, account.dpd, account.balance_minor - pendingMinor),
    caseResponse: account.case_response,
    statuses: account.statuses ?? [],
  };
}

export type AccountOverview = Awaited<ReturnType<typeof getAccountOverview>>;

/** The overview as the page shows it: every figure formatted for the page's language. */
export interface OverviewPage {
  last4: string;
  product: Product;
  nextStep: NextStep;
  overdue: string;
  minimumDue: string;
  balance: string;
  feesAndInterest: string;
  dueDate: string | null;
  dpd: string;
  /** Null when no payment is pending (the row and its note are left out). */
  pending: string | null;
  balanceAsOf: string;
  /** Staff's final response to the borrower's latest answered complaint or hardship report, if any. */
  caseResponse: string | null;
  /** The complaint's reference the response answers (null for hardship, or with no response). */
  caseResponseRef: string | null;
  /** The statuses in force, each kind once, in a fixed order (a page shape each). */
  statuses: AccountStatusKind[];
  /** The latest end of a standard Breathing Space in force, formatted; null when none. */
  breathingSpaceUntil: string | null;
}

export function overviewPage(o: AccountOverview, locale: string): OverviewPage {
  const money = (minor: number) => formatMoney({ minor, currency: o.currency }, locale);
  return {
    last4: o.last4,
    product: o.product,
    nextStep: o.nextStep,
    overdue: money(o.overdueMinor),
    minimumDue: money(o.minimumDueMinor),
    balance: money(o.balanceMinor),
    feesAndInterest: money(o.feesAndInterestMinor),
    dueDate: o.dueDate ? formatCalendarDate(o.dueDate, locale) : null,
    dpd: String(o.dpd),
    pending: o.pendingMinor > 0 ? money(o.pendingMinor) : null,
    balanceAsOf: formatCalendarDate(o.balanceAsOf, locale),
    caseResponse: o.caseResponse?.text ?? null,
    caseResponseRef: o.caseResponse?.ref ?? null,
    statuses: [...new Set(o.statuses.map((st) => st.kind))],
    breathingSpaceUntil: breathingSpaceEnd(o.statuses, locale),
  };
}

function breathingSpaceEnd(statuses: AccountOverview["statuses"], locale: string): string | null {
  const ends = statuses.filter((st) => st.kind === "breathing_space" && st.until).map((st) => st.until!);
  if (ends.length === 0) return null;
  const latest = ends.reduce((a, b) => (Date.parse(a) > Date.parse(b) ? a : b));
  return formatCalendarDate(new Date(latest).toISOString().slice(0, 10), locale);
}

/**
 * Payments credited after the last imported balance that the bank has not confirmed yet, less what
 * refunds and disputes have taken back since (db/pending-credit.ts): the amounts the borrower sees
 * are net of this.
 */
export async function pendingPaymentsMinor(
  db: Kysely<Database>,
  scope: { accountId: string; borrowerId: string; since: Date },
): Promise<number> {
  const { pending } = await pendingPaymentsQuery(db, scope).executeTakeFirstOrThrow();
  return Number(pending);
}

/** The sum behind pendingPaymentsMinor, also read as a column of the overview's statement (`since` may be a column). */
function pendingPaymentsQuery(
  db: Kysely<Database>,
  scope: {
    accountId: string | Expression<string>;
    borrowerId: string | Expression<string>;
    since: Date | Expression<Date>;
  },
) {
  return db
    .selectFrom("payments")
    .select(pendingCreditMinor("payments", scope.since).as("pending"))
    .where("account_id", "=", scope.accountId)
    .where("borrower_id", "=", scope.borrowerId);
}

/** An imported amount less pending payments, never below zero. */
export function netOfPending(minor: number, pendingMinor: number): number {
  return Math.max(0, minor - pendingMinor);
}

function nextStep(status: string, dpd: number, balance: number): NextStep {
  if (status === "paid" || status === "closed" || balance <= 0) return "paid";
  if (dpd <= 0) return "current";
  if (dpd < 7) return "early";
  if (dpd < 30) return "mid";
  if (dpd < 60) return "late";
  return "serious";
}
