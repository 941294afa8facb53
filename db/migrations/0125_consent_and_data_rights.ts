import { sql, type Kysely } from "kysely";

/**
 * Consent and data rights (issue #19 item 4, docs/product-rules.md §10.11-10.13):
 * - `consent_events`, the consent ledger: append-only (trigger, and the runtime role may only SELECT and
 *   INSERT it, db/roles.ts), one row per change of a borrower's consent to a channel;
 * - `data_exports`, the exports staff made of everything held about a borrower, kept for
 *   RETENTION_EXPORTS_DAYS then deleted by the retention job;
 * - `borrowers.erased_at`, set once by the erasure flow.
 * Safe while the previous release serves: it neither reads nor writes any of them.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table consent_events (
    id bigserial primary key,
    borrower_id uuid not null references borrowers(id),
    channel text not null check (channel in ('sms', 'email', 'call')),
    action text not null check (action in ('granted', 'withdrawn')),
    method text not null check (method in ('portal', 'link', 'sms_keyword', 'staff', 'bank', 'system')),
    text_version text check (text_version is null or char_length(text_version) between 1 and 120),
    actor_type text not null check (actor_type in ('borrower', 'staff', 'system', 'api')),
    actor_id text,
    detail jsonb not null default '{}'::jsonb check (jsonb_typeof(detail) = 'object'),
    occurred_at timestamptz not null default now()
  )`.execute(db);
  await sql`create index consent_events_borrower_id_occurred_at_idx on consent_events (borrower_id, occurred_at)`.execute(
    db,
  );
  await sql`create function consent_events_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'consent_events is append-only (% rejected)', tg_op using errcode = 'restrict_violation';
    end $$`.execute(db);
  await sql`create trigger consent_events_no_update_or_delete before update or delete on consent_events
    for each row execute function consent_events_append_only()`.execute(db);
  await sql`create trigger consent_events_no_truncate before truncate on consent_events
    for each statement execute function consent_events_append_only()`.execute(db);

  await sql`create table data_exports (
    id uuid primary key default gen_random_uuid(),
    borrower_id uuid not null references borrowers(id),
    staff_user_id uuid not null references staff_users(id),
    reason text not null check (char_length(reason) between 1 and 500),
    content jsonb not null,
    created_at timestamptz not null default now()
  )`.execute(db);
  await sql`create index data_exports_created_at_idx on data_exports (created_at)`.execute(db);
  await sql`create index data_exports_borrower_id_idx on data_exports (borrower_id)`.execute(db);

  await sql`alter table borrowers add column erased_at timestamptz`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table borrowers drop column erased_at`.execute(db);
  await sql`drop table data_exports`.execute(db);
  await sql`drop table consent_events`.execute(db);
  await sql`drop function consent_events_append_only()`.execute(db);
}
