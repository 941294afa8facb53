import { sql, type Kysely } from "kysely";

/**
 * Worklists (issue #20 item 3): a task's owner stays `tasks.assigned_to_staff_id` (one owner concept);
 * `claimed_at` says since when. Claiming is a conditional UPDATE on the owner column, so two agents
 * racing for one task cannot both win (app/staff/worklist.server.ts).
 *
 * Safe while the previous version serves: a nullable column, and a CHECK the old code cannot break (it
 * never writes claimed_at; it sets the assignee when it resolves a task, which the CHECK allows).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table tasks add column claimed_at timestamptz`.execute(db);
  await sql`alter table tasks add constraint tasks_claim_has_owner
    check (claimed_at is null or assigned_to_staff_id is not null)`.execute(db);
  // "My work" and the load per person read open tasks by their owner.
  await sql`create index tasks_open_by_owner_idx on tasks (assigned_to_staff_id, due_at)
    where status = 'open' and assigned_to_staff_id is not null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index tasks_open_by_owner_idx`.execute(db);
  await sql`alter table tasks drop column claimed_at`.execute(db);
}
