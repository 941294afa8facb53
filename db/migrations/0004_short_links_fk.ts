import type { Kysely } from "kysely";

/**
 * short_links carried two foreign keys for its borrower: borrower_id -> borrowers and
 * (account_id, borrower_id) -> accounts (id, borrower_id). account_id is NOT NULL, so the second
 * already proves the borrower exists (accounts.borrower_id references borrowers) and is the one that
 * matters: a link can only belong to its account's borrower. The first was checked again for every
 * link the planner writes (one per reminder) and guarded nothing more. Tables whose account is
 * optional (messages) keep both.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("short_links").dropConstraint("short_links_borrower_id_fkey").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("short_links")
    .addForeignKeyConstraint("short_links_borrower_id_fkey", ["borrower_id"], "borrowers", ["id"])
    .execute();
}
