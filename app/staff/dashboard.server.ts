import { sql, type Kysely } from "kysely";
import type { Database } from "../../db/schema";
import { isoDateFromEpochDay, localEpochDay } from "../domain/local-time";

/**
 * Outcomes over time for supervisors (docs/product-rules.md §8.9),
 * per day of the console's time zone, in three set-based queries:
 *
 * - the reminder funnel by the day a text was sent: sent -> delivered ->
 *   opened (its link's first open) -> verified (a successful check on its link)
 *   -> paid (a succeeded payment on the account within 7 days of the text);
 * - events by the day they happened: plans proposed by borrowers, plans that
 *   started (approved, auto-approved or a counter-offer accepted), SMS opt-outs
 *   (audit), complaints;
 * - per reminder stage and A/B variant: texts sent and how many were followed
 *   by a payment within 7 days.
 */
const DASHBOARD_DAYS = 30;
export const PAID_WITHIN_DAYS = 7;

export interface DashboardDay {
  day: string;
  sent: number;
  delivered: number;
  opened: number;
  verified: number;
  paid: number;
  plansProposed: number;
  plansApproved: number;
  optOuts: number;
  complaints: number;
}

interface VariantOutcome {
  stage: string;
  variant: string;
  sent: number;
  paidWithin7Days: number;
  /** Percentage with one decimal; null when nothing was sent. */
  ratePercent: number | null;
}

export interface Dashboard {
  from: string;
  to: string;
  timeZone: string;
  days: DashboardDay[];
  totals: Omit<DashboardDay, "day">;
  variants: VariantOutcome[];
}

const REMINDER = sql`m.direction = 'outbound' and m.channel = 'sms' and m.template_key like 'reminder.%' and m.sent_at is not null`;

/** The window's days and the SQL fragments every query bounds and groups by. */
interface Window {
  db: Kysely<Database>;
  from: string;
  to: string;
  lo: ReturnType<typeof sql>;
  hi: ReturnType<typeof sql>;
  dayOf: (column: ReturnType<typeof sql>) => ReturnType<typeof sql>;
}

function dashboardWindow(db: Kysely<Database>, tz: string, now: Date, span: number): Window {
  const today = localEpochDay(now.getTime(), tz);
  const from = isoDateFromEpochDay(today - span + 1);
  const to = isoDateFromEpochDay(today);
  return {
    db,
    from,
    to,
    // Instants bounding the window: local midnight at its start, local midnight after its last day.
    lo: sql`(${from}::date::timestamp at time zone ${tz})`,
    hi: sql`((${to}::date + 1)::timestamp at time zone ${tz})`,
    dayOf: (column) => sql`date_trunc('day', ${column} at time zone ${tz})::date`,
  };
}

/** The reminder funnel per day the text was sent. */
function queryFunnel({ db, from, to, lo, hi, dayOf }: Window) {
  return sql<{
    day: string;
    sent: number;
    delivered: number;
    opened: number;
    verified: number;
    paid: number;
  }>`
      with days as (select generate_series(${from}::date, ${to}::date, interval '1 day')::date as day),
      sent as (
        select ${dayOf(sql`m.sent_at`)} as day,
          m.status = 'delivered' as delivered,
          exists (select 1 from short_links l where l.message_id = m.id and l.first_opened_at is not null) as opened,
          exists (select 1 from short_links l join verification_attempts v on v.link_id = l.id where l.message_id = m.id and v.succeeded) as verified,
          exists (
            select 1 from payments p
            where p.account_id = m.account_id and p.status = 'succeeded'
              and p.succeeded_at >= m.sent_at and p.succeeded_at < m.sent_at + make_interval(days => ${PAID_WITHIN_DAYS})
          ) as paid
        from messages m
        where ${REMINDER} and m.sent_at >= ${lo} and m.sent_at < ${hi}
      )
      select to_char(d.day, 'YYYY-MM-DD') as day,
        count(s.day)::int as sent,
        count(*) filter (where s.delivered)::int as delivered,
        count(*) filter (where s.opened)::int as opened,
        count(*) filter (where s.verified)::int as verified,
        count(*) filter (where s.paid)::int as paid
      from days d left join sent s on s.day = d.day
      group by d.day order by d.day
    `.execute(db);
}

