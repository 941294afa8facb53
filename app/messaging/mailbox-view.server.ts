import { sql, type Kysely } from "kysely";
import type { Database } from "../../db/schema";

/** The development mailbox, newest first: each email as its inbox got it (text, HTML source, headers). */
export async function listMailbox(db: Kysely<Database>, limit: number) {
  const rows = await db
    .selectFrom("mailbox_emails as m")
    // A staff email (an invitation) has no `emails` row: it names its own template and language.
    .leftJoin("emails as e", "e.id", "m.email_id")
    .select([
      "m.email_id",
      "m.to_address",
      "m.subject",
      "m.text_body",
      "m.html_body",
      "m.headers",
      "m.recorded_at",
      sql<string | null>`coalesce(m.template_key, e.template_key)`.as("template_key"),
      sql<string | null>`coalesce(m.locale, e.locale)`.as("locale"),
    ])
    .orderBy("m.recorded_at", "desc")
    .orderBy("m.email_id", "desc")
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: r.email_id,
    to: r.to_address,
    subject: r.subject,
    text: r.text_body,
    html: r.html_body,
    headers: Object.entries(r.headers).map(([name, value]) => `${name}: ${String(value)}`),
    templateKey: r.template_key,
    locale: r.locale,
    at: r.recorded_at.toISOString().replace("T", " ").slice(0, 19),
  }));
}
