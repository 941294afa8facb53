import { sql, type Kysely, type Transaction } from "kysely";
import type { Database } from "../../db/schema";
import { isCredited } from "../../db/pending-credit";
import { logger } from "../platform/logger.server";
import { revokeLinks } from "../messaging/short-links.server";
import { optOutOfSms } from "../engine/feedback.server";
import type { AccountUpsertRow, BalanceUpdate } from "./account-record.server";

type Trx = Transaction<Database>;

/**
 * Keeps Settle's borrowers and accounts in step with the bank's core system,
 * set-based: one INSERT ... SELECT FROM unnest(...) ON CONFLICT per table per
 * batch, never a round trip per record.
 *
 * Ordering rules that make retries and re-deliveries safe:
 * - a record older than what Settle holds (`balance_as_of` earlier) never overwrites it;
 * - a record identical to what Settle holds writes nothing (so re-sending a batch changes nothing);
 * - an account never moves to another borrower (its payments, plans and links are tied to that borrower);
 * - when a balance moves forward, payments that succeeded up to its `balance_as_of` are part of
 *   that balance: they are marked bank-confirmed and the overview stops subtracting them.
 */

export const UPSERT_BATCH_SIZE = 2_000;

export interface IndexedRow {
  /** The record's position in the caller's input (request index or file row). */
  index: number;
  row: AccountUpsertRow;
}

interface RowRejection {
  index: number;
  path: string;
  message: string;
}

export interface UpsertSummary {
  /** Accounts created. */
  created: number;
  /** Accounts whose data changed. */
  updated: number;
  /** Accounts identical to what Settle held, older than it (stale), or superseded by a later record in the same batch. */
  unchanged: number;
  borrowersCreated: number;
  borrowersUpdated: number;
  paymentsConfirmed: number;
  rejected: RowRejection[];
}

export function emptySummary(): UpsertSummary {
  return {
    created: 0,
    updated: 0,
    unchanged: 0,
    borrowersCreated: 0,
    borrowersUpdated: 0,
    paymentsConfirmed: 0,
    rejected: [],
  };
}

export function addSummary(into: UpsertSummary, from: UpsertSummary): UpsertSummary {
  into.created += from.created;
  into.updated += from.updated;
  into.unchanged += from.unchanged;
  into.borrowersCreated += from.borrowersCreated;
  into.borrowersUpdated += from.borrowersUpdated;
  into.paymentsConfirmed += from.paymentsConfirmed;
  into.rejected.push(...from.rejected);
  return into;
}

/** Upserts validated rows in batches, each batch in its own transaction. */
export async function upsertAccountRows(
  db: Kysely<Database>,
  rows: readonly IndexedRow[],
  opts: { batchSize?: number } = {},
): Promise<UpsertSummary> {
  const size = opts.batchSize ?? UPSERT_BATCH_SIZE;
  const summary = emptySummary();
  for (let i = 0; i < rows.length; i += size)
    addSummary(summary, await upsertAccountBatch(db, rows.slice(i, i + size)));
  return summary;
}

const RETRYABLE = new Set(["40001", "40P01"]); // serialization failure, deadlock

/**
 * One batch in one transaction. Should the database still refuse something
 * (a constraint the schema does not mirror, a concurrent writer), the batch is
 * split in halves and retried, so one bad row is isolated and reported while
 * every good row is written.
 */
export async function upsertAccountBatch(
  db: Kysely<Database>,
  batch: readonly IndexedRow[],
): Promise<UpsertSummary> {
  if (batch.length === 0) return emptySummary();
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute((trx) => writeBatch(trx, batch));
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code && RETRYABLE.has(code) && attempt < 4) continue;
      if (!code || !/^(22|23)/.test(code)) throw error; // not a data problem: let the caller fail loudly
      if (batch.length === 1) {
        const only = batch[0]!;
        logger.warn(
          { code, constraint: (error as { constraint?: string }).constraint, index: only.index },
          "account record refused by the database",
        );
        return {
          ...emptySummary(),
          rejected: [{ index: only.index, path: "(record)", message: databaseRefusal(error) }],
        };
      }
      const mid = Math.ceil(batch.length / 2);
      return addSummary(
        await upsertAccountBatch(db, batch.slice(0, mid)),
        await upsertAccountBatch(db, batch.slice(mid)),
      );
    }
  }
}

function databaseRefusal(error: unknown): string {
  const constraint = (error as { constraint?: string }).constraint;
  return constraint ? `refused by the database (${constraint})` : "refused by the database";
}

