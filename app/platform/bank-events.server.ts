import { randomUUID } from "node:crypto";
import { sql, type Transaction } from "kysely";
import type { Database } from "../../db/schema";
import { jobPayload } from "./request-context.server";

type Trx = Transaction<Database>;

/** Event types the bank's core system receives (docs/product-rules.md §9.5). */
export type BankEventType =
  | "payment.succeeded"
  | "payment.refunded"
  | "payment.disputed"
  | "payment.dispute_won"
  | "payment.charged_back"
  | "plan.proposed"
  | "plan.approved"
  | "plan.rejected"
  | "plan.countered"
  | "plan.accepted"
  | "plan.declined"
  | "plan.broken"
  | "plan.instalment_moved"
  | "settlement.offered"
  | "settlement.accepted"
  | "settlement.paid"
  | "settlement.lapsed"
  | "settlement.withdrawn"
  | "plan.autopay_on"
  | "plan.autopay_off"
  | "plan.autopay_charge_failed"
  | "promise.made"
  | "promise.kept"
  | "promise.broken"
  | "hardship.reported"
  | "preferences.changed"
  | "sms.opted_out"
  | "sms.opted_in"
  | "account.wrong_number"
  | "complaint.filed"
  | "appointment.requested";

/**
 * Records an outbound event for the bank in the caller's transaction and
 * queues its delivery job. The row id is the stable event id the bank
 * deduplicates on; delivery (signing, retries) is the `bank-event:deliver` task.
 */
export async function emitBankEvent(
  trx: Trx,
  event: {
    type: BankEventType;
    accountId?: string | null;
    borrowerId?: string | null;
    payload: Record<string, unknown>;
    now?: Date;
  },
): Promise<string> {
  const id = randomUUID();
  await trx
    .insertInto("bank_events")
    .values({
      id,
      type: event.type,
      account_id: event.accountId ?? null,
      borrower_id: event.borrowerId ?? null,
      payload: JSON.stringify(event.payload),
      created_at: event.now ?? new Date(),
    })
    .execute();
  await sql`select graphile_worker.add_job('bank-event:deliver', ${jobPayload({ eventId: id })}::json, max_attempts := 12, job_key := ${`bank-event:${id}`}::text)`.execute(
    trx,
  );
  return id;
}
