import { sql, type Kysely } from "kysely";

/**
 * `messages_queued_idx` (scheduled_for, where status = 'queued') was written for every text the planner
 * queues (half a million at a million accounts, docs/product-rules.md §12) and read by no query: the
 * dispatcher finds its texts through graphile-worker's jobs, and cancellation finds queued texts by account
 * or borrower (messages (account_id, created_at) and (borrower_id, created_at)).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`drop index messages_queued_idx`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`create index messages_queued_idx on messages (scheduled_for) where status = 'queued'`.execute(db);
}
