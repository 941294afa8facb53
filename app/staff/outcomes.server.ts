import { sql, type Kysely, type RawBuilder } from "kysely";
import { CREDITED_PAYMENT_STATUSES, type Database } from "../../db/schema";
import type { OutcomeFilters } from "./outcome-filters";

/**
 * Outcome analytics for supervisors (issue #23 item 1; every figure is defined in docs/outcomes.md).
 * Each figure is one set-based query over a shared scope: the accounts matching the product,
 * jurisdiction and language filters, and, with a stage filter, whose first reminder in the period was
 * of that stage (their entry stage). The period is [from 00:00, to + 1 day 00:00) in the console's time
 * zone. Money is summed per currency, never across currencies.
 */
export interface Rate {
  numerator: number;
  denominator: number;
}
interface CurrencyOutcome {
  currency: string;
  portalMinor: number;
  offlineMinor: number;
  totalMinor: number;
  texts: number;
  segments: number;
  calls: number;
  visits: number;
}
interface CohortPoint {
  month: string;
  currency: string;
  accounts: number;
  placedMinor: number;
  /** Cumulative share collected, in per mille of placed, at the end of each 30-day month since entry. */
  curve: Array<{ monthsSinceEntry: number; collectedMinor: number }>;
}
export interface Outcomes {
  filters: OutcomeFilters;
  timeZone: string;
  byCurrency: CurrencyOutcome[];
  cure: Rate;
  roll: Rate;
  promiseKept: Rate;
  planCompleted: Rate;
  planBroken: Rate;
  firstAction: { accounts: number; acted: number; medianHours: number | null };
  cohorts: CohortPoint[];
}

const ARREARS_STAGES = ["early", "mid", "late", "serious"];
const STAGE_ORDER = ["pre_due", "due", "early", "mid", "late", "serious"];
const CREDITED = [...CREDITED_PAYMENT_STATUSES];
const REMINDER = sql`m.direction = 'outbound' and m.channel = 'sms' and m.stage is not null and m.sent_at is not null`;

export interface Scope {
  db: Kysely<Database>;
  lo: RawBuilder<unknown>;
  hi: RawBuilder<unknown>;
  tz: string;
  from: string;
  to: string;
  /** `with` clauses: entry (each account's reminders in the period: first, first and last stage, arrears) and scope (the accounts the filters keep). */
  ctes: RawBuilder<unknown>;
}

export function outcomeScope(db: Kysely<Database>, f: OutcomeFilters, tz: string): Scope {
  const lo = sql`(${f.from}::date::timestamp at time zone ${tz})`;
  const hi = sql`((${f.to}::date + 1)::timestamp at time zone ${tz})`;
  // Only the filters that are set reach the SQL, and the account scope is inlined (not materialized)
  // into each figure's query, so a figure driven by the period's rows looks accounts up by id instead of
  // reading the whole book (measured in the benchmark: tests/bench/outcomes.ts).
  const person = f.jurisdiction || f.language;
  const conditions = [
    f.product ? sql`a.product = ${f.product}` : null,
    f.jurisdiction ? sql`b.jurisdiction = ${f.jurisdiction}` : null,
    f.language ? sql`b.locale = ${f.language}` : null,
  ].filter((c) => c !== null);
  const accounts = sql`accounts a ${person ? sql`join borrowers b on b.id = a.borrower_id` : sql``}
    where ${conditions.length ? sql.join(conditions, sql` and `) : sql`true`}`;
  const stage = STAGE_ORDER.indexOf(f.stage ?? "") + 1;
  // One pass over the period's reminders (of the filtered accounts only) gives each account's entry, first
  // and last stage and whether any was an arrears reminder. Each reminder is packed into one bigint, its
  // second times 8 plus its stage's position (1-6), so `min` and `max` find the first and the last
  // reminder's stage without sorting each account's reminders
  // (docs/decisions/016-outcomes-at-a-million-accounts.md).
  const packed = sql`(extract(epoch from m.sent_at)::bigint * 8 + array_position(${STAGE_ORDER}::text[], m.stage))`;
  // With a stage filter the scope reads the entries, and each figure inlines the scope, so the entries are
  // computed once per query instead of once per use.
  const ctes = sql`
    entry as ${stage ? sql`materialized` : sql`not materialized`} (
      select m.account_id, min(m.sent_at) as sent_at,
        (min(${packed}) % 8)::int as first_stage, (max(${packed}) % 8)::int as last_stage,
        bool_or(m.stage = any(${ARREARS_STAGES}::text[])) as in_arrears
      from messages m
      where ${REMINDER} and m.sent_at >= ${lo} and m.sent_at < ${hi} and m.account_id is not null
        ${conditions.length ? sql`and m.account_id in (select a.id from ${accounts})` : sql``}
      group by m.account_id
    ),
    scope as not materialized (
      select a.id, a.currency, a.overdue_minor, a.status, a.balance_as_of from ${accounts}
        ${stage ? sql`and a.id in (select e.account_id from entry e where e.first_stage = ${stage})` : sql``}
    )`;
  return { db, lo, hi, tz, from: f.from, to: f.to, ctes };
}

