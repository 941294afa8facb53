import { sql, type Kysely } from "kysely";

/**
 * The console's dashboard reads outbound texts by when they were sent (the funnel and A/B results over
 * a date range); without an index that is a scan of every message ever queued. Partial: only texts that
 * went out have a sent_at, and only outbound SMS are charted.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index messages_outbound_sms_sent_at_idx on messages (sent_at)
    where direction = 'outbound' and channel = 'sms' and sent_at is not null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists messages_outbound_sms_sent_at_idx`.execute(db);
}
