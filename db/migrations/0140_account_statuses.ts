import { sql, type Kysely } from "kysely";

/**
 * Account statuses that stop or shape contact (issue #19 item 1, docs/product-rules.md §4.18): one row
 * per status set, kept after it ends, so the history says who set it, when, why and from where, and who
 * ended it. `account_id` null means every account of the borrower (Breathing Space, deceased, ...).
 * The planner, the overview and the staff page read it, so it comes first of this feature's migrations.
 * Safe while the previous release serves: it neither reads nor writes the table.
 */
const KINDS = [
  "breathing_space",
  "breathing_space_crisis",
  "dispute",
  "cease_contact",
  "insolvency",
  "deceased",
  "vulnerable",
];

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table account_statuses (
    id uuid primary key default gen_random_uuid(),
    borrower_id uuid not null references borrowers(id),
    account_id uuid references accounts(id),
    kind text not null check (kind in (${sql.join(KINDS.map((k) => sql.lit(k)))})),
    reason text not null check (char_length(reason) between 1 and 500),
    source text not null check (source in ('api', 'import', 'console')),
    set_by text not null check (char_length(set_by) between 1 and 100),
    starts_at timestamptz not null,
    ends_at timestamptz,
    ended_at timestamptz,
    ended_by text check (ended_by is null or char_length(ended_by) between 1 and 100),
    end_reason text check (end_reason is null or char_length(end_reason) between 1 and 500),
    external_ref text check (external_ref is null or char_length(external_ref) between 1 and 64),
    created_at timestamptz not null default now(),
    check (ends_at is null or ends_at > starts_at),
    check ((ended_at is null) = (ended_by is null))
  )`.execute(db);
  // The bank's own reference makes an API write idempotent: the same status posted twice is set once.
  await sql`create unique index account_statuses_external_ref_key on account_statuses (external_ref) where external_ref is not null`.execute(
    db,
  );
  await sql`create index account_statuses_borrower_id_idx on account_statuses (borrower_id, starts_at)`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table account_statuses`.execute(db);
}