/** Amount collected by source and contact counts, per currency of the account. */
function queryByCurrency({ db, lo, hi, ctes }: Scope) {
  return sql<{
    currency: string;
    portal: string;
    offline: string;
    texts: number;
    segments: number;
    calls: number;
    visits: number;
  }>`
    with ${ctes},
    paid as (
      select s.currency,
        sum(p.amount_minor - p.reversed_minor) filter (where p.source = 'portal') as portal,
        sum(p.amount_minor - p.reversed_minor) filter (where p.source <> 'portal') as offline
      from payments p join scope s on s.id = p.account_id
      where p.status = any(${CREDITED}::text[]) and p.succeeded_at >= ${lo} and p.succeeded_at < ${hi}
      group by s.currency
    ),
    texts as (
      select s.currency, count(*)::int as texts, coalesce(sum(m.segments), 0)::int as segments
      from messages m join scope s on s.id = m.account_id
      where m.direction = 'outbound' and m.channel = 'sms' and m.sent_at >= ${lo} and m.sent_at < ${hi}
      group by s.currency
    ),
    calls as (
      select s.currency, count(*)::int as calls
      from call_attempts c join scope s on s.id = c.account_id
      where c.occurred_at >= ${lo} and c.occurred_at < ${hi}
      group by s.currency
    ),
    visits as (
      select s.currency, count(*)::int as visits
      from tasks t join scope s on s.id = t.account_id
      where t.kind = 'visit' and t.status = 'done' and t.resolved_at >= ${lo} and t.resolved_at < ${hi}
      group by s.currency
    ),
    currencies as (
      select currency from paid union select currency from texts union select currency from calls union select currency from visits
    )
    select c.currency, coalesce(p.portal, 0)::text as portal, coalesce(p.offline, 0)::text as offline,
      coalesce(t.texts, 0) as texts, coalesce(t.segments, 0) as segments,
      coalesce(k.calls, 0) as calls, coalesce(v.visits, 0) as visits
    from currencies c
    left join paid p using (currency) left join texts t using (currency)
    left join calls k using (currency) left join visits v using (currency)
    order by c.currency
  `.execute(db);
}

