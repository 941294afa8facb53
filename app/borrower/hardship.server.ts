import { sql, type Kysely, type Transaction } from "kysely";
import type { Database } from "../../db/schema";
import { hardshipPauseFor } from "../domain/borrower-actions";
import { activeContactPolicy } from "../engine/planner.server";
import { resumeCasesOnReply } from "../engine/case-replies.server";
import type { HardshipInput } from "./action-forms";
import type { BorrowerSession } from "./session.server";
import { queueSms, type QueueSmsResult } from "../messaging/outbound-sms.server";
import { cancelQueuedReminders, recordBorrowerAction, sessionAccount } from "./action-scope.server";

/**
 * Hardship (docs/product-rules.md §5.3): the report pauses reminders for the policy's pause
 * (30 days by default) — the planner reads the latest `pause_until` per
 * borrower — at most once per 180 days without staff. Every report, paused
 * or not, opens a hardship_review task so a person looks at it.
 */

export interface HardshipOutcome {
  reportId: string;
  pauseGranted: boolean;
  /** When reminders resume, if they are paused now (by this report or an earlier one). */
  pausedUntil: Date | null;
  sms: QueueSmsResult | null;
}

export async function reportHardship(
  db: Kysely<Database>,
  session: BorrowerSession,
  input: HardshipInput,
  now = new Date(),
): Promise<HardshipOutcome> {
  const policy = await activeContactPolicy(db);
  return db.transaction().execute(async (trx) => {
    // One report at a time per borrower, so two quick submissions cannot both start a pause.
    await sql`select pg_advisory_xact_lock(hashtextextended(${`hardship:${session.borrowerId}`}::text, 0))`.execute(
      trx,
    );
    const account = await sessionAccount(trx, session);
    const { granted, pauseUntil } = await pauseForReport(
      trx,
      session.borrowerId,
      policy.hardshipPauseDays,
      now,
    );

    const report = await trx
      .insertInto("hardship_reports")
      .values({
        borrower_id: session.borrowerId,
        account_id: session.accountId,
        reason: input.reason,
        details: input.details,
        monthly_income_minor: input.monthlyIncomeMinor,
        monthly_expenses_minor: input.monthlyExpensesMinor,
        currency: account.currency,
        wants_pause: input.wantsPause,
        wants_lower_payments: input.wantsLowerPayments,
        pause_until: pauseUntil,
        status: "open",
        created_at: now,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const pausedUntil = await currentPauseEnd(trx, session.borrowerId, now);
    const cancelled = granted
      ? await cancelQueuedReminders(trx, { borrowerId: session.borrowerId }, now, "hardship_pause")
      : 0;

    await trx
      .insertInto("tasks")
      .values({
        kind: "hardship_review",
        borrower_id: session.borrowerId,
        account_id: session.accountId,
        status: "open",
        due_at: now,
        source_type: "hardship_report",
        source_id: report.id,
        created_at: now,
      })
      .execute();
    // A new report is the borrower's answer to a hardship case waiting for more from them.
    await resumeCasesOnReply(trx, {
      borrowerId: session.borrowerId,
      via: "hardship_report",
      ref: report.id,
      scope: { type: "hardship", accountId: session.accountId },
      now,
    });
    const sms = await announceHardship(trx, session, {
      input,
      account,
      reportId: report.id,
      granted,
      pauseUntil,
      pausedUntil,
      cancelled,
      now,
    });
    return { reportId: report.id, pauseGranted: granted, pausedUntil, sms };
  });
}

/** Whether this report starts a pause (at most once per the policy's window without staff), and until when. */
async function pauseForReport(trx: Transaction<Database>, borrowerId: string, pauseDays: number, now: Date) {
  const lastPause = await trx
    .selectFrom("hardship_reports")
    .select("created_at")
    .where("borrower_id", "=", borrowerId)
    .where("pause_until", "is not", null)
    .orderBy("created_at", "desc")
    .limit(1)
    .executeTakeFirst();
  return hardshipPauseFor(now, pauseDays, lastPause?.created_at ?? null);
}

/** The audit event, the bank event and, while reminders are paused, the borrower's confirmation text. */
async function announceHardship(
  trx: Transaction<Database>,
  session: BorrowerSession,
  opts: {
    input: HardshipInput;
    account: { external_ref: string; currency: string };
    reportId: string;
    granted: boolean;
    pauseUntil: Date | null;
    pausedUntil: Date | null;
    cancelled: number;
    now: Date;
  },
): Promise<QueueSmsResult | null> {
  const { input, account, reportId, now } = opts;
  // Amounts and choices only: the free text stays in hardship_reports, where retention can clear it.
  const facts = {
    reportId,
    reason: input.reason,
    wantsPause: input.wantsPause,
    wantsLowerPayments: input.wantsLowerPayments,
    pauseGranted: opts.granted,
    pauseUntil: opts.pauseUntil?.toISOString() ?? null,
  };
  await recordBorrowerAction(trx, session, {
    action: "hardship.reported",
    subjectType: "hardship_report",
    subjectId: reportId,
    facts,
    auditDetail: { cancelledReminders: opts.cancelled },
    bankPayload: {
      accountRef: account.external_ref,
      monthlyIncomeMinor: input.monthlyIncomeMinor,
      monthlyExpensesMinor: input.monthlyExpensesMinor,
      currency: account.currency,
    },
    now,
  });
  // The text says reminders are paused; it goes out only when that is true.
  return opts.pausedUntil
    ? queueSms(trx, {
        borrowerId: session.borrowerId,
        accountId: session.accountId,
        templateKey: "confirmation.hardship_received",
        purpose: "confirmation",
        dedupeKey: `confirmation:hardship:${reportId}`,
        now,
      })
    : null;
}

async function currentPauseEnd(db: Kysely<Database>, borrowerId: string, now: Date): Promise<Date | null> {
  const row = await db
    .selectFrom("hardship_reports")
    .select(sql<Date | null>`max(pause_until)`.as("until"))
    .where("borrower_id", "=", borrowerId)
    .where("pause_until", ">", now)
    .executeTakeFirst();
  return row?.until ?? null;
}

/** The report the confirmation page describes: the latest for the session's account, and whether reminders are paused. */
export async function latestHardshipReport(db: Kysely<Database>, session: BorrowerSession, now = new Date()) {
  const row = await db
    .selectFrom("hardship_reports")
    .select(["id", "pause_until", "created_at"])
    .where("borrower_id", "=", session.borrowerId)
    .where("account_id", "=", session.accountId)
    .orderBy("created_at", "desc")
    .limit(1)
    .executeTakeFirst();
  if (!row) return null;
  const pausedUntil = await currentPauseEnd(db, session.borrowerId, now);
  return { pauseGranted: row.pause_until !== null, pausedUntil: pausedUntil?.toISOString() ?? null };
}
