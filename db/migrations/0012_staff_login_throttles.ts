import { sql, type Kysely } from "kysely";

/**
 * Staff sign-in failures were counted per account (staff_users.failed_login_count, locked_until):
 * anyone could keep any staff account locked by typing its email with wrong passwords, and the
 * answer (locked or not) told them the email existed. Failures are now counted per pair of the
 * email as typed (a keyed hash, whether or not an account has it) and the client address, with a
 * lockout that doubles each time the same pair is locked again (app/staff/login-throttle.server.ts).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("staff_login_throttles")
    // HMAC-SHA256 (hex) of the lower-cased email: no address is stored, known or not.
    .addColumn("email_hash", "text", (c) => c.notNull())
    .addColumn("client", "text", (c) => c.notNull())
    .addColumn("failures", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("lockouts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("locked_until", "timestamptz")
    .addColumn("updated_at", "timestamptz", (c) => c.notNull())
    .addPrimaryKeyConstraint("staff_login_throttles_pkey", ["email_hash", "client"])
    .addCheckConstraint("staff_login_throttles_counts", sql`failures >= 0 and lockouts >= 0`)
    .addCheckConstraint("staff_login_throttles_client_length", sql`char_length(client) between 1 and 100`)
    .execute();
  await db.schema
    .createIndex("staff_login_throttles_updated_at_idx")
    .on("staff_login_throttles")
    .column("updated_at")
    .execute();
  await db.schema.alterTable("staff_users").dropColumn("failed_login_count").execute();
  await db.schema.alterTable("staff_users").dropColumn("locked_until").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("staff_users")
    .addColumn("failed_login_count", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable("staff_users").addColumn("locked_until", "timestamptz").execute();
  await db.schema.dropTable("staff_login_throttles").execute();
}
