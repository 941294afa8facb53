import { sql, type Kysely } from "kysely";

/**
 * A borrower may move one instalment of a plan to a later day (issue #21 item 6,
 * app/plans/instalment-move.server.ts): when the plan's move was used, and the day the moved instalment
 * was first due. Both nullable: the previous release neither reads nor writes them.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table instalment_plans add column instalment_moved_at timestamptz`.execute(db);
  await sql`alter table instalments add column original_due_date date`.execute(db);
  await sql`alter table instalments add constraint instalments_moved_later
    check (original_due_date is null or original_due_date < due_date)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table instalments drop column original_due_date`.execute(db);
  await sql`alter table instalment_plans drop column instalment_moved_at`.execute(db);
}
