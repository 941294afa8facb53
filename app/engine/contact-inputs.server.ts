import { sql, type Kysely } from "kysely";
import { CREDITED_PAYMENT_STATUSES, type Database, type Jurisdiction, type Locale } from "../../db/schema";
import { pendingCreditMinor } from "../../db/pending-credit";
import type { ContactInput, PlanStatus } from "../domain/decide-next-contact";
import type { KnownRecipient } from "../messaging/outbound-sms.server";
import type { StageId } from "../domain/contact-policy";
import { statusFacts } from "../domain/account-statuses";
import type { Interval } from "../domain/visit-slot";
import { channelFactsFor, readChannelFacts } from "./channel-facts.server";
import { readStatusesInForce } from "./status-facts.server";

/** What the planner needs per account beyond the decision input: to render and address the reminder. */
export interface AccountFacts {
  accountId: string;
  accountRef: string;
  borrowerId: string;
  locale: string;
  currency: string;
  overdueMinor: number;
  minimumDueMinor: number;
  dueDate: string | null;
  nextInstalment: { dueDate: string; amountMinor: number } | null;
  /** The borrower's booked appointments still to come: a visit's proposed slot keeps clear of them. */
  appointments: Interval[];
  /** Who a reminder would go to, as read with the rest of the page (queueSmsBatch need not read it again). */
  recipient: KnownRecipient;
  input: ContactInput;
}

/**
 * Reminders handed to the provider: what caps and cadence count. Written out as literals so Postgres can
 * match the partial indexes with the same predicate (migration 0007): they hold only texts that went out,
 * so a queued text costs them nothing and a page's probes stay cheap however many texts are queued.
 */
const SENT_REMINDER = sql<boolean>`direction = 'outbound' and stage is not null and status in ('sending', 'sent', 'delivered')`;
const HISTORY_DAYS = 8; // the widest cap window (7 days) plus a day for zone offsets

/**
 * Loads decision inputs for a batch of accounts in a fixed number of
 * set-based queries (no per-account round trips): accounts with borrower and
 * preferences, recent SMS history, last stage sent, active promises, open
 * plans with their next instalment, hardship pauses, and payments not yet
 * reflected in the bank's balance.
 */
export async function loadAccountFacts(db: Kysely<Database>, opts: FactsQuery): Promise<AccountFacts[]> {
  if (db.isTransaction) return readAccountFacts(db, opts);
  // One snapshot for all seven reads, so the facts agree with each other (a payment or a sent text
  // landing between two of them cannot be half seen). Without parallel workers: a page is an index
  // walk of a few thousand rows, where starting workers costs more than it saves (the planner ran
  // 9% faster at 200,000 accounts on 2 cores without them; see BENCHMARKS.md).
  return db
    .transaction()
    .setIsolationLevel("repeatable read")
    .setAccessMode("read only")
    .execute(async (trx) => {
      await sql`set local max_parallel_workers_per_gather = 0`.execute(trx);
      return readAccountFacts(trx, opts);
    });
}

type FactsQuery = {
  now: Date;
  afterId?: string | null;
  limit?: number;
  accountIds?: string[];
  excludeMessageId?: string;
};

async function readAccountFacts(db: Kysely<Database>, opts: FactsQuery): Promise<AccountFacts[]> {
  const accounts = await readAccounts(db, opts);
  if (accounts.length === 0) return [];
  const related = await readRelated(db, accounts, opts);
  return accounts.map((a) => toAccountFacts(a, related, opts.now));
}