async function writeBatch(trx: Trx, batch: readonly IndexedRow[]): Promise<UpsertSummary> {
  const summary = emptySummary();
  const byAccount = latestPerAccount(batch, summary);
  await refuseMovedAccounts(trx, byAccount, summary);
  if (byAccount.size === 0) return summary;

  const accounts = [...byAccount.values()].sort((a, b) =>
    compare(a.row.account.external_ref, b.row.account.external_ref),
  );
  const byBorrower = new Map<string, AccountUpsertRow["borrower"]>();
  for (const { row } of [...byAccount.values()].sort((a, b) => a.index - b.index))
    byBorrower.set(row.borrower.external_ref, row.borrower);
  // Sorted keys: concurrent batches lock rows in the same order, so they wait instead of deadlocking.
  const borrowers = [...byBorrower.values()].sort((a, b) => compare(a.external_ref, b.external_ref));
  await upsertBorrowers(trx, borrowers, summary);
  const accountResult = await upsertAccounts(trx, accounts);

  const moved: { id: string; asOf: Date }[] = [];
  const closed: string[] = [];
  for (const r of accountResult.rows) {
    if (r.inserted) summary.created += 1;
    else {
      summary.updated += 1;
      moved.push({ id: r.id, asOf: r.balance_as_of });
    }
    if (r.status === "closed") closed.push(r.id);
  }
  summary.unchanged += accounts.length - accountResult.rows.length;
  summary.paymentsConfirmed = await confirmPaymentsIncludedInBalance(trx, moved);
  // Links are revoked on account closure, and the sessions opened on them end (docs/product-rules.md §3.2).
  await revokeLinks(trx, { accountIds: closed }, "account_closed");
  return summary;
}

/**
 * Within a batch the latest record per account wins (later balance_as_of, then later position),
 * exactly as if the records had arrived one by one. ON CONFLICT cannot touch a row twice in one statement.
 */
function latestPerAccount(batch: readonly IndexedRow[], summary: UpsertSummary): Map<string, IndexedRow> {
  const byAccount = new Map<string, IndexedRow>();
  for (const item of batch) {
    const seen = byAccount.get(item.row.account.external_ref);
    if (!seen || item.row.account.balance_as_of >= seen.row.account.balance_as_of) {
      if (seen) summary.unchanged += 1;
      byAccount.set(item.row.account.external_ref, item);
    } else summary.unchanged += 1;
  }
  return byAccount;
}

/** An account already held by another borrower is refused, not moved: dropped from the batch and reported. */
async function refuseMovedAccounts(trx: Trx, byAccount: Map<string, IndexedRow>, summary: UpsertSummary) {
  const refs = [...byAccount.keys()];
  const owners = await sql<{ account_ref: string; borrower_ref: string }>`
    select a.external_ref as account_ref, (select b.external_ref from borrowers b where b.id = a.borrower_id) as borrower_ref
    from accounts a
    where a.external_ref = any(${arrayLiteral(refs)}::text[])
  `.execute(trx);
  for (const owner of owners.rows) {
    const item = byAccount.get(owner.account_ref)!;
    if (item.row.borrower.external_ref !== owner.borrower_ref) {
      summary.rejected.push({
        index: item.index,
        path: "borrower_ref",
        message:
          "this account already belongs to another borrower; moving accounts between borrowers is not supported",
      });
      byAccount.delete(owner.account_ref);
    }
  }
}

