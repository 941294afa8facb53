import { sql, type Kysely } from "kysely";

/**
 * Anchors for the audit chain (app/platform/audit.server.ts). The chain's own hashes are unkeyed:
 * whoever can write audit_events (its owner, with the triggers off) could rewrite a row and recompute
 * every later hash. Each appended row is therefore anchored here, in the same transaction, by an
 * HMAC of its hash under AUDIT_ANCHOR_KEY, which the database never sees; `audit:verify` checks them.
 * Append-only like the log; the application's role may only read and insert (app/server/database.server.ts).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("audit_anchors")
    .addColumn("audit_id", "bigint", (c) => c.primaryKey().references("audit_events.id"))
    .addColumn("mac", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`
    create function audit_anchors_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'audit_anchors is append-only (% rejected)', tg_op using errcode = 'restrict_violation';
    end
    $$
  `.execute(db);
  await sql`
    create trigger audit_anchors_no_update_or_delete before update or delete on audit_anchors
    for each row execute function audit_anchors_append_only()
  `.execute(db);
  await sql`
    create trigger audit_anchors_no_truncate before truncate on audit_anchors
    for each statement execute function audit_anchors_append_only()
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("audit_anchors").execute();
  await sql`drop function audit_anchors_append_only()`.execute(db);
}
