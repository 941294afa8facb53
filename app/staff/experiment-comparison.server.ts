import { sql, type Kysely } from "kysely";
import { CREDITED_PAYMENT_STATUSES, type Database } from "../../db/schema";
import type { Arm } from "../domain/experiment-arm.server";
import {
  meanDifference,
  meanInterval,
  MIN_SAMPLE_PER_ARM,
  proportionDifference,
  verdict,
  wilson,
  type Interval,
  type Moments,
  type Verdict,
} from "../domain/experiment-stats";

/**
 * The strategy comparison (docs/outcomes.md, "Strategy experiments"): each arm's accounts measured from
 * the moment each was assigned to the experiment's end (or now), by two set-based queries. Money stays
 * per currency: collected per account is compared within each currency, never across.
 */
export interface RateMeasure {
  successes: number;
  n: number;
  interval: Interval | null;
}
interface ArmFigures {
  accounts: number;
  /** Accounts in arrears when assigned that have left arrears now (status paid/closed, or overdue covered). */
  cure: RateMeasure;
  /** Accounts with any credited payment since assignment. */
  paid: RateMeasure;
  /** Promises made since assignment and resolved: kept among kept + broken. */
  promiseKept: RateMeasure;
}
interface CollectedFigures {
  currency: string;
  champion: { accounts: number; mean: Interval | null };
  challenger: { accounts: number; mean: Interval | null };
  difference: Interval | null;
  verdict: Verdict;
}
export interface Comparison {
  minSamplePerArm: number;
  arms: Record<Arm, ArmFigures>;
  differences: Record<"cure" | "paid" | "promiseKept", { interval: Interval | null; verdict: Verdict }>;
  collected: CollectedFigures[];
}

const CREDITED = [...CREDITED_PAYMENT_STATUSES];

interface ArmRow {
  arm: Arm;
  currency: string;
  n: number;
  total: string;
  squares: string;
  arrears: number;
  cured: number;
  payers: number;
}

function queryArms(db: Kysely<Database>, experimentId: string, until: Date) {
  return sql<ArmRow>`
    with a as (
      select x.arm, x.account_id, x.in_arrears, x.assigned_at, c.currency, c.status, c.overdue_minor, c.balance_as_of
      from policy_experiment_assignments x join accounts c on c.id = x.account_id
      where x.experiment_id = ${experimentId}
    ),
    credited as (
      select a.account_id,
        sum(p.amount_minor - p.reversed_minor) filter (where p.succeeded_at >= a.assigned_at and p.succeeded_at < ${until}) as collected,
        sum(p.amount_minor - p.reversed_minor) filter (where p.succeeded_at >= a.balance_as_of) as since_import
      from a join payments p on p.account_id = a.account_id
      where p.status = any(${CREDITED}::text[])
      group by a.account_id
    )
    select a.arm, a.currency, count(*)::int as n,
      coalesce(sum(k.collected), 0)::text as total,
      coalesce(sum(k.collected::numeric * k.collected::numeric), 0)::text as squares,
      count(*) filter (where a.in_arrears)::int as arrears,
      count(*) filter (where a.in_arrears
        and (a.status in ('paid', 'closed') or a.overdue_minor - coalesce(k.since_import, 0) <= 0))::int as cured,
      count(*) filter (where k.collected > 0)::int as payers
    from a left join credited k on k.account_id = a.account_id
    group by a.arm, a.currency
    order by a.currency, a.arm`.execute(db);
}

function queryPromises(db: Kysely<Database>, experimentId: string, until: Date) {
  return sql<{ arm: Arm; kept: number; resolved: number }>`
    select x.arm, count(*) filter (where pr.status = 'kept')::int as kept,
      count(*) filter (where pr.status in ('kept', 'broken'))::int as resolved
    from policy_experiment_assignments x join promises_to_pay pr on pr.account_id = x.account_id
    where x.experiment_id = ${experimentId} and pr.created_at >= x.assigned_at and pr.created_at < ${until}
    group by x.arm`.execute(db);
}

const ARMS: readonly Arm[] = ["champion", "challenger"];

export async function compareArms(
  db: Kysely<Database>,
  experimentId: string,
  until: Date,
): Promise<Comparison> {
  const [arms, promises] = await Promise.all([
    queryArms(db, experimentId, until),
    queryPromises(db, experimentId, until),
  ]);
  const sum = (arm: Arm, pick: (r: ArmRow) => number) =>
    arms.rows.filter((r) => r.arm === arm).reduce((n, r) => n + pick(r), 0);
  const rate = (successes: number, n: number): RateMeasure => ({
    successes,
    n,
    interval: wilson(successes, n),
  });
  const figures = Object.fromEntries(
    ARMS.map((arm) => {
      const promise = promises.rows.find((r) => r.arm === arm);
      return [
        arm,
        {
          accounts: sum(arm, (r) => r.n),
          cure: rate(
            sum(arm, (r) => r.cured),
            sum(arm, (r) => r.arrears),
          ),
          paid: rate(
            sum(arm, (r) => r.payers),
            sum(arm, (r) => r.n),
          ),
          promiseKept: rate(promise?.kept ?? 0, promise?.resolved ?? 0),
        },
      ];
    }),
  ) as Record<Arm, ArmFigures>;
  const differ = (measure: "cure" | "paid" | "promiseKept") => {
    const interval = proportionDifference(
      { successes: figures.challenger[measure].successes, n: figures.challenger[measure].n },
      { successes: figures.champion[measure].successes, n: figures.champion[measure].n },
    );
    // The minimum sample binds each measure's own denominators, not only the arms' sizes.
    const n = { challenger: figures.challenger[measure].n, champion: figures.champion[measure].n };
    return { interval, verdict: verdict(interval, n) };
  };
  return {
    minSamplePerArm: MIN_SAMPLE_PER_ARM,
    arms: figures,
    differences: { cure: differ("cure"), paid: differ("paid"), promiseKept: differ("promiseKept") },
    collected: collectedByCurrency(arms.rows),
  };
}

function collectedByCurrency(rows: ArmRow[]): CollectedFigures[] {
  const currencies = [...new Set(rows.map((r) => r.currency))];
  return currencies.map((currency) => {
    const moments = (arm: Arm): Moments => {
      const r = rows.find((x) => x.arm === arm && x.currency === currency);
      return r
        ? { n: r.n, sum: Number(r.total), sumSquares: Number(r.squares) }
        : { n: 0, sum: 0, sumSquares: 0 };
    };
    const champion = moments("champion");
    const challenger = moments("challenger");
    const difference = meanDifference(challenger, champion);
    return {
      currency,
      champion: { accounts: champion.n, mean: meanInterval(champion) },
      challenger: { accounts: challenger.n, mean: meanInterval(challenger) },
      difference,
      verdict: verdict(difference, { challenger: challenger.n, champion: champion.n }),
    };
  });
}
