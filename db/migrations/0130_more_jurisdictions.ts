import { sql, type Kysely } from "kysely";

/**
 * Singapore, Macao and Taiwan beside Hong Kong, the mainland, the US and the UK (issue #19 item 2). The
 * profiles themselves are policy data (app/domain/contact-policy.ts); the database only widens the check.
 * Safe while the previous release serves: it never writes the new codes.
 */
const BEFORE = ["HK", "CN", "US", "UK"];

export async function up(db: Kysely<any>): Promise<void> {
  await setJurisdictions(db, [...BEFORE, "SG", "MO", "TW"]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await setJurisdictions(db, BEFORE);
}

async function setJurisdictions(db: Kysely<any>, codes: string[]) {
  await sql`alter table borrowers drop constraint borrowers_jurisdiction_valid`.execute(db);
  await sql`alter table borrowers add constraint borrowers_jurisdiction_valid check (jurisdiction in (${sql.join(codes.map((c) => sql.lit(c)))})) not valid`.execute(
    db,
  );
  await sql`alter table borrowers validate constraint borrowers_jurisdiction_valid`.execute(db);
}
