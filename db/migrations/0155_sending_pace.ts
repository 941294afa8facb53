import { sql, type Kysely } from "kysely";

/**
 * Sending that respects capacity (issue #23 item 4, docs/product-rules.md §4.22). Two small tables of
 * counters, both written with one atomic statement each so that every worker process shares them:
 * - `sms_sender_slots`: per sender (a sender ID, a number, or `default` for the provider's own), the next
 *   free send slot in epoch microseconds. A dispatcher reserves slots by moving it forward (one UPDATE);
 *   slots are spaced by the sender's configured rate, so no two processes can send in one slot.
 * - `sms_hour_loads`: the send slots the planner has used in each clock hour (UTC), so the daily spread
 *   keeps each hour under the call centre's inbound capacity across runs and batches.
 * Only new tables: the previous release never reads them.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table sms_sender_slots (
    sender text primary key,
    next_free_us bigint not null
  )`.execute(db);
  await sql`create table sms_hour_loads (
    hour timestamptz primary key,
    slots_used integer not null check (slots_used >= 0)
  )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table sms_hour_loads`.execute(db);
  await sql`drop table sms_sender_slots`.execute(db);
}
