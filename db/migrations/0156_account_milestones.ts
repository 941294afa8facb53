import { sql, type Kysely } from "kysely";

/**
 * Each account's first arrears reminder, kept as it is sent, and an index of reminders by account (issue #23
 * item 1; docs/outcomes.md; docs/decisions/016-outcomes-at-a-million-accounts.md). The outcome dashboard's cohorts
 * are the accounts whose first arrears reminder ever fell in the period; recomputed, that read every arrears
 * reminder of the account's whole history on every view.
 *
 * Triggers keep it on every path that writes texts (the dispatcher, imports of history, the demo seed,
 * fixtures), and their WHEN clauses keep every other write of a text free of any function call. `least`
 * keeps the earliest when history arrives out of order. Existing history is backfilled. A new table and
 * index only: the previous release never reads them, and a text retention later deletes leaves its milestone in place.
 */
const ARREARS_REMINDER = `new.direction = 'outbound' and new.channel = 'sms' and new.account_id is not null
  and new.stage in ('early', 'mid', 'late', 'serious')`;

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table account_milestones (
    account_id uuid primary key references accounts (id) on delete cascade,
    first_arrears_reminder_at timestamptz not null
  )`.execute(db);
  await sql`insert into account_milestones (account_id, first_arrears_reminder_at)
    select account_id, min(sent_at) from messages
    where direction = 'outbound' and channel = 'sms' and account_id is not null and sent_at is not null
      and stage in ('early', 'mid', 'late', 'serious')
    group by account_id`.execute(db);
  await sql`create index account_milestones_first_arrears_idx on account_milestones (first_arrears_reminder_at)`.execute(
    db,
  );
  // The outcome rates read each account's reminders in the period in account order from this index alone
  // (no table rows, no hashing of half a million accounts): about a quarter off the whole book's figures.
  await sql`create index messages_reminders_by_account_idx on messages (account_id, sent_at) include (stage)
    where direction = 'outbound' and channel = 'sms' and stage is not null and sent_at is not null`.execute(
    db,
  );
  await sql`create function account_milestones_note_reminder() returns trigger language plpgsql as $$
    begin
      insert into account_milestones as k (account_id, first_arrears_reminder_at)
      values (new.account_id, new.sent_at)
      on conflict (account_id) do update set first_arrears_reminder_at = excluded.first_arrears_reminder_at
        where k.first_arrears_reminder_at > excluded.first_arrears_reminder_at;
      return null;
    end $$`.execute(db);
  await sql`create trigger messages_first_arrears_on_insert after insert on messages
    for each row when (new.sent_at is not null and ${sql.raw(ARREARS_REMINDER)})
    execute function account_milestones_note_reminder()`.execute(db);
  await sql`create trigger messages_first_arrears_on_update after update of sent_at on messages
    for each row when (new.sent_at is not null and old.sent_at is distinct from new.sent_at and ${sql.raw(ARREARS_REMINDER)})
    execute function account_milestones_note_reminder()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger messages_first_arrears_on_update on messages`.execute(db);
  await sql`drop trigger messages_first_arrears_on_insert on messages`.execute(db);
  await sql`drop function account_milestones_note_reminder()`.execute(db);
  await sql`drop index messages_reminders_by_account_idx`.execute(db);
  await sql`drop table account_milestones`.execute(db);
}