/** Cure, roll, promise-kept and plan rates, and the time from first text to first action. */
function queryRates({ db, lo, hi, from, to, ctes }: Scope) {
  return sql<{
    arrears: number;
    cured: number;
    reminded: number;
    rolled: number;
    promises: number;
    kept: number;
    plans: number;
    completed: number;
    broken: number;
    acted: number;
    median_hours: number | null;
  }>`
    with ${ctes},
    reached as (
      select e.account_id, e.sent_at, e.first_stage, e.last_stage, e.in_arrears, s.status, s.overdue_minor, s.balance_as_of
      from entry e join scope s on s.id = e.account_id
    ),
    pending as (
      select p.account_id, sum(p.amount_minor - p.reversed_minor) as paid
      from payments p join reached r on r.account_id = p.account_id
      where r.in_arrears and p.status = any(${CREDITED}::text[]) and p.succeeded_at >= r.balance_as_of
      group by p.account_id
    ),
    -- Only actions since the period began can follow an entry in it, so older ones are never read.
    actions as (
      select l.account_id, v.attempted_at as at
      from short_links l join verification_attempts v on v.link_id = l.id
      where v.succeeded and v.attempted_at >= ${lo}
      union all
      select p.account_id, p.succeeded_at from payments p
      where p.status = any(${CREDITED}::text[]) and p.succeeded_at >= ${lo}
      union all
      select pr.account_id, pr.created_at from promises_to_pay pr where pr.created_at >= ${lo}
      union all
      select pl.account_id, pl.created_at from instalment_plans pl where pl.proposed_by = 'borrower' and pl.created_at >= ${lo}
      union all
      select h.account_id, h.created_at from hardship_reports h where h.created_at >= ${lo}
    ),
    first_action as (
      select r.account_id, min(x.at) - r.sent_at as wait
      from reached r join actions x on x.account_id = r.account_id and x.at >= r.sent_at
      group by r.account_id, r.sent_at
    ),
    counts as (
      select count(*) filter (where in_arrears)::int as arrears, count(*)::int as reminded,
        count(*) filter (where last_stage > first_stage)::int as rolled
      from reached
    )
    select c.arrears, c.reminded, c.rolled,
      (select count(*) from reached r left join pending p on p.account_id = r.account_id
        where r.in_arrears and (r.status in ('paid', 'closed') or r.overdue_minor - coalesce(p.paid, 0) <= 0))::int as cured,
      (select count(*) from promises_to_pay pr join scope s on s.id = pr.account_id
        where pr.status in ('kept', 'broken') and pr.promised_date between ${from}::date and ${to}::date)::int as promises,
      (select count(*) from promises_to_pay pr join scope s on s.id = pr.account_id
        where pr.status = 'kept' and pr.promised_date between ${from}::date and ${to}::date)::int as kept,
      (select count(*) from instalment_plans pl join scope s on s.id = pl.account_id
        where pl.status in ('active', 'completed', 'broken') and pl.decided_at >= ${lo} and pl.decided_at < ${hi})::int as plans,
      (select count(*) from instalment_plans pl join scope s on s.id = pl.account_id
        where pl.status = 'completed' and pl.decided_at >= ${lo} and pl.decided_at < ${hi})::int as completed,
      (select count(*) from instalment_plans pl join scope s on s.id = pl.account_id
        where pl.status = 'broken' and pl.decided_at >= ${lo} and pl.decided_at < ${hi})::int as broken,
      (select count(*) from first_action)::int as acted,
      (select percentile_cont(0.5) within group (order by extract(epoch from wait) / 3600) from first_action)::float8 as median_hours
    from counts c
  `.execute(db);
}

/**
 * The liquidation curve per monthly cohort: accounts whose first arrears reminder ever fell in the period,
 * grouped by that month; per 30-day month since entry, the cumulative amount collected, against what was
 * placed (overdue then: what is still overdue now plus what was paid since entry).
 */
