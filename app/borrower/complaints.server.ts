import { randomBytes } from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import type { ComplaintCategory, Database } from "../../db/schema";
import { localToday } from "../domain/borrower-actions";
import { complaintAckNumber } from "../domain/complaint-ack";
import type { BorrowerSession } from "./session.server";
import type { QueueSmsResult } from "../messaging/outbound-sms.server";
import { resumeCasesOnReply } from "../engine/case-replies.server";
import { holdDisputeFlag } from "./complaint-dispute.server";
import {
  announceBorrowerAction,
  cancelQueuedReminders,
  isUniqueViolation,
  sessionAccount,
} from "./action-scope.server";

/**
 * Complaints (docs/product-rules.md §5.6): recorded with an acknowledgement number the
 * borrower can quote, queued for a supervisor as a `complaint` task. A
 * complaint that disputes the amount also sets the account's dispute flag,
 * which suppresses collection reminders until staff resolve the complaint
 * (docs/product-rules.md §4.3, §8.13): chasing a debt the borrower says is wrong is
 * what regulators tell collectors not to do.
 */

const ACK_UNIQUE = "complaints_ack_number_key";
const ACK_ATTEMPTS = 5;

export interface ComplaintOutcome {
  complaintId: string;
  ackNumber: string;
  disputeFlagged: boolean;
  sms: QueueSmsResult;
}

export async function fileComplaint(
  db: Kysely<Database>,
  session: BorrowerSession,
  input: ComplaintInput,
  now = new Date(),
  random: (size: number) => Uint8Array = randomBytes,
): Promise<ComplaintOutcome> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute((trx) => recordComplaint(trx, session, input, now, random));
    } catch (error) {
      // A clash of acknowledgement numbers rolled the whole transaction back; draw again.
      if (isUniqueViolation(error, ACK_UNIQUE) && attempt < ACK_ATTEMPTS) continue;
      throw error;
    }
  }
}

type ComplaintInput = { category: ComplaintCategory; text: string };

/** The complaint, its supervisor task, the dispute flag when it disputes the amount, and their announcements. */
async function recordComplaint(
  trx: Transaction<Database>,
  session: BorrowerSession,
  input: ComplaintInput,
  now: Date,
  random: (size: number) => Uint8Array,
): Promise<ComplaintOutcome> {
  const account = await sessionAccount(trx, session);
  const ackNumber = complaintAckNumber(localToday(now, account.time_zone), random(5));
  const complaint = await trx
    .insertInto("complaints")
    .values({
      borrower_id: session.borrowerId,
      account_id: session.accountId,
      ack_number: ackNumber,
      category: input.category,
      body: input.text,
      status: "open",
      created_at: now,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await trx
    .insertInto("tasks")
    .values({
      kind: "complaint",
      borrower_id: session.borrowerId,
      account_id: session.accountId,
      status: "open",
      due_at: now,
      source_type: "complaint",
      source_id: complaint.id,
      created_at: now,
    })
    .execute();
  // A further complaint about the account is the borrower's answer to one waiting for them.
  await resumeCasesOnReply(trx, {
    borrowerId: session.borrowerId,
    via: "complaint",
    ref: complaint.id,
    scope: { type: "complaint", accountId: session.accountId },
    now,
  });
  const disputeFlagged = input.category === "amount_disputed";
  const cancelled = disputeFlagged ? await flagDispute(trx, session, complaint.id, now) : 0;
  const facts = { complaintId: complaint.id, ackNumber, category: input.category, disputeFlagged };
  const sms = await announceComplaint(trx, session, {
    facts,
    cancelled,
    accountRef: account.external_ref,
    now,
  });
  return { complaintId: complaint.id, ackNumber, disputeFlagged, sms };
}

/** Sets (or joins) the account's dispute flag for this complaint and cancels its queued reminders. */
async function flagDispute(
  trx: Transaction<Database>,
  session: BorrowerSession,
  complaintId: string,
  now: Date,
): Promise<number> {
  await holdDisputeFlag(trx, { ...session, complaintId, now });
  return cancelQueuedReminders(trx, session, now, "dispute");
}

/** The audit event, the bank event and the borrower's acknowledgement text. */
async function announceComplaint(
  trx: Transaction<Database>,
  session: BorrowerSession,
  opts: {
    facts: { complaintId: string; ackNumber: string; category: ComplaintCategory; disputeFlagged: boolean };
    cancelled: number;
    accountRef: string;
    now: Date;
  },
): Promise<QueueSmsResult> {
  const { facts, now } = opts;
  return announceBorrowerAction(trx, session, {
    action: "complaint.filed",
    subjectType: "complaint",
    subjectId: facts.complaintId,
    facts,
    auditDetail: { cancelledReminders: opts.cancelled },
    bankPayload: { accountRef: opts.accountRef },
    confirmation: {
      templateKey: "confirmation.complaint_ack",
      vars: { ackNumber: facts.ackNumber },
      dedupeKey: `confirmation:complaint:${facts.complaintId}`,
    },
    now,
  });
}

/** The complaint the confirmation page describes: the latest for the session's account. */
export async function latestComplaint(db: Kysely<Database>, session: BorrowerSession) {
  const row = await db
    .selectFrom("complaints")
    .select(["ack_number", "category", "created_at"])
    .where("borrower_id", "=", session.borrowerId)
    .where("account_id", "=", session.accountId)
    .orderBy("created_at", "desc")
    .limit(1)
    .executeTakeFirst();
  return row ? { ackNumber: row.ack_number, category: row.category } : null;
}
