import type { Kysely } from "kysely";

/**
 * The store behind app/platform/rate-limit.server.ts (rate-limiter-flexible's
 * RateLimiterPostgres, columns exactly as it expects). Created here rather
 * than by the library at run time, so web processes need no DDL rights and
 * every process sees the same counters (docs/product-rules.md §11.3: rate limits live in Postgres).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("rate_limits")
    .addColumn("key", "varchar(255)", (c) => c.primaryKey())
    .addColumn("points", "integer", (c) => c.notNull().defaultTo(0))
    // Epoch milliseconds; null would mean "never expires" (unused by Settle).
    .addColumn("expire", "bigint")
    .execute();
  await db.schema.createIndex("rate_limits_expire_idx").on("rate_limits").column("expire").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("rate_limits").ifExists().execute();
}
