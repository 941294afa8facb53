import { sql, type Kysely } from "kysely";

/**
 * Indexes that every planner run maintained and no query reads (docs/product-rules.md §12):
 *
 * - contact_decisions (run_id): one entry per decision stored, and nothing looks decisions up by run.
 * - short_links (borrower_id): one entry per reminder's link. The console finds a borrower's links
 *   through their accounts (short_links (account_id)); a link always belongs to its account's borrower
 *   (short_links_account_borrower_fk).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`drop index contact_decisions_run_id_idx`.execute(db);
  await sql`drop index short_links_borrower_id_idx`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`create index contact_decisions_run_id_idx on contact_decisions (run_id)`.execute(db);
  await sql`create index short_links_borrower_id_idx on short_links (borrower_id)`.execute(db);
}
