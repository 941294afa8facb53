import { sql, type Kysely, type RawBuilder } from "kysely";
import type { Database } from "../../db/schema";
import { loadOutcomes } from "../../app/staff/outcomes.server";
import { parseOutcomeFilters } from "../../app/staff/outcome-filters";
import { loadBorrowerEvidence, loadSegmentEvidence } from "../../app/engine/send-time-evidence.server";
import type { Measure } from "./report";

/**
 * The outcome analytics (docs/outcomes.md) on the bench book: first a 60-day past, inserted set-based
 * (one or two sent reminders per delinquent account, payments, promises, plans and calls for a share of
 * them), then the dashboard's outcome queries timed for the whole book and for a filtered slice. Runs
 * after every other measure, so the history never changes what the planner decides. No budget: reported.
 */
export async function measureOutcomes(opts: {
  db: Kysely<Database>;
  now: Date;
  log: (line: string) => void;
}): Promise<Measure> {
  const { db, now, log } = opts;
  const t = performance.now();
  const rows = await seedOutcomeHistory(db, now);
  const seedMs = performance.now() - t;
  log(`outcomes: seeded a 60-day history (${JSON.stringify(rows)}) in ${(seedMs / 1000).toFixed(1)} s`);
  const today = now.toISOString().slice(0, 10);
  const timeZone = "Asia/Hong_Kong";
  const timed = async (query: Record<string, string>) => {
    const parsed = parseOutcomeFilters(new URLSearchParams(query), today);
    if (!parsed.ok) throw new Error(`bench filters refused: ${JSON.stringify(parsed.errors)}`);
    const start = performance.now();
    const outcomes = await loadOutcomes(db, parsed.filters, { timeZone, now });
    return { ms: Math.round(performance.now() - start), outcomes };
  };
  const first = await timed({});
  const again = await timed({});
  const sliced = await timed({ product: "credit_card", jurisdiction: "HK", stage: "early" });
  log(`outcomes: whole book ${first.ms} ms (again ${again.ms} ms), filtered slice ${sliced.ms} ms`);
  const base = await baselines(db, now);
  log(`outcomes: baselines ${JSON.stringify(base)}`);
  const evidence = await sendTimeEvidence(db, now);
  log(`outcomes: send-time evidence ${JSON.stringify(evidence)}`);
  const cure = first.outcomes.cure;
  return {
    id: "outcomes",
    measure:
      "Outcome analytics: every figure of the dashboard's outcome section (three queries at once), last 60 days",
    result: `whole book ${first.ms} ms (again ${again.ms} ms); credit cards in HK entering early ${sliced.ms} ms (cure ${cure.numerator.toLocaleString("en")} of ${cure.denominator.toLocaleString("en")} accounts); send-time evidence over the same history: the segments' counts ${evidence.segmentsMs} ms once per planner run, every planner page's borrowers' own ${evidence.pagesMs} ms over ${evidence.pages} pages of ${PLANNER_PAGE.toLocaleString("en")} accounts (${evidence.pageMs} ms a page)`,
    budget: "none (reported)",
    baseline: `one read of the period's reminders per account ${base.periodReadMs} ms; the cohort's entrants recomputed from every arrears reminder ${base.recomputedMs} ms, read from account_milestones ${base.milestonesMs} ms (history seeded in ${(seedMs / 1000).toFixed(1)} s: ${rows.messages.toLocaleString("en")} reminders in the period and ${rows.older.toLocaleString("en")} before it, ${rows.payments.toLocaleString("en")} payments)`,
    pass: "info",
    data: {
      firstMs: first.ms,
      againMs: again.ms,
      slicedMs: sliced.ms,
      seedMs: Math.round(seedMs),
      rows,
      ...base,
    },
  };
}

/**
 * Beside the figures, in the same run: the least any view must do (read the period's reminders once, per
 * account), and the cohort's entrants found both ways, recomputed from every arrears reminder ever (as
 * before migration 0156) and read from the milestones kept as texts are sent.
 */
async function baselines(db: Kysely<Database>, now: Date) {
  const lo = sql`${now}::timestamptz - interval '60 days'`;
  const sentText = sql`direction = 'outbound' and channel = 'sms' and account_id is not null and sent_at is not null`;
  const timedCount = async (query: RawBuilder<unknown>) => {
    const start = performance.now();
    await query.execute(db);
    return Math.round(performance.now() - start);
  };
  return {
    periodReadMs: await timedCount(sql`select count(*) from (select account_id, min(sent_at) from messages
      where ${sentText} and stage is not null and sent_at >= ${lo} group by account_id) x`),
    recomputedMs: await timedCount(sql`select count(*) from (select account_id from messages
      where ${sentText} and stage in ('early', 'mid', 'late', 'serious') group by account_id having min(sent_at) >= ${lo}) x`),
    milestonesMs: await timedCount(
      sql`select count(*) from account_milestones where first_arrears_reminder_at >= ${lo}`,
    ),
  };
}

/**
 * What the send-time sampler (§4.13) reads on this history when a policy turns it on: the segments' counts
 * once per planner run, and each planner page's borrowers' own counts, for every page of the book in the
 * planner's order (accounts by id, 5,000 at a time), one after another: the reading a run adds, before the
 * planner's pipelining overlaps any of it with its writes.
 */
