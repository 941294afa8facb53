import { parsePhoneNumberFromString } from "libphonenumber-js";
import type { Kysely, Transaction } from "kysely";
import { timeOrderedId } from "../platform/ids.server";
import type { Database } from "../../db/schema";
import { classifyInboundSms, type InboundSmsKind as InboundKind } from "../domain/inbound-keywords";
import { optInToSms, optOutOfSms } from "./feedback.server";
import { logger, maskPhone } from "../platform/logger.server";
import { queueSms } from "../messaging/outbound-sms.server";

export interface InboundSms {
  from: string;
  body: string;
  provider: "outbox" | "twilio";
  /** Provider's id for the inbound text; makes webhook retries harmless. */
  providerMessageId: string | null;
  now?: Date;
}

export type InboundOutcome = { kind: InboundKind; borrowers: number; replies: number };

/**
 * A reply from a phone (docs/product-rules.md §4.9): STOP and friends opt out with one
 * confirmation, START opts back in, HELP answers with bank name and hotline.
 * Stored as an inbound message for each borrower on that number; retries of
 * the same provider message change nothing. `within` runs in the same transaction with the outcome
 * (the console's outbox audits the reply it typed there).
 */
export async function handleInboundSms(
  db: Kysely<Database>,
  sms: InboundSms,
  opts: { within?: (trx: Transaction<Database>, outcome: InboundOutcome) => Promise<void> } = {},
): Promise<InboundOutcome> {
  return db.transaction().execute(async (trx) => {
    const outcome = await storeAndAnswer(trx, sms);
    await opts.within?.(trx, outcome);
    return outcome;
  });
}

async function storeAndAnswer(trx: Transaction<Database>, sms: InboundSms): Promise<InboundOutcome> {
  const now = sms.now ?? new Date();
  const from = parsePhoneNumberFromString(sms.from)?.number ?? sms.from;
  const { kind, keyword } = classifyInboundSms(sms.body);
  const borrowers = await trx
    .selectFrom("borrowers")
    .leftJoin("contact_preferences", "contact_preferences.borrower_id", "borrowers.id")
    .select(["borrowers.id", "contact_preferences.sms_opted_out_at"])
    .where("borrowers.phone_e164", "=", from)
    .execute();
  if (borrowers.length === 0) {
    logger.info({ from: maskPhone(from), kind }, "inbound SMS from an unknown number");
    return { kind, borrowers: 0, replies: 0 };
  }
  let replies = 0;
  for (const [i, b] of borrowers.entries()) {
    const stored = await trx
      .insertInto("messages")
      .values({
        id: timeOrderedId(),
        borrower_id: b.id,
        account_id: null,
        direction: "inbound",
        channel: "sms",
        body: sms.body.slice(0, 1600),
        to_address: "settle",
        from_address: from,
        provider: sms.provider,
        // One provider id can only be stored once per provider; further borrowers on the number get a suffix.
        provider_message_id: sms.providerMessageId
          ? i === 0
            ? sms.providerMessageId
            : `${sms.providerMessageId}#${i}`
          : null,
        status: "received",
        created_at: now,
      })
      .onConflict((oc) =>
        oc
          .columns(["provider", "provider_message_id"])
          .where("provider_message_id", "is not", null)
          .doNothing(),
      )
      .returning("id")
      .executeTakeFirst();
    if (!stored) continue; // a webhook retry: already handled
    const source = { actor: "borrower" as const, via: `sms_keyword:${keyword ?? kind}` };
    if (kind === "opt_out" && !b.sms_opted_out_at) {
      await optOutOfSms(trx, { borrowerId: b.id, source, now });
      replies += await reply(trx, b.id, "confirmation.opted_out", now);
    } else if (kind === "opt_in" && b.sms_opted_out_at) {
      await optInToSms(trx, { borrowerId: b.id, source, now });
      replies += await reply(trx, b.id, "confirmation.opted_in", now);
    } else if (kind === "help" && i === 0) {
      replies += await reply(trx, b.id, "confirmation.help", now);
    }
  }
  return { kind, borrowers: borrowers.length, replies };
}

async function reply(
  trx: Parameters<typeof queueSms>[0],
  borrowerId: string,
  templateKey: "confirmation.opted_out" | "confirmation.opted_in" | "confirmation.help",
  now: Date,
) {
  const result = await queueSms(trx, {
    borrowerId,
    accountId: null,
    templateKey,
    purpose: "keyword_reply",
    now,
  });
  return result.status === "queued" ? 1 : 0;
}
