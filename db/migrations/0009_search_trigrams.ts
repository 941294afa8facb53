import { sql, type Kysely } from "kysely";

/**
 * The console's borrower search (docs/product-rules.md §8.6: phone, name, account ref) matched part of a name
 * and the start of a reference with ILIKE, which no btree serves: every search read every borrower and, for
 * each, their accounts (0.4 s at half a million accounts, for an exact phone number too). Trigram indexes
 * serve ILIKE with any pattern of three or more characters, in any script the database's character classes
 * know (Chinese names included). pg_trgm ships with PostgreSQL and is a trusted extension: the database owner
 * may create it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create extension if not exists pg_trgm`.execute(db);
  await sql`create index borrowers_full_name_trgm_idx on borrowers using gin (full_name gin_trgm_ops)`.execute(
    db,
  );
  await sql`create index borrowers_external_ref_trgm_idx on borrowers using gin (external_ref gin_trgm_ops)`.execute(
    db,
  );
  await sql`create index accounts_external_ref_trgm_idx on accounts using gin (external_ref gin_trgm_ops)`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index accounts_external_ref_trgm_idx`.execute(db);
  await sql`drop index borrowers_external_ref_trgm_idx`.execute(db);
  await sql`drop index borrowers_full_name_trgm_idx`.execute(db);
  // The extension stays: other objects may have come to use it.
}