async function upsertBorrowers(trx: Trx, borrowers: AccountUpsertRow["borrower"][], summary: UpsertSummary) {
  const col = (pick: (b: AccountUpsertRow["borrower"]) => string | number | null) =>
    arrayLiteral(borrowers.map(pick));
  // renumbered: the borrowers whose number the bank changes, read before the upsert (every part of one
  // statement reads the same snapshot), without another round trip. It is computed once for the batch and
  // joined to the upsert's rows: a lookup per returned row was quadratic in the batch (about 3 s a batch of
  // 2,000 at a million borrowers, so a million-row import crawled).
  const borrowerResult = await sql<{ id: string; inserted: boolean; phone_changed: boolean }>`
    with renumbered as (
      select b.id from borrowers b
      join unnest(${col((b) => b.external_ref)}::text[], ${col((b) => b.phone_e164)}::text[]) as u(external_ref, phone_e164)
        on b.external_ref = u.external_ref
      where b.phone_e164 <> u.phone_e164
    ), upserted as (
      insert into borrowers as b (external_ref, full_name, phone_e164, email, locale, time_zone, jurisdiction, dob_hash, id_last4_hash,
        address_line1, address_line2, address_city, address_region, address_postal_code, address_country, phone_owner)
      select * from unnest(
        ${col((b) => b.external_ref)}::text[], ${col((b) => b.full_name)}::text[], ${col((b) => b.phone_e164)}::text[],
        ${col((b) => b.email)}::text[], ${col((b) => b.locale)}::text[], ${col((b) => b.time_zone)}::text[],
        ${col((b) => b.jurisdiction)}::text[], ${col((b) => b.dob_hash)}::text[], ${col((b) => b.id_last4_hash)}::text[],
        ${col((b) => b.address_line1)}::text[], ${col((b) => b.address_line2)}::text[], ${col((b) => b.address_city)}::text[],
        ${col((b) => b.address_region)}::text[], ${col((b) => b.address_postal_code)}::text[], ${col((b) => b.address_country)}::text[],
        ${col((b) => b.phone_owner ?? "borrower")}::text[]
      )
      on conflict (external_ref) do update set
        full_name = excluded.full_name,
        phone_e164 = excluded.phone_e164,
        email = excluded.email,
        locale = excluded.locale,
        time_zone = excluded.time_zone,
        jurisdiction = excluded.jurisdiction,
        dob_hash = coalesce(excluded.dob_hash, b.dob_hash),
        id_last4_hash = coalesce(excluded.id_last4_hash, b.id_last4_hash),
        address_line1 = excluded.address_line1,
        address_line2 = excluded.address_line2,
        address_city = excluded.address_city,
        address_region = excluded.address_region,
        address_postal_code = excluded.address_postal_code,
        address_country = excluded.address_country,
        -- A visit found the borrower moved (§4.19): a different address from the bank is the new one.
        address_stale_at = case when ${ADDRESS_NOW} is not distinct from ${ADDRESS_SENT} then b.address_stale_at end,
        updated_at = now()
      -- An erased borrower (docs/product-rules.md §10.12) is not filled in again by the bank's next push.
      where b.erased_at is null and (b.full_name, b.phone_e164, b.email, b.locale, b.time_zone, b.jurisdiction, b.dob_hash, b.id_last4_hash)
        is distinct from (excluded.full_name, excluded.phone_e164, excluded.email, excluded.locale, excluded.time_zone, excluded.jurisdiction,
          coalesce(excluded.dob_hash, b.dob_hash), coalesce(excluded.id_last4_hash, b.id_last4_hash))
        or b.erased_at is null and ${ADDRESS_NOW} is distinct from ${ADDRESS_SENT}
      returning b.id, (xmax = 0) as inserted
    )
    select u.id, u.inserted, (r.id is not null) as phone_changed from upserted u left join renumbered r on r.id = u.id
  `.execute(trx);
  for (const r of borrowerResult.rows) {
    if (r.inserted) summary.borrowersCreated += 1;
    else summary.borrowersUpdated += 1;
  }
  // Links already texted to the old number must not open the account for whoever holds it now.
  const renumbered = borrowerResult.rows.filter((r) => r.phone_changed).map((r) => r.id);
  await revokeLinks(trx, { borrowerIds: renumbered }, "phone_changed");
  const newNumbers = borrowerResult.rows.filter((r) => r.inserted || r.phone_changed).map((r) => r.id);
  await optOutSuppressedNumbers(trx, newNumbers);
  await setPhoneOwners(trx, borrowers, renumbered);
}

const ADDRESS_NOW = sql`(b.address_line1, b.address_line2, b.address_city, b.address_region, b.address_postal_code, b.address_country)`;
const ADDRESS_SENT = sql`(excluded.address_line1, excluded.address_line2, excluded.address_city, excluded.address_region,
  excluded.address_postal_code, excluded.address_country)`;

/**
 * Whose each number is (docs/product-rules.md §4.20): what the bank says when it says it; a new number it
 * does not mark is the borrower's; otherwise Settle keeps what it holds (an agent's finding included). New
 * borrowers got theirs with the insert; one statement, only when some record says or some number changed.
 */
