import { sql, type Kysely } from "kysely";

/**
 * What a closed strategy experiment keeps (docs/product-rules.md §4.21): its comparison as it stood when
 * it closed (`result`), and whether it is the demo history's (`demo`, a badge on the page). Read only by
 * the experiments page and the demo seed, never by the planner, the portal or the borrower page, so a
 * release without this migration serves unchanged. Added columns: nullable, or with a default.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table policy_experiments add column result jsonb check (jsonb_typeof(result) = 'object')`.execute(
    db,
  );
  await sql`alter table policy_experiments add column demo boolean not null default false`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table policy_experiments drop column demo`.execute(db);
  await sql`alter table policy_experiments drop column result`.execute(db);
}