/** The page of accounts, with borrower and preferences. */
function readAccounts(db: Kysely<Database>, opts: FactsQuery) {
  let accountsQuery = db
    .selectFrom("accounts as a")
    .innerJoin("borrowers as b", "b.id", "a.borrower_id")
    .leftJoin("contact_preferences as p", "p.borrower_id", "b.id")
    .select([
      "a.id",
      "a.external_ref",
      "a.borrower_id",
      "a.status",
      "a.dpd",
      "a.due_date",
      "a.balance_minor",
      "a.overdue_minor",
      "a.minimum_due_minor",
      "a.currency",
      "a.last4",
      sql<boolean>`a.wrong_number_at is not null`.as("wrong_number"),
      sql<boolean>`a.dispute_at is not null`.as("dispute"),
      "b.full_name",
      "b.phone_e164",
      "b.email",
      "p.phone_allowed",
      "p.email_allowed",
      "p.visit_allowed",
      sql<boolean>`b.erased_at is not null`.as("erased"),
      sql<boolean>`b.address_line1 is not null and b.address_stale_at is null`.as("has_address"),
      "b.phone_owner",
      "b.time_zone",
      "b.jurisdiction",
      "b.locale",
      "p.preferred_locale",
      "p.sms_allowed",
      sql<boolean>`p.sms_opted_out_at is not null`.as("sms_opted_out"),
      "p.window_start",
      "p.window_end",
      "p.max_per_week",
    ])
    .orderBy("a.id");
  if (opts.accountIds) accountsQuery = accountsQuery.where("a.id", "=", anyUuid(opts.accountIds));
  else if (opts.afterId) accountsQuery = accountsQuery.where("a.id", ">", opts.afterId);
  if (opts.limit) accountsQuery = accountsQuery.limit(opts.limit);
  return accountsQuery.execute();
}

type AccountRow = Awaited<ReturnType<typeof readAccounts>>[number];
type Related = Awaited<ReturnType<typeof readRelated>>;

/** Everything else the decision reads, for the whole page at once, looked up by account or borrower. */
async function readRelated(db: Kysely<Database>, accounts: AccountRow[], opts: FactsQuery) {
  const accountIds = accounts.map((a) => a.id);
  const borrowerIds = [...new Set(accounts.map((a) => a.borrower_id))];
  const since = new Date(opts.now.getTime() - HISTORY_DAYS * 86_400_000);
  const exclude = opts.excludeMessageId ?? "00000000-0000-0000-0000-000000000000";

  const [history, lastStages, promises, plans, hardship, pending, settlements, channels, statuses] =
    await Promise.all([
      readSentHistory(db, borrowerIds, since, exclude),
      readLastStages(db, accountIds, exclude),
      db
        .selectFrom("promises_to_pay")
        .select(["account_id", "promised_date", "status"])
        .where("account_id", "=", anyUuid(accountIds))
        .where("status", "=", "active")
        .execute(),
      readOpenPlans(db, accountIds),
      db
        .selectFrom("hardship_reports")
        .select(["borrower_id", sql<Date>`max(pause_until)`.as("pause_until")])
        .where("borrower_id", "=", anyUuid(borrowerIds))
        .where("pause_until", ">", opts.now)
        .groupBy("borrower_id")
        .execute(),
      readUnconfirmedPayments(db, accountIds),
      // Accepted or paid settlements (docs/product-rules.md §7.10): at most one open per account, the newest wins.
      db
        .selectFrom("settlements")
        .distinctOn("account_id")
        .select(["account_id", "status"])
        .where("account_id", "=", anyUuid(accountIds))
        .where("status", "in", ["accepted", "paid"])
        .orderBy("account_id")
        .orderBy("created_at", "desc")
        .execute(),
      readChannelFacts(db, accountIds, borrowerIds, opts.now),
      readStatusesInForce(db, borrowerIds, opts.now),
    ]);

  return {
    byBorrower: groupBy(history, (h) => h.borrower_id),
    lastStageBy: new Map(lastStages.map((s) => [s.account_id, s])),
    promiseBy: new Map(promises.map((p) => [p.account_id, p])),
    planBy: new Map(plans.map((p) => [p.account_id, p])),
    hardshipBy: new Map(hardship.map((h) => [h.borrower_id, h.pause_until])),
    pendingBy: new Map(pending.map((p) => [p.account_id, Number(p.recorded)])),
    processingBy: new Map(pending.map((p) => [p.account_id, Number(p.processing)])),
    settlementBy: new Map(settlements.map((st) => [st.account_id, st.status as "accepted" | "paid"])),
    channels,
    statuses,
  };
}