/** Plans proposed and started, opt-outs and complaints per day they happened. */
function queryEvents({ db, from, to, lo, hi, dayOf }: Window) {
  return sql<{
    day: string;
    plans_proposed: number;
    plans_approved: number;
    opt_outs: number;
    complaints: number;
  }>`
    with days as (select generate_series(${from}::date, ${to}::date, interval '1 day')::date as day),
    proposed as (
      select ${dayOf(sql`created_at`)} as day, count(*)::int as n from instalment_plans
      where proposed_by = 'borrower' and created_at >= ${lo} and created_at < ${hi} group by 1
    ),
    approved as (
      select ${dayOf(sql`decided_at`)} as day, count(*)::int as n from instalment_plans
      where status in ('approved', 'active', 'completed', 'broken') and decided_at >= ${lo} and decided_at < ${hi} group by 1
    ),
    opt_outs as (
      select ${dayOf(sql`occurred_at`)} as day, count(*)::int as n from audit_events
      where action = 'preferences.sms_opted_out' and occurred_at >= ${lo} and occurred_at < ${hi} group by 1
    ),
    complaints as (
      select ${dayOf(sql`created_at`)} as day, count(*)::int as n from complaints
      where created_at >= ${lo} and created_at < ${hi} group by 1
    )
    select to_char(d.day, 'YYYY-MM-DD') as day,
      coalesce(p.n, 0) as plans_proposed, coalesce(a.n, 0) as plans_approved,
      coalesce(o.n, 0) as opt_outs, coalesce(c.n, 0) as complaints
    from days d
    left join proposed p on p.day = d.day
    left join approved a on a.day = d.day
    left join opt_outs o on o.day = d.day
    left join complaints c on c.day = d.day
    order by d.day
  `.execute(db);
}

/** Texts sent and paid within 7 days per reminder stage and A/B variant. */
function queryVariants({ db, lo, hi }: Window) {
  return sql<{ stage: string; variant: string; sent: number; paid: number }>`
    select split_part(m.template_key, '.', 2) as stage, coalesce(m.variant, split_part(m.template_key, '.', 3)) as variant,
      count(*)::int as sent,
      count(*) filter (where exists (
        select 1 from payments p
        where p.account_id = m.account_id and p.status = 'succeeded'
          and p.succeeded_at >= m.sent_at and p.succeeded_at < m.sent_at + make_interval(days => ${PAID_WITHIN_DAYS})
      ))::int as paid
    from messages m
    where ${REMINDER} and m.sent_at >= ${lo} and m.sent_at < ${hi}
    group by 1, 2 order by 1, 2
  `.execute(db);
}

type EventRow = Awaited<ReturnType<typeof queryEvents>>["rows"][number];
type FunnelRow = Awaited<ReturnType<typeof queryFunnel>>["rows"][number];

function mergeDays(funnel: FunnelRow[], events: EventRow[]): DashboardDay[] {
  const byDay = new Map(events.map((r) => [r.day, r]));
  return funnel.map((f): DashboardDay => {
    const e = byDay.get(f.day);
    return {
      day: f.day,
      sent: f.sent,
      delivered: f.delivered,
      opened: f.opened,
      verified: f.verified,
      paid: f.paid,
      plansProposed: e?.plans_proposed ?? 0,
      plansApproved: e?.plans_approved ?? 0,
      optOuts: e?.opt_outs ?? 0,
      complaints: e?.complaints ?? 0,
    };
  });
}

function sumDays(days: DashboardDay[]): Dashboard["totals"] {
  return days.reduce(
    (sum, d) => {
      for (const key of Object.keys(sum) as Array<keyof typeof sum>) sum[key] += d[key];
      return sum;
    },
    {
      sent: 0,
      delivered: 0,
      opened: 0,
      verified: 0,
      paid: 0,
      plansProposed: 0,
      plansApproved: 0,
      optOuts: 0,
      complaints: 0,
    },
  );
}

export async function loadDashboard(
  db: Kysely<Database>,
  opts: { timeZone: string; now?: Date; days?: number },
): Promise<Dashboard> {
  const window = dashboardWindow(db, opts.timeZone, opts.now ?? new Date(), opts.days ?? DASHBOARD_DAYS);
  const [funnel, events, variants] = await Promise.all([
    queryFunnel(window),
    queryEvents(window),
    queryVariants(window),
  ]);
  const days = mergeDays(funnel.rows, events.rows);
  return {
    from: window.from,
    to: window.to,
    timeZone: opts.timeZone,
    days,
    totals: sumDays(days),
    variants: variants.rows.map((r) => ({
      stage: r.stage,
      variant: r.variant,
      sent: r.sent,
      paidWithin7Days: r.paid,
      ratePercent: r.sent ? Math.round((r.paid * 1000) / r.sent) / 10 : null,
    })),
  };
}
