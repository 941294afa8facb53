import type { Kysely } from "kysely";
import type { Database } from "../../db/schema";

/** The dev outbox grouped by phone, newest conversation first. */
export async function listOutbox(db: Kysely<Database>, limit: number) {
  const rows = await db
    .selectFrom("messages")
    .select([
      "id",
      "direction",
      "body",
      "status",
      "segments",
      "encoding",
      "template_key",
      "to_address",
      "from_address",
      "created_at",
    ])
    .where((eb) => eb.or([eb("provider", "=", "outbox"), eb("direction", "=", "inbound")]))
    .where("status", "not in", ["queued", "cancelled"])
    .orderBy("created_at", "desc")
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
