import { sql, type Kysely } from "kysely";

/**
 * Refunds and disputes (docs/product-rules.md §6.7). Instalments keep only running paid totals, so a
 * reversal could not tell which instalments a payment paid: each credit now writes its allocations
 * (an instalment, or the account when `instalment_id` is null), and each reversal or re-credit writes
 * signed rows against the same targets. The sum of a payment's rows is what it is credited with now.
 * Payments credited before this migration have no rows; their first reversal reconstructs them
 * (`ensureAllocations` in app/payments/allocations.server.ts).
 *
 * Stripe's facts are kept as state, not deltas: the charge's cumulative `refunded_minor` and the
 * dispute's status and amount. `reversed_minor` is how much of the payment is taken back from the
 * account now, and `reversed_at` when that last changed.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table payments drop constraint payments_status_valid`.execute(db);
  await sql`alter table payments add constraint payments_status_valid check (status in
    ('pending', 'processing', 'succeeded', 'failed', 'refunded', 'partially_refunded', 'disputed', 'charged_back'))`.execute(
    db,
  );
  await sql`alter table payments
    add column refunded_minor bigint not null default 0 check (refunded_minor >= 0),
    add column dispute_status text check (dispute_status in ('open', 'won', 'lost')),
    add column disputed_minor bigint not null default 0 check (disputed_minor >= 0),
    add column reversed_minor bigint not null default 0 check (reversed_minor >= 0 and reversed_minor <= amount_minor),
    add column reversed_at timestamptz`.execute(db);

  await db.schema
    .createTable("payment_allocations")
    .addColumn("id", "bigserial", (c) => c.primaryKey())
    .addColumn("payment_id", "uuid", (c) => c.notNull().references("payments.id"))
    .addColumn("instalment_id", "uuid", (c) => c.references("instalments.id"))
    .addColumn("amount_minor", "bigint", (c) => c.notNull().check(sql`amount_minor <> 0`))
    .addColumn("currency", "text", (c) => c.notNull().check(sql`currency ~ '^[A-Z]{3}$'`))
    .addColumn("reason", "text", (c) =>
      c.notNull().check(sql`reason in ('payment', 'legacy', 'refund', 'dispute', 'dispute_won')`),
    )
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create index payment_allocations_payment_id_idx on payment_allocations (payment_id, id)`.execute(
    db,
  );
  await sql`create index payment_allocations_instalment_id_idx on payment_allocations (instalment_id)
    where instalment_id is not null`.execute(db);
  // A payment's refunds and disputes are read back from the stored events by PaymentIntent.
  await sql`create index stripe_events_charge_payment_intent_idx
    on stripe_events ((payload->'data'->'object'->>'payment_intent'))
    where type in ('charge.refunded', 'charge.dispute.created', 'charge.dispute.closed')`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index stripe_events_charge_payment_intent_idx`.execute(db);
  await db.schema.dropTable("payment_allocations").execute();
  await sql`update payments set status = 'refunded'
    where status in ('partially_refunded', 'disputed', 'charged_back')`.execute(db);
  await sql`alter table payments
    drop column refunded_minor, drop column dispute_status, drop column disputed_minor,
    drop column reversed_minor, drop column reversed_at`.execute(db);
  await sql`alter table payments drop constraint payments_status_valid`.execute(db);
  await sql`alter table payments add constraint payments_status_valid
    check (status in ('pending', 'processing', 'succeeded', 'failed', 'refunded'))`.execute(db);
}
