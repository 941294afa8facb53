import { sql, type Transaction } from "kysely";
import type { Database, MessageStatus } from "../../db/schema";
import type { ProviderAccepted } from "../messaging/providers/provider";

/**
 * The dispatcher's writes of what happened to its texts (dispatcher.server.ts): status changes and their
 * message_status_events rows, set-based, in the caller's transaction. A status past `sending` also drops the
 * text's sealed link code (trigger, migration 0025).
 */
type Trx = Transaction<Database>;
export type StatusChange = { id: string; status: MessageStatus; detail: Record<string, unknown> };
export type StatusEvent = ReturnType<typeof event>;

export async function markAccepted(
  trx: Trx,
  accepted: Array<{ msg: { id: string }; accepted: ProviderAccepted }>,
  now: Date,
) {
  if (accepted.length === 0) return;
  await sql`update messages m set status = v.status, provider_message_id = v.provider_message_id, sent_at = v.sent_at
    from json_populate_recordset(null::messages, ${json(
      accepted.map((a) => ({
        id: a.msg.id,
        status: a.accepted.status,
        provider_message_id: a.accepted.providerMessageId,
        sent_at: now,
      })),
    )}::json) v
    where m.id = v.id`.execute(trx);
  await insertEvents(trx, [
    ...accepted.map((a) => event(a.msg.id, "sent", now, { providerMessageId: a.accepted.providerMessageId })),
    ...accepted
      .filter((a) => a.accepted.status === "delivered")
      .map((a) => event(a.msg.id, "delivered", now, {})),
  ]);
}

export async function applyChanges(trx: Trx, changes: StatusChange[], events: StatusEvent[]) {
  if (changes.length) {
    await sql`update messages m set status = v.status
      from json_populate_recordset(null::messages, ${json(changes.map((c) => ({ id: c.id, status: c.status })))}::json) v
      where m.id = v.id`.execute(trx);
  }
  await insertEvents(trx, events);
}

/** Status events in one statement, in order (their serial ids keep each message's history ordered). */
async function insertEvents(trx: Trx, events: StatusEvent[]) {
  if (events.length === 0) return;
  await sql`insert into message_status_events (message_id, status, occurred_at, detail)
    select message_id, status, occurred_at, detail from json_populate_recordset(null::message_status_events, ${json(events)}::json)`.execute(
    trx,
  );
}

export function event(messageId: string, status: MessageStatus, now: Date, detail: Record<string, unknown>) {
  return { message_id: messageId, status, occurred_at: now, detail };
}

/** Rows for json_populate_recordset (dates become ISO strings through Date#toJSON). */
export function json(rows: object[]): string {
  return JSON.stringify(rows);
}
