import { sql, type Kysely } from "kysely";

/**
 * Whether the borrower accepts home or branch visits (issue #18: visits are proposed only where the borrower
 * has not refused them). Defaults to true, as before, so the previous release reads and writes as it did.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table contact_preferences add column visit_allowed boolean not null default true`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table contact_preferences drop column visit_allowed`.execute(db);
}
