import type { Kysely } from "kysely";
import type { Database } from "../../db/schema";

/**
 * The dev outbox grouped by phone, newest conversation first. Outbound texts read as the phone got them
 * (outbox_texts, link included); inbound ones as stored.
 */
export async function listOutbox(db: Kysely<Database>, limit: number) {
  const rows = await db
    .selectFrom("messages")
    .leftJoin("outbox_texts", "outbox_texts.message_id", "messages.id")
    .select((eb) => [
      "messages.id",
      "messages.direction",
      eb.fn.coalesce("outbox_texts.body", "messages.body").as("body"),
      "messages.status",
      "messages.segments",
      "messages.encoding",
      "messages.template_key",
      "messages.to_address",
      "messages.from_address",
      "messages.created_at",
    ])
    .where((eb) => eb.or([eb("messages.provider", "=", "outbox"), eb("messages.direction", "=", "inbound")]))
    .where("messages.status", "not in", ["queued", "cancelled"])
    .orderBy("messages.created_at", "desc")
    .limit(limit)
    .execute();
  const phones = new Map<
    string,
    Array<{
      id: string;
      direction: string;
      body: string;
      status: string;
      segments: number | null;
      encoding: string | null;
      templateKey: string | null;
      at: string;
    }>
  >();
  for (const r of rows) {
    const phone = r.direction === "inbound" ? (r.from_address ?? r.to_address) : r.to_address;
    const list = phones.get(phone) ?? [];
    list.push({
      id: r.id,
      direction: r.direction,
      body: r.body,
      status: r.status,
      segments: r.segments,
      encoding: r.encoding,
      templateKey: r.template_key,
      at: r.created_at.toISOString().replace("T", " ").slice(0, 19),
    });
    phones.set(phone, list);
  }
  return [...phones.entries()].map(([to, messages]) => ({ to, messages: messages.reverse() }));
}