async function sendTimeEvidence(db: Kysely<Database>, now: Date) {
  let start = performance.now();
  await loadSegmentEvidence(db, now);
  const segmentsMs = Math.round(performance.now() - start);
  let after: string | null = null;
  let pages = 0;
  let pagesMs = 0;
  for (;;) {
    const page: Array<{ id: string; borrower_id: string }> = await db
      .selectFrom("accounts")
      .select(["id", "borrower_id"])
      .$if(after !== null, (q) => q.where("id", ">", after!))
      .orderBy("id")
      .limit(PLANNER_PAGE)
      .execute();
    if (page.length === 0) break;
    start = performance.now();
    await loadBorrowerEvidence(db, { now, borrowerIds: [...new Set(page.map((a) => a.borrower_id))] });
    pagesMs += performance.now() - start;
    pages += 1;
    after = page.at(-1)!.id;
  }
  return {
    segmentsMs,
    pages,
    pagesMs: Math.round(pagesMs),
    pageMs: Math.round(pagesMs / Math.max(pages, 1)),
  };
}
const PLANNER_PAGE = 5_000;

/** Deterministic per account: `hashtext` of the account's reference picks its days and outcome. */
async function seedOutcomeHistory(db: Kysely<Database>, now: Date) {
  const h = sql`(hashtext(a.external_ref) & 2147483647)`; // not abs(): abs() of the int4 minimum overflows
  const messages = await sql`
    insert into messages (borrower_id, account_id, direction, channel, stage, template_key, variant, locale, body,
      to_address, segments, encoding, provider, status, dedupe_key, scheduled_for, sent_at, created_at)
    select a.borrower_id, a.id, 'outbound', 'sms', s.stage, 'reminder.' || s.stage || '.A', 'A', 'en', 'bench reminder',
      '+85290000000', 1, 'GSM-7', 'bench-history', 'delivered', 'bench-hist:' || a.id || ':' || k.k, s.sent, s.sent, s.sent
    from accounts a
    cross join generate_series(0, 1) as k(k)
    cross join lateral (
      select ${now}::timestamptz - make_interval(days => 1 + (${h} % 55) + 5 * k.k) as sent,
        case when a.dpd - (1 + (${h} % 55) + 5 * k.k) < 7 then 'early' when a.dpd - (1 + (${h} % 55) + 5 * k.k) < 30 then 'mid'
          when a.dpd - (1 + (${h} % 55) + 5 * k.k) < 60 then 'late' else 'serious' end as stage
    ) s
    where a.status = 'delinquent' and (k.k = 0 or ${h} % 3 = 0)`.execute(db);
  // Older history, before the dashboard's 60 days: a third of the delinquent accounts were in arrears
  // before, a monthly reminder from 6 to 9 months ago. A bank keeps years of it, and none of it may be read
  // to show the period.
  const older = await sql`
    insert into messages (borrower_id, account_id, direction, channel, stage, template_key, variant, locale, body,
      to_address, segments, encoding, provider, status, dedupe_key, scheduled_for, sent_at, created_at)
    select a.borrower_id, a.id, 'outbound', 'sms', 'early', 'reminder.early.A', 'A', 'en', 'bench reminder',
      '+85290000000', 1, 'GSM-7', 'bench-history', 'delivered', 'bench-old:' || a.id || ':' || k.k, s.sent, s.sent, s.sent
    from accounts a
    cross join generate_series(0, 3) as k(k)
    cross join lateral (select ${now}::timestamptz - make_interval(days => 180 + 30 * k.k + ${h} % 20) as sent) s
    where a.status = 'delinquent' and ${h} % 3 = 1`.execute(db);
  const payments = await sql`
    insert into payments (account_id, borrower_id, amount_minor, currency, source, status, idempotency_key, created_at, succeeded_at)
    select a.id, a.borrower_id, greatest(a.overdue_minor, 100), a.currency,
      (array['portal', 'portal', 'offline_transfer', 'offline_branch'])[1 + ${h} % 4], 'succeeded', 'bench-hist:' || a.id,
      ${now}::timestamptz - make_interval(days => ${h} % 50), ${now}::timestamptz - make_interval(days => ${h} % 50)
    from accounts a where a.status = 'delinquent' and ${h} % 5 = 0`.execute(db);
  await sql`
    insert into promises_to_pay (account_id, borrower_id, amount_minor, currency, promised_date, status, created_at, resolved_at)
    select a.id, a.borrower_id, greatest(a.overdue_minor, 100), a.currency, (${now}::timestamptz - make_interval(days => ${h} % 50))::date,
      case when ${h} % 2 = 0 then 'kept' else 'broken' end, ${now}::timestamptz - make_interval(days => 5 + ${h} % 50), ${now}
    from accounts a where a.status = 'delinquent' and ${h} % 20 = 1`.execute(db);
  await sql`
    insert into instalment_plans (account_id, borrower_id, status, total_minor, currency, instalment_count, first_due_date,
      proposed_by, decided_at, created_at)
    select a.id, a.borrower_id, (array['active', 'completed', 'broken'])[1 + ${h} % 3], greatest(a.overdue_minor, 100), a.currency, 3,
      (${now}::timestamptz - make_interval(days => ${h} % 50))::date, 'borrower',
      ${now}::timestamptz - make_interval(days => 7 + ${h} % 50), ${now}::timestamptz - make_interval(days => 7 + ${h} % 50)
    from accounts a where a.status = 'delinquent' and ${h} % 25 = 2`.execute(db);
  await sql`
    insert into call_attempts (borrower_id, account_id, outcome, occurred_at)
    select a.borrower_id, a.id, 'no_answer', ${now}::timestamptz - make_interval(days => 1 + ${h} % 55)
    from accounts a where a.status = 'delinquent' and a.dpd >= 30 and ${h} % 10 = 3`.execute(db);
  await sql`analyze`.execute(db);
  return {
    messages: Number(messages.numAffectedRows ?? 0),
    older: Number(older.numAffectedRows ?? 0),
    payments: Number(payments.numAffectedRows ?? 0),
  };
}
