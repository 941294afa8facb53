import { sql, type Kysely } from "kysely";

/**
 * The planner's hot paths at a million accounts (docs/product-rules.md §12), measured with
 * `npm run bench -- --pg-stats`.
 *
 * Reads: every page of accounts looks up the borrowers' recent reminders (frequency caps) and each
 * account's last reminder (cadence), counting only texts handed to the provider. Through the general
 * (borrower_id, created_at) and (account_id, created_at) indexes that meant probing past every queued
 * text, or, once the table had grown during the run, a scan of it: a quarter of the run's Postgres time
 * returned no rows on a fresh book. Partial indexes with the queries' predicate hold only texts that
 * went out, so queuing a text does not touch them and the probes stay small.
 *
 * Writes, two costs paid on every row:
 *
 * - The trigger that defaults `contact_decisions.last_decided_at` ran a PL/pgSQL function for every
 *   decision, although the planner always sets the column. A WHEN clause is evaluated without calling
 *   the function, so only writers that leave the column out pay for it.
 * - `unique (provider, provider_message_id)` indexed every queued text under a NULL provider id (a text
 *   has no provider id until it is sent). NULLs never conflict, so a partial index keeps exactly the
 *   same guarantee and lookups, and queuing a text writes one index entry fewer.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index messages_sent_reminders_borrower_idx on messages (borrower_id, created_at)
    where direction = 'outbound' and stage is not null and status in ('sending', 'sent', 'delivered')`.execute(
    db,
  );
  await sql`create index messages_sent_reminders_account_idx on messages (account_id, created_at)
    where direction = 'outbound' and stage is not null and status in ('sending', 'sent', 'delivered')`.execute(
    db,
  );
  await sql`drop trigger contact_decisions_last_decided_default on contact_decisions`.execute(db);
  await sql`create trigger contact_decisions_last_decided_default before insert on contact_decisions
    for each row when (new.last_decided_at is null) execute function contact_decisions_last_decided_default()`.execute(
    db,
  );
  await sql`alter table messages drop constraint messages_provider_message_id_key`.execute(db);
  await sql`create unique index messages_provider_message_id_key on messages (provider, provider_message_id)
    where provider_message_id is not null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index messages_sent_reminders_borrower_idx`.execute(db);
  await sql`drop index messages_sent_reminders_account_idx`.execute(db);
  await sql`drop index messages_provider_message_id_key`.execute(db);
  await sql`alter table messages add constraint messages_provider_message_id_key unique (provider, provider_message_id)`.execute(
    db,
  );
  await sql`drop trigger contact_decisions_last_decided_default on contact_decisions`.execute(db);
  await sql`create trigger contact_decisions_last_decided_default before insert on contact_decisions
    for each row execute function contact_decisions_last_decided_default()`.execute(db);
}