function queryCohorts({ db, lo, hi, tz, ctes }: Scope, now: Date) {
  return sql<{
    month: string;
    currency: string;
    accounts: number;
    placed: string;
    k: number;
    collected: string;
  }>`
    with ${ctes},
    -- Each account's first arrears reminder ever is kept as it is sent (account_milestones, migration 0156),
    -- so the cohort reads only the period's entrants, however long the history.
    cohort as not materialized (
      select c.account_id, c.first_arrears_reminder_at as entered, s.currency, s.overdue_minor, s.balance_as_of,
        date_trunc('month', c.first_arrears_reminder_at at time zone ${tz}) as month
      from account_milestones c join scope s on s.id = c.account_id
      where c.first_arrears_reminder_at >= ${lo} and c.first_arrears_reminder_at < ${hi}
    ),
    credits as (
      select c.account_id, c.month, c.currency, c.entered, c.balance_as_of, p.succeeded_at,
        p.amount_minor - p.reversed_minor as amount
      from cohort c join payments p on p.account_id = c.account_id
      where p.status = any(${CREDITED}::text[]) and p.succeeded_at >= least(c.entered, c.balance_as_of)
    ),
    -- Only accounts with payments need their placed amount corrected, so the cohort is read once, in sizes.
    paid as (
      select account_id,
        coalesce(sum(amount) filter (where succeeded_at >= balance_as_of), 0) as since_balance,
        coalesce(sum(amount) filter (where succeeded_at >= entered), 0) as since_entry
      from credits group by account_id
    ),
    sizes as (
      select c.month, c.currency, count(*)::int as accounts,
        sum(greatest(c.overdue_minor - coalesce(p.since_balance, 0), 0) + coalesce(p.since_entry, 0)) as placed,
        floor(extract(epoch from ${now}::timestamptz - min(c.entered)) / (30 * 86400))::int as elapsed
      from cohort c left join paid p on p.account_id = c.account_id
      group by 1, 2
    ),
    by_k as (
      select month, currency, floor(extract(epoch from succeeded_at - entered) / (30 * 86400))::int as k, sum(amount) as amount
      from credits where succeeded_at >= entered
      group by 1, 2, 3
    )
    select to_char(s.month, 'YYYY-MM') as month, s.currency, s.accounts, s.placed::text as placed, g.k,
      (sum(coalesce(b.amount, 0)) over (partition by s.month, s.currency order by g.k))::text as collected
    from sizes s cross join lateral generate_series(0, s.elapsed) as g(k)
    left join by_k b on b.month = s.month and b.currency = s.currency and b.k = g.k
    order by s.month, s.currency, g.k
  `.execute(db);
}

type CohortRow = Awaited<ReturnType<typeof queryCohorts>>["rows"][number];

/** Folds the curve's rows (one per cohort, currency and month since entry) into one entry per cohort. */
function foldCohorts(rows: CohortRow[]): CohortPoint[] {
  const cohorts = new Map<string, CohortPoint>();
  for (const r of rows) {
    const key = `${r.month} ${r.currency}`;
    let cohort = cohorts.get(key);
    if (!cohort) {
      cohort = {
        month: r.month,
        currency: r.currency,
        accounts: r.accounts,
        placedMinor: Number(r.placed),
        curve: [],
      };
      cohorts.set(key, cohort);
    }
    cohort.curve.push({ monthsSinceEntry: r.k, collectedMinor: Number(r.collected) });
  }
  return [...cohorts.values()];
}

/** Every outcome figure for the filters, in three queries run side by side. */
export async function loadOutcomes(
  db: Kysely<Database>,
  filters: OutcomeFilters,
  opts: { timeZone: string; now?: Date },
): Promise<Outcomes> {
  const scope = outcomeScope(db, filters, opts.timeZone);
  const [currencies, rates, cohorts] = await Promise.all([
    queryByCurrency(scope),
    queryRates(scope),
    queryCohorts(scope, opts.now ?? new Date()),
  ]);
  const r = rates.rows[0]!;
  return {
    filters,
    timeZone: opts.timeZone,
    byCurrency: currencies.rows.map((c) => ({
      currency: c.currency,
      portalMinor: Number(c.portal),
      offlineMinor: Number(c.offline),
      totalMinor: Number(c.portal) + Number(c.offline),
      texts: c.texts,
      segments: c.segments,
      calls: c.calls,
      visits: c.visits,
    })),
    cure: { numerator: r.cured, denominator: r.arrears },
    roll: { numerator: r.rolled, denominator: r.reminded },
    promiseKept: { numerator: r.kept, denominator: r.promises },
    planCompleted: { numerator: r.completed, denominator: r.plans },
    planBroken: { numerator: r.broken, denominator: r.plans },
    firstAction: {
      accounts: r.reminded, // every account reminded in the period entered it
      acted: r.acted,
      medianHours: r.median_hours === null ? null : Math.round(r.median_hours * 10) / 10,
    },
    cohorts: foldCohorts(cohorts.rows),
  };
}
