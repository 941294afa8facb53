import { sql, type Kysely } from "kysely";

/**
 * A payment whose Checkout completed with an asynchronous method that has not settled yet is `processing`
 * (docs/product-rules.md §6.3): the planner counts it against the arrears it would cover, so a borrower
 * who has paid is not chased while the money is on its way (§4.3 step 9).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table payments drop constraint payments_status_valid`.execute(db);
  await sql`alter table payments add constraint payments_status_valid
    check (status in ('pending', 'processing', 'succeeded', 'failed', 'refunded'))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`update payments set status = 'pending' where status = 'processing'`.execute(db);
  await sql`alter table payments drop constraint payments_status_valid`.execute(db);
  await sql`alter table payments add constraint payments_status_valid
    check (status in ('pending', 'succeeded', 'failed', 'refunded'))`.execute(db);
}
