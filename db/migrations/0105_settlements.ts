import { sql, type Kysely } from "kysely";

/**
 * Settlement offers (issue #21 item 5, app/plans/settlement*.ts, docs/product-rules.md §7.10).
 * settlement_policies: the bands, versioned like contact_policies (one active row, each save a new
 * version). settlements: one agreed (or proposed) discounted pay-off of an account, with the written
 * terms stored verbatim once accepted; settlement_payments: its schedule. New tables only: the previous
 * release neither reads nor writes them.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table settlement_policies (
    id uuid primary key default gen_random_uuid(),
    version integer not null unique check (version > 0),
    policy jsonb not null check (jsonb_typeof(policy) = 'object'),
    active boolean not null default false,
    created_by_staff_id uuid references staff_users (id),
    created_at timestamptz not null default now()
  )`.execute(db);
  await sql`create unique index settlement_policies_one_active on settlement_policies (active) where active`.execute(
    db,
  );

  await sql`create table settlements (
    id uuid primary key default gen_random_uuid(),
    account_id uuid not null references accounts (id),
    borrower_id uuid not null references borrowers (id),
    origin text not null check (origin in ('band', 'staff')),
    status text not null check (status in
      ('pending_approval', 'rejected', 'offered', 'accepted', 'paid', 'lapsed', 'withdrawn')),
    currency text not null check (currency ~ '^[A-Z]{3}$'),
    balance_minor bigint not null check (balance_minor > 0),
    discount_bp integer not null check (discount_bp between 0 and 9999),
    agreed_minor bigint not null check (agreed_minor > 0 and agreed_minor <= balance_minor),
    payment_counts integer[] not null check (cardinality(payment_counts) between 1 and 12),
    payment_count integer check (payment_count between 1 and 12),
    window_days integer not null check (window_days between 0 and 366),
    expires_at timestamptz not null,
    policy_version integer,
    proposed_by_staff_id uuid references staff_users (id),
    proposal_reason text,
    decided_by_staff_id uuid references staff_users (id),
    decided_at timestamptz,
    decision_reason text,
    terms_version text,
    terms_locale text,
    terms_text text,
    accepted_at timestamptz,
    paid_at timestamptz,
    lapsed_at timestamptz,
    withdrawn_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    check ((origin = 'staff') = (proposed_by_staff_id is not null)),
    check (decided_by_staff_id is null or decided_by_staff_id <> proposed_by_staff_id),
    check ((status in ('accepted', 'paid')) <= (terms_text is not null and accepted_at is not null
      and payment_count is not null))
  )`.execute(db);
  // One open settlement per account: a second offer or acceptance waits for the first to end.
  await sql`create unique index settlements_one_open on settlements (account_id)
    where status in ('pending_approval', 'offered', 'accepted')`.execute(db);
  await sql`create index settlements_borrower_idx on settlements (borrower_id)`.execute(db);

  await sql`create table settlement_payments (
    id uuid primary key default gen_random_uuid(),
    settlement_id uuid not null references settlements (id),
    seq integer not null check (seq > 0),
    due_date date not null,
    amount_minor bigint not null check (amount_minor > 0),
    paid_minor bigint not null default 0 check (paid_minor >= 0 and paid_minor <= amount_minor),
    status text not null default 'due' check (status in ('due', 'paid', 'missed')),
    unique (settlement_id, seq)
  )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table settlement_payments`.execute(db);
  await sql`drop table settlements`.execute(db);
  await sql`drop table settlement_policies`.execute(db);
}