async function setPhoneOwners(trx: Trx, borrowers: AccountUpsertRow["borrower"][], renumbered: string[]) {
  const said = borrowers.filter((b) => b.phone_owner !== null);
  if (said.length === 0 && renumbered.length === 0) return;
  await sql`
    update borrowers b set phone_owner = coalesce(u.owner, 'borrower'), updated_at = now()
      from unnest(${arrayLiteral(borrowers.map((b) => b.external_ref))}::text[], ${arrayLiteral(borrowers.map((b) => b.phone_owner))}::text[])
        as u(external_ref, owner)
     where b.external_ref = u.external_ref and b.erased_at is null
       and (u.owner is not null or b.id = any(${arrayLiteral(renumbered)}::uuid[]))
       and b.phone_owner is distinct from coalesce(u.owner, 'borrower')`.execute(trx);
}

/**
 * A borrower given a number that once said STOP starts opted out (TCPA and CTIA: the opt-out is the
 * number's, and the person who sent it may be the one we now hold). One query per batch; rare hits.
 */
async function optOutSuppressedNumbers(trx: Trx, borrowerIds: string[]) {
  if (borrowerIds.length === 0) return;
  const suppressed = await trx
    .selectFrom("borrowers as b")
    .innerJoin("sms_suppressions as s", "s.phone_e164", "b.phone_e164")
    .select("b.id")
    .where("b.id", "=", sql<string>`any(${arrayLiteral(borrowerIds)}::uuid[])`)
    .execute();
  for (const { id } of suppressed)
    await optOutOfSms(trx, { borrowerId: id, source: { actor: "system", via: "number_suppressed" } });
}

/**
 * The borrower lookup is a correlated subquery on purpose: the planner cannot see how many rows
 * unnest() yields and would hash-join against a full scan of borrowers on every batch.
 */
function upsertAccounts(trx: Trx, accounts: IndexedRow[]) {
  const acol = (
    pick: (a: AccountUpsertRow["account"], b: AccountUpsertRow["borrower"]) => string | number | null,
  ) => arrayLiteral(accounts.map((x) => pick(x.row.account, x.row.borrower)));
  return sql<{ id: string; balance_as_of: Date; status: string; inserted: boolean }>`
    insert into accounts as a (borrower_id, external_ref, product, last4, currency, balance_minor, overdue_minor, minimum_due_minor,
      fees_minor, interest_minor, due_date, dpd, status, balance_as_of)
    select (select b.id from borrowers b where b.external_ref = t.borrower_ref), t.external_ref, t.product, t.last4, t.currency,
      t.balance_minor, t.overdue_minor, t.minimum_due_minor, t.fees_minor, t.interest_minor, t.due_date, t.dpd, t.status, t.balance_as_of
    from unnest(
      ${acol((_, b) => b.external_ref)}::text[], ${acol((a) => a.external_ref)}::text[], ${acol((a) => a.product)}::text[],
      ${acol((a) => a.last4)}::text[], ${acol((a) => a.currency)}::text[], ${acol((a) => a.balance_minor)}::bigint[],
      ${acol((a) => a.overdue_minor)}::bigint[], ${acol((a) => a.minimum_due_minor)}::bigint[], ${acol((a) => a.fees_minor)}::bigint[],
      ${acol((a) => a.interest_minor)}::bigint[], ${acol((a) => a.due_date)}::date[], ${acol((a) => a.dpd)}::int[],
      ${acol((a) => a.status)}::text[], ${acol((a) => a.balance_as_of)}::timestamptz[]
    ) as t(borrower_ref, external_ref, product, last4, currency, balance_minor, overdue_minor, minimum_due_minor,
      fees_minor, interest_minor, due_date, dpd, status, balance_as_of)
    order by t.external_ref
    on conflict (external_ref) do update set
      product = excluded.product,
      last4 = excluded.last4,
      currency = excluded.currency,
      balance_minor = excluded.balance_minor,
      overdue_minor = excluded.overdue_minor,
      minimum_due_minor = excluded.minimum_due_minor,
      fees_minor = excluded.fees_minor,
      interest_minor = excluded.interest_minor,
      due_date = excluded.due_date,
      dpd = excluded.dpd,
      status = excluded.status,
      balance_as_of = excluded.balance_as_of,
      updated_at = now()
    where a.borrower_id = excluded.borrower_id
      and a.balance_as_of <= excluded.balance_as_of
      and (a.product, a.last4, a.currency, a.balance_minor, a.overdue_minor, a.minimum_due_minor, a.fees_minor, a.interest_minor,
           a.due_date, a.dpd, a.status, a.balance_as_of)
        is distinct from (excluded.product, excluded.last4, excluded.currency, excluded.balance_minor, excluded.overdue_minor,
           excluded.minimum_due_minor, excluded.fees_minor, excluded.interest_minor, excluded.due_date, excluded.dpd, excluded.status,
           excluded.balance_as_of)
    returning a.id, a.balance_as_of, a.status, (xmax = 0) as inserted
  `.execute(trx);
}

