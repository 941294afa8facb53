import { sql, type Kysely, type Transaction } from "kysely";
import type { Database, PromiseStatus } from "../../db/schema";
import { isCredited } from "../../db/pending-credit";
import { localToday, promiseDateOptions } from "../domain/borrower-actions";
import { activeContactPolicy } from "../engine/planner.server";
import { getAccountOverview } from "./overview.server";
import { appendAudit } from "../platform/audit.server";
import { emitBankEvent } from "../platform/bank-events.server";
import type { BorrowerSession } from "./session.server";
import { queueSms, smsAmount, smsDate, type QueueSmsResult } from "../messaging/outbound-sms.server";
import {
  actedBy,
  auditActor,
  cancelQueuedReminders,
  isUniqueViolation,
  portalSource,
  sessionAccount,
  smsLocale,
  type SessionScope,
} from "./action-scope.server";

/**
 * Promise to pay (docs/product-rules.md §5.2): an amount and a date within 14 days. While a
 * promise is active the planner defers reminders until the date plus the
 * policy's grace days; `resolvePromises` later marks it kept or broken, and a
 * broken promise simply stops deferring, so the cadence resumes.
 */

const ONE_ACTIVE_INDEX = "promises_to_pay_one_active_per_account";

/** What the promise page needs: the bounds of a valid promise, and any promise already in force. */
export async function promisePageFacts(db: Kysely<Database>, session: SessionScope, now = new Date()) {
  const account = await sessionAccount(db, session);
  const overview = await getAccountOverview(db, session);
  const today = localToday(now, account.time_zone);
  const active = await db
    .selectFrom("promises_to_pay")
    .select(["amount_minor", "promised_date"])
    .where("account_id", "=", session.accountId)
    .where("borrower_id", "=", session.borrowerId)
    .where("status", "=", "active")
    .executeTakeFirst();
  return {
    currency: account.currency,
    balanceMinor: overview.balanceMinor,
    overdueMinor: overview.overdueMinor,
    today,
    dateOptions: promiseDateOptions(today),
    activePromise: active ? { amountMinor: active.amount_minor, promisedDate: active.promised_date } : null,
  };
}

export type MakePromiseResult =
  { status: "created"; promiseId: string; sms: QueueSmsResult } | { status: "already_active" };

