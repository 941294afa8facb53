import { sql, type Kysely } from "kysely";

/**
 * Autopay for instalment plans (issue #21 item 3, app/payments/autopay*.server.ts). New tables only, so the
 * previous release neither reads nor writes anything here:
 * - stripe_customers: the Stripe Customer made once per borrower (saved payment methods hang off it);
 * - plan_autopay: one row per plan whose borrower turned autopay on (pending until Checkout in setup mode
 *   reports the saved method, on while it may be charged, off once turned off);
 * - autopay_charges: each off-session try at an instalment, unique per instalment and try, so two runs of
 *   the job (or two workers) can never charge the same try twice.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table stripe_customers (
    borrower_id uuid primary key references borrowers (id),
    stripe_customer_id text not null unique,
    created_at timestamptz not null default now()
  )`.execute(db);
  await sql`create table plan_autopay (
    plan_id uuid primary key references instalment_plans (id),
    borrower_id uuid not null references borrowers (id),
    account_id uuid not null references accounts (id),
    status text not null check (status in ('pending', 'on', 'off')),
    stripe_customer_id text not null,
    stripe_setup_session_id text unique,
    stripe_payment_method_id text,
    setup_idempotency_key text not null unique,
    enabled_at timestamptz,
    disabled_at timestamptz,
    detached_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    check (status <> 'on' or stripe_payment_method_id is not null)
  )`.execute(db);
  await sql`create index plan_autopay_on_idx on plan_autopay (plan_id) where status = 'on'`.execute(db);
  await sql`create table autopay_charges (
    id uuid primary key default gen_random_uuid(),
    plan_id uuid not null references instalment_plans (id),
    instalment_id uuid not null references instalments (id),
    try integer not null check (try between 1 and 10),
    payment_id uuid not null unique references payments (id),
    local_day date not null,
    status text not null check (status in
      ('pending', 'succeeded', 'soft_declined', 'hard_declined', 'authentication_required', 'error')),
    decline_code text,
    attempted_at timestamptz not null,
    finished_at timestamptz,
    unique (instalment_id, try)
  )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table autopay_charges`.execute(db);
  await sql`drop table plan_autopay`.execute(db);
  await sql`drop table stripe_customers`.execute(db);
}
