import { sql, type Kysely } from "kysely";
import type { Database } from "../../db/schema";
import type { HourEvidence } from "../domain/send-time";

/**
 * The send-time sampler's evidence (docs/product-rules.md §4.13) from what is already stored: reminders
 * handed to the provider, by the hour they went out on the borrower's clock, and whether the borrower
 * opened the text's link and acted on it (verified on that link, the gate to every portal action) within
 * 24 h of the send. Texts younger than 24 h are left out: their outcome is not known yet.
 */

/** Borrowers like them: same jurisdiction, stage and language. */
export function segmentKey(jurisdiction: string, stage: string, locale: string | null): string {
  return `${jurisdiction}|${stage}|${locale ?? ""}`;
}

const LOOKBACK_DAYS = 90;

/** Reminders whose 24 h have passed, with their local send hour and outcome. */
function sendsCte(now: Date) {
  // The outcome of each text is found by joins, never per text; a time zone Postgres does not know (bad
  // stored data) leaves that borrower's texts out instead of failing the whole run.
  return sql`
    with sends as (
      select m.borrower_id, b.jurisdiction, m.stage, m.locale,
             extract(hour from m.sent_at at time zone b.time_zone)::int as hour,
             exists (
               select 1 from short_links l join borrower_sessions s on s.link_id = l.id
                where l.message_id = m.id
                  and l.first_opened_at <= m.sent_at + interval '24 hours'
                  and s.created_at <= m.sent_at + interval '24 hours'
             ) as acted
        from messages m
        join borrowers b on b.id = m.borrower_id
       where m.direction = 'outbound' and m.channel = 'sms' and m.stage is not null
         and m.sent_at is not null
         and m.sent_at > ${now}::timestamptz - make_interval(days => ${LOOKBACK_DAYS})
         and m.sent_at <= ${now}::timestamptz - interval '24 hours'
         and b.time_zone in (select name from pg_timezone_names)
    )`;
}

type CountRow = { key: string; hour: number; sent: number; acted: number };

function byKey(rows: readonly CountRow[]): Map<string, HourEvidence> {
  const map = new Map<string, Record<number, { sent: number; acted: number }>>();
  for (const row of rows) {
    const hours = map.get(row.key) ?? {};
    hours[row.hour] = { sent: row.sent, acted: row.acted };
    map.set(row.key, hours);
  }
  return map;
}

/** The segments' counts: one aggregate per planner run, shared by every page. */
export async function loadSegmentEvidence(
  db: Kysely<Database>,
  now: Date,
): Promise<Map<string, HourEvidence>> {
  const { rows } = await sql<CountRow>`${sendsCte(now)}
    select jurisdiction || '|' || stage || '|' || coalesce(locale::text, '') as key, hour,
           count(*)::int as sent, (count(*) filter (where acted))::int as acted
      from sends group by jurisdiction, stage, locale, hour`.execute(db);
  return byKey(rows);
}

/** The given borrowers' own counts (a page of the planner's). */
export async function loadBorrowerEvidence(
  db: Kysely<Database>,
  opts: { now: Date; borrowerIds: readonly string[] },
): Promise<Map<string, HourEvidence>> {
  const { rows } = await sql<CountRow>`${sendsCte(opts.now)}
    select borrower_id::text as key, hour, count(*)::int as sent,
           (count(*) filter (where acted))::int as acted
      from sends where borrower_id = any(${[...opts.borrowerIds]}::uuid[])
     group by borrower_id, hour`.execute(db);
  return byKey(rows);
}
