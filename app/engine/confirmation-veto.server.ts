import type { Transaction } from "kysely";
import type { Database } from "../../db/schema";
import { notBorrowersNumber } from "../domain/debtor-only";
import { activeProfiles } from "../messaging/debtor-only-sms.server";

type VetoReason = "sms_opted_out" | "not_borrowers_number";

/**
 * The send-time check of texts that need no schedule decision (confirmations, links an agent texted):
 * they still go only to borrowers who have not refused SMS, and, where the jurisdiction is debtor-only,
 * only to a number known to be the borrower's (docs/product-rules.md §4.20), with the schedule's own rule.
 * queueSms checked both when the text was queued; an agent may have marked the number since.
 */
export async function vetoConfirmations<M extends { id: string; borrower_id: string }>(
  trx: Transaction<Database>,
  texts: readonly M[],
): Promise<{ send: M[]; vetoed: Array<{ msg: M; reason: VetoReason }> }> {
  const borrowerIds = [...new Set(texts.map((m) => m.borrower_id))];
  const rows = await trx
    .selectFrom("borrowers as b")
    .leftJoin("contact_preferences as p", "p.borrower_id", "b.id")
    .select(["b.id", "b.jurisdiction", "b.phone_owner", "p.sms_allowed", "p.sms_opted_out_at"])
    .where("b.id", "in", borrowerIds)
    .execute();
  const profiles = rows.some((r) => r.phone_owner !== "borrower") ? await activeProfiles(trx) : null;
  const reasonFor = new Map<string, VetoReason>();
  for (const r of rows) {
    if (r.sms_opted_out_at || r.sms_allowed === false) reasonFor.set(r.id, "sms_opted_out");
    else if (
      profiles &&
      notBorrowersNumber({ jurisdiction: r.jurisdiction, phoneOwner: r.phone_owner }, profiles)
    )
      reasonFor.set(r.id, "not_borrowers_number");
  }
  const send: M[] = [];
  const vetoed: Array<{ msg: M; reason: VetoReason }> = [];
  for (const msg of texts) {
    const reason = reasonFor.get(msg.borrower_id);
    if (reason) vetoed.push({ msg, reason });
    else send.push(msg);
  }
  return { send, vetoed };
}
