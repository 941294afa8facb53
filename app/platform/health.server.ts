import { sql, type Kysely } from "kysely";
import type { Database } from "../../db/schema";
import { errorFields, logger } from "./logger.server";

/**
 * Whether the database answers within the timeout. The driver's error (host, port, role, database names) is
 * logged for the operators and never returned: /readyz is public.
 */
export async function checkDatabase(db: Kysely<Database>, timeoutMs = 2_000) {
  const started = performance.now();
  try {
    await Promise.race([
      sql`select 1`.execute(db),
      new Promise((_, reject) => setTimeout(() => reject(new Error("timed out")), timeoutMs).unref()),
    ]);
    return { ok: true as const, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    logger.warn({ err: errorFields(error) }, "readiness check: database unavailable");
    return { ok: false as const };
  }
}

let draining = false;

/** From SIGTERM on, /readyz answers 503 "draining" so load balancers send this process nothing new. */
export function startDraining() {
  draining = true;
}

export function isDraining(): boolean {
  return draining;
}
