import { sql, type Kysely } from "kysely";

/**
 * The visit log (issue #18 item 3, docs/product-rules.md §4.19): the outcome an agent records after a visit,
 * with their notes (free text, under retention and erasure). Only the console's visit action, the data
 * export and erasure read it. Safe while the previous release serves: it neither reads nor writes it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table visit_attempts (
    id uuid primary key default gen_random_uuid(),
    borrower_id uuid not null references borrowers(id),
    account_id uuid references accounts(id),
    task_id uuid references tasks(id),
    staff_user_id uuid references staff_users(id),
    outcome text not null check (outcome in ('met', 'not_home', 'refused', 'moved', 'promise_made')),
    notes text check (notes is null or char_length(notes) between 1 and 4000),
    occurred_at timestamptz not null default now()
  )`.execute(db);
  await sql`create index visit_attempts_borrower_id_occurred_at_idx on visit_attempts (borrower_id, occurred_at)`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table visit_attempts`.execute(db);
}
