import { sql, type Kysely } from "kysely";
import type { Database } from "../../db/schema";

export async function checkDatabase(db: Kysely<Database>, timeoutMs = 2_000) {
  const started = performance.now();
  try {
    await Promise.race([
      sql`select 1`.execute(db),
      new Promise((_, reject) => setTimeout(() => reject(new Error("timed out")), timeoutMs).unref()),
    ]);
    return { ok: true as const, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    return { ok: false as const, error: error instanceof Error ? error.message : "unreachable" };
  }
}