/** Payments up to each account's new balance_as_of are in the bank's balance now: confirmed, no longer subtracted. */
export async function confirmPaymentsIncludedInBalance(
  trx: Trx,
  accounts: readonly { id: string; asOf: Date }[],
): Promise<number> {
  if (accounts.length === 0) return 0;
  // = any(array(...)) keeps both steps on indexes (account_id, then id) however large payments grows.
  const result = await sql`
    update payments set bank_confirmed_at = now()
    where id = any(array(
      select q.id
      from unnest(${arrayLiteral(accounts.map((a) => a.id))}::uuid[], ${arrayLiteral(accounts.map((a) => a.asOf.toISOString()))}::timestamptz[])
        as u(account_id, as_of)
      cross join lateral (
        select p.id from payments p
        where p.account_id = u.account_id and ${isCredited("p")} and p.bank_confirmed_at is null and p.succeeded_at <= u.as_of
      ) q
    ))
  `.execute(trx);
  return Number(result.numAffectedRows ?? 0);
}

/**
 * A Postgres array literal for `$n::text[]` (or bigint[], date[]...). Every string element is
 * quoted, so commas, braces, blanks and the word NULL stay data; this is several times
 * cheaper than pg's generic array serialisation, which matters at a million rows.
 */
function arrayLiteral(values: readonly (string | number | null)[]): string {
  let out = "{";
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ",";
    const v = values[i];
    if (v === null || v === undefined) out += "NULL";
    else if (typeof v === "number") out += String(v);
    else
      out += `"${v.includes("\\") || v.includes('"') ? v.replace(/\\/g, "\\\\").replace(/"/g, '\\"') : v}"`;
  }
  return `${out}}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export type BalanceUpdateResult =
  | {
      result: "updated" | "unchanged" | "stale";
      accountId: string;
      borrowerId: string;
      balanceAsOf: Date;
      paymentsConfirmed: number;
    }
  | { result: "not_found" };

/** One account's new balance (omitted fields unchanged); same ordering rules as the bulk upsert. */
export async function applyBalanceUpdate(
  trx: Trx,
  accountRef: string,
  update: BalanceUpdate,
  receivedAt: Date,
): Promise<BalanceUpdateResult> {
  const current = await trx
    .selectFrom("accounts")
    .selectAll()
    .where("external_ref", "=", accountRef)
    .forUpdate()
    .executeTakeFirst();
  if (!current) return { result: "not_found" };
  const asOf = new Date(update.balance_as_of ?? receivedAt);
  const base = { accountId: current.id, borrowerId: current.borrower_id };
  if (asOf.getTime() < current.balance_as_of.getTime())
    return { ...base, result: "stale", balanceAsOf: current.balance_as_of, paymentsConfirmed: 0 };
  const next = {
    balance_minor: update.balance_minor,
    overdue_minor: update.overdue_minor ?? current.overdue_minor,
    minimum_due_minor: update.minimum_due_minor ?? current.minimum_due_minor,
    fees_minor: update.fees_minor ?? current.fees_minor,
    interest_minor: update.interest_minor ?? current.interest_minor,
    due_date: update.due_date === undefined ? current.due_date : update.due_date,
    dpd: update.dpd ?? current.dpd,
    status: update.status ?? current.status,
  };
  const same =
    asOf.getTime() === current.balance_as_of.getTime() &&
    (Object.keys(next) as (keyof typeof next)[]).every((k) => next[k] === current[k]);
  if (same) return { ...base, result: "unchanged", balanceAsOf: current.balance_as_of, paymentsConfirmed: 0 };
  await trx
    .updateTable("accounts")
    .set({ ...next, balance_as_of: asOf, updated_at: sql`now()` })
    .where("id", "=", current.id)
    .execute();
  const paymentsConfirmed = await confirmPaymentsIncludedInBalance(trx, [{ id: current.id, asOf }]);
  if (next.status === "closed" && current.status !== "closed")
    await revokeLinks(trx, { accountIds: [current.id] }, "account_closed");
  return { ...base, result: "updated", balanceAsOf: asOf, paymentsConfirmed };
}
