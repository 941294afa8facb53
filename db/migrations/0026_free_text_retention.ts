import { sql, type Kysely } from "kysely";

/**
 * When an account closed, for the retention of free text (issue #17 item 7, app/platform/retention.server.ts).
 * The bank's record says when: closed_at is the balance_as_of of the record that closed it, set by the
 * trigger on every path that writes accounts (API, import, seeding), and cleared if the account reopens.
 * The triggers' WHEN clauses keep the import's and the API's other rows free of any function call.
 *
 * Accounts already closed take the later of their as-of time and their last update: no earlier than the
 * bank could have closed them, so nothing is erased sooner than it should be.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table accounts add column closed_at timestamptz`.execute(db);
  await sql`update accounts set closed_at = greatest(balance_as_of, updated_at) where status = 'closed'`.execute(
    db,
  );
  await sql`alter table accounts add constraint accounts_closed_at_when_closed
    check ((status = 'closed') = (closed_at is not null))`.execute(db);
  await sql`create function accounts_set_closed_at() returns trigger language plpgsql as $$
    begin
      new.closed_at := case when new.status = 'closed' then coalesce(new.closed_at, new.balance_as_of) end;
      return new;
    end $$`.execute(db);
  await sql`create trigger accounts_closed_at_on_insert before insert on accounts
    for each row when (new.status = 'closed' or new.closed_at is not null)
    execute function accounts_set_closed_at()`.execute(db);
  await sql`create trigger accounts_closed_at_on_update before update on accounts
    for each row when (old.status is distinct from new.status or old.closed_at is distinct from new.closed_at)
    execute function accounts_set_closed_at()`.execute(db);
  // The retention job starts from the accounts closed before its cutoff.
  await sql`create index accounts_closed_at_idx on accounts (closed_at) where closed_at is not null`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger accounts_closed_at_on_update on accounts`.execute(db);
  await sql`drop trigger accounts_closed_at_on_insert on accounts`.execute(db);
  await sql`drop function accounts_set_closed_at()`.execute(db);
  await sql`alter table accounts drop column closed_at`.execute(db);
}