/** Reminders sent to these borrowers within the widest cap window. */
function readSentHistory(db: Kysely<Database>, borrowerIds: string[], since: Date, exclude: string) {
  return db
    .selectFrom("messages")
    .select(["borrower_id", "account_id", sql<Date>`coalesce(sent_at, created_at)`.as("at")])
    .where("borrower_id", "=", anyUuid(borrowerIds))
    .where(SENT_REMINDER)
    .where("channel", "=", "sms")
    .where("id", "!=", exclude)
    .where(sql<Date>`coalesce(sent_at, created_at)`, ">", since)
    .execute();
}

/** The latest reminder stage sent per account. */
function readLastStages(db: Kysely<Database>, accountIds: string[], exclude: string) {
  return db
    .selectFrom("messages")
    .distinctOn("account_id")
    .select(["account_id", "stage", sql<Date>`coalesce(sent_at, created_at)`.as("at")])
    .where("account_id", "=", anyUuid(accountIds))
    .where(SENT_REMINDER)
    .where("id", "!=", exclude)
    .orderBy("account_id")
    .orderBy("created_at", "desc")
    .execute();
}

/** Open plans with their next due instalment and whether any was missed. */
function readOpenPlans(db: Kysely<Database>, accountIds: string[]) {
  return db
    .selectFrom("instalment_plans as pl")
    .select((eb) => [
      "pl.account_id",
      "pl.status",
      eb
        .selectFrom("instalments as i")
        .select(sql<string>`min(i.due_date)::text`.as("d"))
        .whereRef("i.plan_id", "=", "pl.id")
        .where("i.status", "=", "due")
        .as("next_due_date"),
      eb
        .selectFrom("instalments as i")
        .select(sql<number>`(array_agg(i.amount_minor - i.paid_minor order by i.due_date))[1]`.as("a"))
        .whereRef("i.plan_id", "=", "pl.id")
        .where("i.status", "=", "due")
        .as("next_amount"),
      eb
        .selectFrom("instalments as i")
        .select(sql<boolean>`count(*) = 0`.as("ok"))
        .whereRef("i.plan_id", "=", "pl.id")
        .where("i.status", "=", "missed")
        .as("good"),
      eb
        .selectFrom("plan_autopay as pa")
        .select(sql<boolean>`true`.as("on"))
        .whereRef("pa.plan_id", "=", "pl.id")
        .where("pa.status", "=", "on")
        .as("autopay"),
    ])
    .where("pl.account_id", "=", anyUuid(accountIds))
    .where("pl.status", "in", ["proposed", "countered", "approved", "active"])
    .execute();
}

/**
 * Per account, in one grouped join: what payments changed since the bank's balance was taken, net of
 * refunds and disputes (`recorded`, db/pending-credit.ts), and payments still under way (`processing`).
 */
function readUnconfirmedPayments(db: Kysely<Database>, accountIds: string[]) {
  return db
    .selectFrom("payments as pay")
    .innerJoin("accounts as acc", "acc.id", "pay.account_id")
    .select([
      "pay.account_id",
      pendingCreditMinor("pay", sql.ref("acc.balance_as_of")).as("recorded"),
      sql<string>`coalesce(sum(pay.amount_minor) filter (where pay.status = 'processing'), 0)::bigint`.as(
        "processing",
      ),
    ])
    .where("pay.account_id", "=", anyUuid(accountIds))
    .where("pay.status", "in", [...CREDITED_PAYMENT_STATUSES, "processing"])
    .groupBy("pay.account_id")
    .execute();
}

