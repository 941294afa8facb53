import { sql, type Transaction } from "kysely";
import type { Database } from "../../../db/schema";
import { pgArray } from "../../../db/pg-array";
import type { OutgoingSms, ProviderAccepted, SmsProvider } from "./provider";

/**
 * The dev/test provider: "sending" is recording. Acceptance is immediate and deterministic; what it
 * "sent" is kept in outbox_texts (recordOutboxTexts, in the dispatcher's transaction), which /dev/outbox
 * shows as on a phone.
 */
export const outboxProvider: SmsProvider = {
  name: "outbox",
  async send(sms: OutgoingSms): Promise<ProviderAccepted> {
    return { providerMessageId: `outbox_${sms.messageId}`, status: "delivered" };
  },
};

/**
 * The phone's copy of each text the outbox "sent", as sent (link included): the message row keeps only
 * the masked body (migration 0025), and the outbox is a development tool that must show the real text.
 */
export async function recordOutboxTexts(
  trx: Transaction<Database>,
  texts: ReadonlyArray<{ messageId: string; body: string }>,
  now: Date,
): Promise<void> {
  if (texts.length === 0) return;
  await sql`insert into outbox_texts (message_id, body, recorded_at)
    select id, body, ${now} from unnest(${pgArray(texts.map((t) => t.messageId))}::uuid[],
      ${pgArray(texts.map((t) => t.body))}::text[]) as t(id, body)
    on conflict (message_id) do nothing`.execute(trx);
}
