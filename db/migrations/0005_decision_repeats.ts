import { sql, type Kysely } from "kysely";

/**
 * The planner runs over the whole book every few minutes, and most accounts get the same decision as
 * last time ("defer: cadence_not_due until Thursday"). Storing a row per account per run grew the table
 * by the size of the book every run (a million rows every five minutes for a million accounts). A
 * decision equal to the account's latest one now counts as a repeat of that row instead: `repeats`
 * (how many runs reached it) and `last_decided_at` (the latest); `decided_at` stays when it was first
 * reached. Agents still see every reason and how often it held a text back.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("contact_decisions")
    .addColumn("repeats", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("last_decided_at", "timestamptz")
    .execute();
  await sql`update contact_decisions set last_decided_at = decided_at`.execute(db);
  await sql`alter table contact_decisions alter column last_decided_at set not null`.execute(db);
  // A new row's latest run is its first unless the writer says otherwise.
  await sql`create function contact_decisions_last_decided_default() returns trigger language plpgsql as $$
    begin
      if new.last_decided_at is null then new.last_decided_at := new.decided_at; end if;
      return new;
    end $$`.execute(db);
  await sql`create trigger contact_decisions_last_decided_default before insert on contact_decisions
    for each row execute function contact_decisions_last_decided_default()`.execute(db);
  await sql`alter table contact_decisions add constraint contact_decisions_repeats_positive check (repeats >= 1),
    add constraint contact_decisions_last_not_before_first check (last_decided_at >= decided_at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger if exists contact_decisions_last_decided_default on contact_decisions`.execute(db);
  await sql`drop function if exists contact_decisions_last_decided_default()`.execute(db);
  await db.schema
    .alterTable("contact_decisions")
    .dropColumn("repeats")
    .dropColumn("last_decided_at")
    .execute();
}
