import { sql, type Kysely } from "kysely";

/**
 * Replies that need a person (issue #19 item 3, app/engine/inbound.server.ts):
 * - `inbound_review` tasks, for a free-text reply that reads like an opt-out or a complaint;
 * - `sms_suppressions`, numbers that said STOP, whether or not a borrower holds them today, so a
 *   borrower the bank later gives that number is opted out from the start.
 * Safe while the previous release serves: it never writes the new task kind, and never reads the table.
 */
const TASK_KINDS = [
  "call",
  "visit",
  "hardship_review",
  "wrong_number_review",
  "complaint",
  "callback",
  "plan_review",
];

export async function up(db: Kysely<any>): Promise<void> {
  await setTaskKinds(db, [...TASK_KINDS, "inbound_review"]);
  await sql`create table sms_suppressions (
    phone_e164 text primary key check (phone_e164 ~ '^\\+[1-9][0-9]{6,14}$'),
    opted_out_at timestamptz not null,
    via text not null check (char_length(via) between 1 and 60)
  )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table sms_suppressions`.execute(db);
  await sql`delete from tasks where kind = 'inbound_review'`.execute(db);
  await setTaskKinds(db, TASK_KINDS);
}

async function setTaskKinds(db: Kysely<any>, kinds: string[]) {
  await sql`alter table tasks drop constraint tasks_kind_valid`.execute(db);
  await sql`alter table tasks add constraint tasks_kind_valid check (kind in (${sql.join(kinds.map((k) => sql.lit(k)))})) not valid`.execute(
    db,
  );
  await sql`alter table tasks validate constraint tasks_kind_valid`.execute(db);
}
