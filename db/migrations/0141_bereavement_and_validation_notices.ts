import { sql, type Kysely } from "kysely";

/**
 * What the account statuses bring with them (docs/product-rules.md §4.18):
 * - `bereavement` tasks, opened for a person when a borrower is reported deceased;
 * - `validation_notices`, each validation notice sent for a disputed account, with the text as sent.
 * The task kinds are copied from the latest definition (migration 0090) with `bereavement` added.
 * Safe while the previous release serves: it never writes the new kind, and never reads the table.
 */
const TASK_KINDS = [
  "call",
  "visit",
  "hardship_review",
  "wrong_number_review",
  "complaint",
  "callback",
  "plan_review",
  "inbound_review",
];

export async function up(db: Kysely<any>): Promise<void> {
  await setTaskKinds(db, [...TASK_KINDS, "bereavement"]);
  await sql`create table validation_notices (
    id uuid primary key default gen_random_uuid(),
    borrower_id uuid not null references borrowers(id),
    account_id uuid not null references accounts(id),
    status_id uuid references account_statuses(id),
    channel text not null check (channel in ('letter', 'email')),
    locale text not null check (locale in ('en', 'zh-HK', 'zh-CN')),
    body text not null check (char_length(body) between 1 and 4000),
    sent_by text not null check (char_length(sent_by) between 1 and 100),
    created_at timestamptz not null default now()
  )`.execute(db);
  await sql`create index validation_notices_account_id_idx on validation_notices (account_id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table validation_notices`.execute(db);
  await sql`delete from tasks where kind = 'bereavement'`.execute(db);
  await setTaskKinds(db, TASK_KINDS);
}

async function setTaskKinds(db: Kysely<any>, kinds: string[]) {
  await sql`alter table tasks drop constraint tasks_kind_valid`.execute(db);
  await sql`alter table tasks add constraint tasks_kind_valid check (kind in (${sql.join(kinds.map((k) => sql.lit(k)))})) not valid`.execute(
    db,
  );
  await sql`alter table tasks validate constraint tasks_kind_valid`.execute(db);
}