/** Records the promise, pauses queued reminders, and tells the borrower, the bank and the audit log, in one transaction. */
export async function makePromise(
  db: Kysely<Database>,
  session: SessionScope,
  input: { amountMinor: number; promisedDate: string },
  now = new Date(),
): Promise<MakePromiseResult> {
  try {
    return await db.transaction().execute(async (trx) => {
      const account = await sessionAccount(trx, session);
      const promise = await trx
        .insertInto("promises_to_pay")
        .values({
          account_id: session.accountId,
          borrower_id: session.borrowerId,
          amount_minor: input.amountMinor,
          currency: account.currency,
          promised_date: input.promisedDate,
          status: "active",
          created_at: now,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      const cancelled = await cancelQueuedReminders(trx, session, now, "promise_made");
      await appendAudit(
        trx,
        {
          ...auditActor(session),
          action: "promise.made",
          subjectType: "promise_to_pay",
          subjectId: promise.id,
          borrowerId: session.borrowerId,
          detail: {
            via: portalSource(session).via,
            accountId: session.accountId,
            amountMinor: input.amountMinor,
            currency: account.currency,
            promisedDate: input.promisedDate,
            cancelledReminders: cancelled,
            ...actedBy(session),
          },
        },
        now,
      );
      await emitBankEvent(trx, {
        type: "promise.made",
        accountId: session.accountId,
        borrowerId: session.borrowerId,
        payload: {
          promiseId: promise.id,
          accountRef: account.external_ref,
          amountMinor: input.amountMinor,
          currency: account.currency,
          promisedDate: input.promisedDate,
          ...actedBy(session),
        },
        now,
      });
      const locale = smsLocale(account);
      const sms = await queueSms(trx, {
        borrowerId: session.borrowerId,
        accountId: session.accountId,
        templateKey: "confirmation.promise_confirmed",
        purpose: "confirmation",
        vars: {
          amount: smsAmount(input.amountMinor, account.currency, locale),
          dueDate: smsDate(input.promisedDate, locale),
        },
        dedupeKey: `confirmation:promise:${promise.id}`,
        now,
      });
      return { status: "created" as const, promiseId: promise.id, sms };
    });
  } catch (error) {
    // Two tabs, or a double submit: the partial unique index keeps one active promise per account.
    if (isUniqueViolation(error, ONE_ACTIVE_INDEX)) return { status: "already_active" };
    throw error;
  }
}

/** The promise the confirmation page describes: the latest for the session's account. */
export async function latestPromise(db: Kysely<Database>, session: BorrowerSession) {
  const policy = await activeContactPolicy(db);
  const row = await db
    .selectFrom("promises_to_pay")
    .select(["amount_minor", "currency", "promised_date", "status"])
    .where("account_id", "=", session.accountId)
    .where("borrower_id", "=", session.borrowerId)
    .orderBy("created_at", "desc")
    .limit(1)
    .executeTakeFirst();
  if (!row) return null;
  return {
    amountMinor: row.amount_minor,
    currency: row.currency,
    promisedDate: row.promised_date,
    status: row.status,
    /** Reminders resume after this local date (the promised date plus the grace days). */
    remindersPausedThrough: addDays(row.promised_date, policy.promiseGraceDays),
  };
}

function addDays(isoDate: string, days: number): string {
  const [y, m, d] = isoDate.split("-").map(Number);
  return new Date(Date.UTC(y!, m! - 1, d! + days)).toISOString().slice(0, 10);
}

export interface ResolvedPromise {
  id: string;
  accountId: string;
  borrowerId: string;
  status: Extract<PromiseStatus, "kept" | "broken">;
  amountMinor: number;
  paidMinor: number;
}

/**
 * Settles every active promise whose date plus grace has passed on the
 * borrower's clock (the moment the planner stops deferring for it): kept when
 * succeeded payments since the promise was made cover its amount, otherwise
 * broken. Set-based, in batches; SKIP LOCKED lets two workers run it at once
 * without resolving a promise twice. Each resolution emits a bank event and an
 * audit entry in the same transaction as its status change.
 */
export async function resolvePromises(
  db: Kysely<Database>,
  now = new Date(),
  opts: { batchSize?: number } = {},
): Promise<ResolvedPromise[]> {
  const { promiseGraceDays } = await activeContactPolicy(db);
  const batchSize = opts.batchSize ?? 1_000;
  const resolved: ResolvedPromise[] = [];
  for (;;) {
    const batch = await db.transaction().execute(async (trx) => {
      const { rows } = await settleDuePromises(trx, { graceDays: promiseGraceDays, batchSize, now });
      await announceResolutions(trx, rows, now);
      return rows.map((r): ResolvedPromise => ({
        id: r.id,
        accountId: r.account_id,
        borrowerId: r.borrower_id,
        status: r.status,
        amountMinor: Number(r.amount_minor),
        paidMinor: Number(r.paid_minor),
      }));
    });
    resolved.push(...batch);
    if (batch.length < batchSize) return resolved;
  }
}

/** Marks up to batchSize due promises kept or broken, in one statement, and returns them. */
function settleDuePromises(
  trx: Transaction<Database>,
  { graceDays, batchSize, now }: { graceDays: number; batchSize: number; now: Date },
) {
  return sql<{
    id: string;
    account_id: string;
    borrower_id: string;
    status: "kept" | "broken";
    amount_minor: string | number;
    currency: string;
    promised_date: string;
    paid_minor: string | number;
  }>`
    with due as (
      select p.id
      from promises_to_pay p
      join borrowers b on b.id = p.borrower_id
      where p.status = 'active'
        and ((p.promised_date + ${graceDays + 1}::int)::timestamp at time zone b.time_zone) <= ${now}::timestamptz
      order by p.promised_date, p.id
      limit ${batchSize}
      for update of p skip locked
    ),
    paid as (
      select d.id, coalesce(sum(pay.amount_minor - pay.reversed_minor), 0)::bigint as paid_minor
      from due d
      join promises_to_pay p on p.id = d.id
      left join payments pay
        on pay.account_id = p.account_id
       and pay.borrower_id = p.borrower_id
       and ${isCredited("pay")}
       and coalesce(pay.succeeded_at, pay.created_at) >= p.created_at
      group by d.id
    )
    update promises_to_pay p
    set status = case when paid.paid_minor >= p.amount_minor then 'kept' else 'broken' end,
        resolved_at = ${now}::timestamptz
    from paid
    where p.id = paid.id
    returning p.id, p.account_id, p.borrower_id, p.status, p.amount_minor, p.currency, p.promised_date::text as promised_date, paid.paid_minor
  `.execute(trx);
}

type SettledPromise = Awaited<ReturnType<typeof settleDuePromises>>["rows"][number];

/** A bank event and an audit entry per resolution, in the transaction that resolved it. */
async function announceResolutions(trx: Transaction<Database>, rows: SettledPromise[], now: Date) {
  for (const row of rows) {
    const detail = {
      promiseId: row.id,
      amountMinor: Number(row.amount_minor),
      paidMinor: Number(row.paid_minor),
      currency: row.currency,
      promisedDate: row.promised_date,
    };
    await emitBankEvent(trx, {
      type: row.status === "kept" ? "promise.kept" : "promise.broken",
      accountId: row.account_id,
      borrowerId: row.borrower_id,
      payload: detail,
      now,
    });
    await appendAudit(
      trx,
      {
        actorType: "system",
        action: `promise.${row.status}`,
        subjectType: "promise_to_pay",
        subjectId: row.id,
        borrowerId: row.borrower_id,
        detail: { ...detail, accountId: row.account_id },
      },
      now,
    );
  }
}
