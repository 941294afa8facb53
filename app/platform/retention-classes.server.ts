import { sql, type Transaction } from "kysely";
import type { Database } from "../../db/schema";
import { config } from "./config.server";

/**
 * Retention by data class (docs/product-rules.md §10.13): each class has its own period in configuration
 * and its own date to count from; the daily retention job (app/platform/retention.server.ts) applies them in
 * its transaction. Free text has its own rule (closed accounts, §10.10); sessions are deleted as they expire
 * (app/worker/prune-sessions.server.ts, hourly); the consent ledger, payments and the audit log are kept.
 */
// The same mark as erased free text (retention.server.ts ERASED).
const ERASED_BODY = "[erased]";

export type DataClass = "message_bodies" | "verification_attempts" | "link_opens" | "exports";

export type ClassPeriods = Record<DataClass, number>;

export function classPeriods(): ClassPeriods {
  const c = config();
  return {
    message_bodies: c.RETENTION_MESSAGE_BODY_DAYS,
    verification_attempts: c.RETENTION_VERIFICATION_ATTEMPTS_DAYS,
    link_opens: c.RETENTION_LINK_OPENS_DAYS,
    exports: c.RETENTION_EXPORTS_DAYS,
  };
}

type Trx = Transaction<Database>;

/** What each class does to a row older than its period, counted from the row's own date. */
const APPLY: Record<DataClass, (trx: Trx, cutoff: Date, batch: number) => Promise<number>> = {
  // The text becomes [erased]; the row (who, when, which template, delivery) stays for the timeline.
  message_bodies: (trx, cutoff, batch) =>
    affected(
      sql`update messages set body = ${ERASED_BODY} where id in (
      select id from messages where created_at < ${cutoff} and body <> ${ERASED_BODY} limit ${batch})`.execute(
        trx,
      ),
    ),
  verification_attempts: (trx, cutoff, batch) =>
    affected(
      sql`delete from verification_attempts where id in (
      select id from verification_attempts where attempted_at < ${cutoff} limit ${batch})`.execute(trx),
    ),
  // The link row stays (messages and sessions refer to it); when and how often it was opened goes.
  link_opens: (trx, cutoff, batch) =>
    affected(
      sql`update short_links set open_count = 0, first_opened_at = null, last_opened_at = null
      where id in (select id from short_links where expires_at < ${cutoff}
        and (open_count > 0 or first_opened_at is not null) limit ${batch})`.execute(trx),
    ),
  exports: (trx, cutoff, batch) =>
    affected(
      sql`delete from data_exports where id in (
      select id from data_exports where created_at < ${cutoff} limit ${batch})`.execute(trx),
    ),
};

async function affected(result: Promise<{ numAffectedRows?: bigint }>): Promise<number> {
  return Number((await result).numAffectedRows ?? 0);
}

/** Applies every class's period, in batches; returns the rows changed per class. */
export async function applyClassRetention(
  trx: Trx,
  now: Date,
  periods: ClassPeriods,
  batch = 5_000,
): Promise<Record<DataClass, number>> {
  const counts = {} as Record<DataClass, number>;
  for (const cls of Object.keys(APPLY) as DataClass[]) {
    const cutoff = new Date(now.getTime() - periods[cls] * 86_400_000);
    let total = 0;
    for (;;) {
      const n = await APPLY[cls](trx, cutoff, batch);
      total += n;
      if (n < batch) break;
    }
    counts[cls] = total;
  }
  return counts;
}
