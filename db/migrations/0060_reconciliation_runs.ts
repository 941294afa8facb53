import { sql, type Kysely } from "kysely";

/**
 * Daily reconciliation of card payments with Stripe's balance (issue #21 item 7,
 * app/payments/reconciliation.server.ts). One row per day and reporting time zone, replaced when the day
 * is run again. The two partial indexes serve the day's Settle side: card payments credited that day,
 * and refunds and disputes taken back that day; both are a small share of their tables.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table reconciliation_runs (
    id uuid primary key default gen_random_uuid(),
    day date not null,
    time_zone text not null,
    status text not null check (status in ('matched', 'mismatched')),
    mismatches integer not null check (mismatches >= 0),
    report jsonb not null,
    generated_at timestamptz not null default now(),
    generated_by_staff_id uuid references staff_users (id),
    unique (day, time_zone),
    check ((status = 'matched') = (mismatches = 0))
  )`.execute(db);
  await sql`create index payments_card_succeeded_at_idx on payments (succeeded_at)
    where source = 'portal' and succeeded_at is not null`.execute(db);
  await sql`create index payment_allocations_reversal_created_at_idx on payment_allocations (created_at)
    where reason in ('refund', 'dispute', 'dispute_won')`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index payment_allocations_reversal_created_at_idx`.execute(db);
  await sql`drop index payments_card_succeeded_at_idx`.execute(db);
  await sql`drop table reconciliation_runs`.execute(db);
}
