import type { Transaction } from "kysely";
import type { CaseReplyVia, CaseType, Database } from "../../db/schema";
import { appendAudit } from "../platform/audit.server";

/**
 * A borrower's answer to a case waiting for them (docs/product-rules.md §8.13, "Replies"): a case in
 * `awaiting_borrower` goes back to `in_progress` when the borrower texts back or files a new complaint or
 * hardship report, so the owner's queue shows it as theirs to move again. It runs inside the transaction
 * that stored the reply, so the reply and the move are written together or not at all. The history says
 * what came in and where it is kept (`reply_ref`), never the borrower's words; the audit row is the
 * system's, since no staff member moved the case.
 */
export interface CaseReply {
  borrowerId: string;
  via: CaseReplyVia;
  /** The row holding what came in: the inbound message, the new complaint or hardship report. */
  ref: string;
  /**
   * A portal submission answers the cases of its own kind about its account (or about none); a text has no
   * account and answers every case waiting for the borrower.
   */
  scope?: { type: CaseType; accountId: string };
  now: Date;
}

const TABLES = [
  { type: "complaint", table: "complaints", subject: "complaint" },
  { type: "hardship", table: "hardship_reports", subject: "hardship_report" },
] as const;

/** Moves the borrower's waiting cases back to `in_progress`; returns how many moved. */
export async function resumeCasesOnReply(trx: Transaction<Database>, reply: CaseReply): Promise<number> {
  let moved = 0;
  for (const { type, table, subject } of TABLES) {
    if (reply.scope && reply.scope.type !== type) continue;
    const accountId = reply.scope?.accountId;
    // The status test is in the UPDATE itself: a staff move that took the row lock first wins, and this
    // one then finds the case no longer waiting and leaves it alone.
    const cases = await trx
      .updateTable(table)
      .set({ status: "in_progress" })
      .where("borrower_id", "=", reply.borrowerId)
      .where("status", "=", "awaiting_borrower")
      .$if(accountId !== undefined, (q) =>
        q.where((eb) => eb.or([eb("account_id", "=", accountId!), eb("account_id", "is", null)])),
      )
      .returning(["id", "account_id"])
      .execute();
    for (const c of cases) {
      await trx
        .insertInto("case_events")
        .values({
          case_type: type,
          case_id: c.id,
          borrower_id: reply.borrowerId,
          account_id: c.account_id,
          staff_user_id: null,
          kind: "borrower_reply",
          from_status: "awaiting_borrower",
          to_status: "in_progress",
          reply_via: reply.via,
          reply_ref: reply.ref,
          created_at: reply.now,
        })
        .execute();
      await appendAudit(
        trx,
        {
          actorType: "system",
          actorId: null,
          action: "case.borrower_replied",
          subjectType: subject,
          subjectId: c.id,
          borrowerId: reply.borrowerId,
          detail: { caseType: type, via: reply.via, from: "awaiting_borrower", to: "in_progress" },
        },
        reply.now,
      );
    }
    moved += cases.length;
  }
  return moved;
}