/** One account's facts, its amounts net of payments the bank's balance does not reflect yet. */
function toAccountFacts(a: AccountRow, related: Related, now: Date): AccountFacts {
  const paid = related.pendingBy.get(a.id) ?? 0;
  const plan = related.planBy.get(a.id);
  const overdue = Math.max(0, a.overdue_minor - paid);
  const minimumDue = Math.max(0, a.minimum_due_minor - paid);
  return {
    accountId: a.id,
    accountRef: a.external_ref,
    borrowerId: a.borrower_id,
    locale: a.preferred_locale ?? a.locale,
    currency: a.currency,
    overdueMinor: overdue,
    minimumDueMinor: minimumDue,
    dueDate: a.due_date,
    nextInstalment: plan?.next_due_date
      ? { dueDate: plan.next_due_date, amountMinor: Number(plan.next_amount ?? 0) }
      : null,
    appointments: related.channels.bookedBy.get(a.borrower_id) ?? [],
    recipient: {
      fullName: a.full_name,
      phoneE164: a.phone_e164,
      locale: (a.preferred_locale ?? a.locale) as Locale,
      smsRefused: a.sms_opted_out === true || a.sms_allowed === false,
      account: { last4: a.last4, wrongNumber: a.wrong_number },
    },
    input: toContactInput(a, related, now, {
      overdue,
      minimumDue,
      balance: Math.max(0, a.balance_minor - paid),
    }),
  };
}

function toContactInput(
  a: AccountRow,
  related: Related,
  now: Date,
  amounts: { overdue: number; minimumDue: number; balance: number },
): ContactInput {
  const borrowerHistory = related.byBorrower.get(a.borrower_id) ?? [];
  const last = related.lastStageBy.get(a.id);
  const plan = related.planBy.get(a.id);
  const promise = related.promiseBy.get(a.id);
  const status = statusFacts(related.statuses.get(a.borrower_id) ?? [], a.id, now);
  return {
    now,
    account: {
      status: a.status,
      dpd: a.dpd,
      dueDate: a.due_date ?? now.toISOString().slice(0, 10),
      balanceMinor: amounts.balance,
      overdueMinor: amounts.overdue,
      minimumDueMinor: amounts.minimumDue,
      processingMinor: related.processingBy.get(a.id) ?? 0,
      wrongNumber: a.wrong_number,
      // The flag set from a complaint or the console, or a dispute status (§4.18).
      dispute: a.dispute || status.dispute,
    },
    borrower: {
      timeZone: a.time_zone,
      jurisdiction: a.jurisdiction as Jurisdiction,
      breathingSpaceUntil: status.breathingSpaceUntil,
      breathingSpaceCrisis: status.breathingSpaceCrisis,
      phoneOwner: a.phone_owner,
    },
    statuses: {
      ceaseContact: status.ceaseContact,
      insolvency: status.insolvency,
      deceased: status.deceased,
      vulnerable: status.vulnerable,
    },
    preferences: {
      smsAllowed: a.sms_allowed ?? true,
      smsOptedOut: a.sms_opted_out === true,
      windowStart: a.window_start,
      windowEnd: a.window_end,
      maxPerWeek: a.max_per_week,
    },
    history: {
      accountSmsSentAt: borrowerHistory.filter((h) => h.account_id === a.id).map((h) => h.at),
      borrowerSmsSentAt: borrowerHistory.map((h) => h.at),
      lastStageSent: last?.stage ? { stage: last.stage as StageId, at: last.at } : null,
    },
    promise: promise ? { promisedDate: promise.promised_date, status: promise.status } : null,
    plan: plan
      ? {
          status: plan.status as PlanStatus,
          nextInstalmentDueDate: plan.next_due_date ?? null,
          inGoodStanding: plan.good !== false,
          autopay: plan.autopay === true,
        }
      : null,
    hardship: related.hardshipBy.has(a.borrower_id)
      ? { pauseUntil: related.hardshipBy.get(a.borrower_id)! }
      : null,
    settlement: related.settlementBy.has(a.id) ? { status: related.settlementBy.get(a.id)! } : null,
    channels: channelFactsFor(a, related.channels),
  };
}

/** `= any($1::uuid[])`: one array parameter instead of thousands of bound values (cheaper to send, parse and plan). */
function anyUuid(ids: readonly string[]) {
  return sql<string>`any(${ids}::uuid[])`;
}

function groupBy<T, K>(rows: T[], key: (row: T) => K): Map<K, T[]> {
  const map = new Map<K, T[]>();
  for (const row of rows) {
    const k = key(row);
    const list = map.get(k);
    if (list) list.push(row);
    else map.set(k, [row]);
  }
  return map;
}
