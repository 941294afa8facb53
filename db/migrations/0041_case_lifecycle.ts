import { sql, type Kysely } from "kysely";

/**
 * Cases (issue #20 item 2): hardship reports and complaints move open → in_progress → awaiting_borrower →
 * resolved (or rejected, hardship only), as app/domain/case-lifecycle.ts allows. The case's owner is its
 * task's assignee (tasks.assigned_to_staff_id), never a column of its own.
 *
 * - `acknowledged_at`: when staff first took the case up (the SLA's acknowledgement / review clock stops).
 * - `response`, `responded_at`: the final response to the borrower, shown on their overview.
 * - `case_events`: the case's history: transitions, internal notes, and decisions (a further hardship pause,
 *   with its reason). Notes are free text; retention clears them with the borrower's other text.
 *
 * Safe while the previous version serves: the old code writes only `open` (a value both CHECKs keep) and
 * none of the new columns. The CHECKs on the new columns are NOT VALID, so rows the old code left alone are
 * not re-read; every new write is checked.
 */
const FREE_TEXT_MAX = 4000;

export async function up(db: Kysely<any>): Promise<void> {
  // 'reviewed' was never written by any code path; anything holding it was being looked at.
  await sql`update hardship_reports set status = 'in_progress' where status = 'reviewed'`.execute(db);
  await sql`alter table hardship_reports drop constraint hardship_reports_status_valid`.execute(db);
  await sql`alter table hardship_reports add constraint hardship_reports_status_valid
    check (status in ('open', 'in_progress', 'awaiting_borrower', 'resolved', 'rejected'))`.execute(db);
  await sql`alter table complaints drop constraint complaints_status_valid`.execute(db);
  await sql`alter table complaints add constraint complaints_status_valid
    check (status in ('open', 'in_progress', 'awaiting_borrower', 'resolved'))`.execute(db);
  for (const table of ["hardship_reports", "complaints"]) await caseColumns(db, table);
  await sql`alter table complaints add column resolved_by_staff_id uuid references staff_users (id)`.execute(
    db,
  );

  await sql`create table case_events (
    id uuid primary key default gen_random_uuid(),
    case_type text not null check (case_type in ('hardship', 'complaint')),
    case_id uuid not null,
    borrower_id uuid not null references borrowers (id),
    account_id uuid references accounts (id),
    staff_user_id uuid not null references staff_users (id),
    kind text not null check (kind in ('transition', 'note', 'pause_granted')),
    from_status text,
    to_status text,
    body text check (body is null or char_length(body) between 1 and ${sql.lit(FREE_TEXT_MAX)}),
    pause_until timestamptz,
    created_at timestamptz not null default now(),
    check (kind <> 'transition' or (from_status is not null and to_status is not null)),
    check (kind <> 'note' or body is not null),
    check (kind <> 'pause_granted' or (body is not null and pause_until is not null))
  )`.execute(db);
  await sql`create index case_events_case_idx on case_events (case_id, created_at)`.execute(db);
  await sql`create index case_events_borrower_idx on case_events (borrower_id)`.execute(db);
}

async function caseColumns(db: Kysely<any>, table: string) {
  const t = sql.table(table);
  await sql`alter table ${t} add column acknowledged_at timestamptz,
    add column response text, add column responded_at timestamptz`.execute(db);
  const name = (suffix: string) => sql.id(`${table}_${suffix}`);
  await sql`alter table ${t} add constraint ${name("response_length")}
    check (response is null or char_length(response) between 1 and ${sql.lit(FREE_TEXT_MAX)})`.execute(db);
  // Past open means someone took it up; closed means the borrower had an answer.
  await sql`alter table ${t} add constraint ${name("acknowledged_when_taken_up")}
    check (status = 'open' or acknowledged_at is not null) not valid`.execute(db);
  await sql`alter table ${t} add constraint ${name("answered_when_closed")}
    check (status not in ('resolved', 'rejected')
      or (response is not null and responded_at is not null and resolved_at is not null)) not valid`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table case_events`.execute(db);
  await sql`alter table complaints drop column resolved_by_staff_id`.execute(db);
  for (const table of ["hardship_reports", "complaints"])
    await sql`alter table ${sql.table(table)} drop column acknowledged_at, drop column response,
      drop column responded_at`.execute(db);
}
