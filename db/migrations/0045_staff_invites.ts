import { sql, type Kysely } from "kysely";

/**
 * Staff administration (issue #20 item 4): an admin invites a member with a one-time, expiring set-up link.
 * Only the link token's SHA-256 is kept (a database leak yields no usable link); using it, or a newer
 * invite for the same member, ends it. A new table: the previous version never reads it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("staff_invites")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("staff_user_id", "uuid", (c) => c.notNull().references("staff_users.id"))
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    // Null when an operator invited from the command line.
    .addColumn("invited_by_staff_id", "uuid", (c) => c.references("staff_users.id"))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("used_at", "timestamptz")
    .addColumn("revoked_at", "timestamptz")
    .addCheckConstraint("staff_invites_token_hash_hex", sql`token_hash ~ '^[0-9a-f]{64}$'`)
    .addCheckConstraint("staff_invites_expiry_after_creation", sql`expires_at > created_at`)
    .execute();
  await db.schema
    .createIndex("staff_invites_staff_user_idx")
    .on("staff_invites")
    .column("staff_user_id")
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("staff_invites").execute();
}
