import { sql, type Kysely, type Transaction } from "kysely";
import type { Database } from "../../db/schema";
import { seedDemoExperiment } from "./experiment.server";
import { drawHistory, HISTORY_REF_PREFIX, HISTORY_SEED, type HistoryBook } from "./history-draw";

/**
 * Inserts the demo book's 60-day past (app/demo/history-draw.ts) once, in one transaction, one
 * `insert ... select from unnest(...)` per table: a fresh `npm run dev` pays for a dozen statements,
 * not thousands of round trips. Rows refer to each other by external reference or dedupe key, so no
 * generated id comes back to JavaScript. A second call is a no-op.
 *
 * The history's borrowers are frozen: they are opted out of texts, so the live schedule suppresses
 * them (sms_opted_out) and never texts their fictional numbers.
 */
export async function seedDemoHistory(
  db: Kysely<Database>,
  opts: { now?: Date; seed?: number } = {},
): Promise<{ borrowers: number }> {
  const now = opts.now ?? new Date();
  const seeded = await db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext('settle:demo-history'))`.execute(trx);
    const existing = await trx
      .selectFrom("borrowers")
      .select("id")
      .where("external_ref", "like", `${HISTORY_REF_PREFIX}%`)
      .limit(1)
      .executeTakeFirst();
    if (existing) return { borrowers: 0 };
    const book = drawHistory(now, opts.seed ?? HISTORY_SEED);
    await insertPeople(trx, book, now);
    await insertTexts(trx, book);
    await insertActions(trx, book);
    return { borrowers: book.borrowers.length };
  });
  // Fresh statistics, or the first dashboard view plans these tables as empty: measured at 4 s for the
  // outcomes and 0.7 s for the funnel before, 0.1 s and 0.02 s after (autovacuum would catch up later).
  if (seeded.borrowers > 0) {
    await sql`analyze borrowers, accounts, messages, short_links, verification_attempts, payments, promises_to_pay,
      instalment_plans, instalments, call_attempts`.execute(db);
    // The strategy comparison over the same past (docs/product-rules.md §4.21).
    await seedDemoExperiment(db, now);
  }
  return seeded;
}

type Trx = Transaction<Database>;
const col = <T, V>(rows: T[], pick: (row: T) => V) => rows.map(pick);

async function insertPeople(trx: Trx, book: HistoryBook, now: Date) {
  const b = book.borrowers;
  await sql`insert into borrowers (external_ref, full_name, phone_e164, locale, time_zone, jurisdiction, created_at)
    select u.ref, u.name, u.phone, u.locale, u.tz, u.jur, ${now}::timestamptz - interval '61 days'
    from unnest(${col(b, (r) => r.ref)}::text[], ${col(b, (r) => r.fullName)}::text[], ${col(b, (r) => r.phone)}::text[],
      ${col(b, (r) => r.locale)}::text[], ${col(b, (r) => r.timeZone)}::text[], ${col(b, (r) => r.jurisdiction)}::text[])
      as u(ref, name, phone, locale, tz, jur)`.execute(trx);
  // Every channel closed: the live schedule never contacts a borrower who exists only for the history.
  await sql`insert into contact_preferences (borrower_id, sms_allowed, email_allowed, phone_allowed, visit_allowed, sms_opted_out_at)
    select id, false, false, false, false, ${now} from borrowers where external_ref like ${`${HISTORY_REF_PREFIX}%`}`.execute(
    trx,
  );
  const a = book.accounts;
  await sql`insert into accounts (borrower_id, external_ref, product, last4, currency, balance_minor, overdue_minor,
      minimum_due_minor, due_date, dpd, status, balance_as_of, created_at)
    select b.id, u.ref, u.product, substr(u.ref, 11, 4), u.currency, u.balance, u.overdue, least(u.overdue, 50000),
      u.due, u.dpd, u.status, ${now}, ${now}::timestamptz - interval '61 days'
    from unnest(${col(a, (r) => r.ref)}::text[], ${col(a, (r) => r.borrowerRef)}::text[], ${col(a, (r) => r.product)}::text[],
      ${col(a, (r) => r.currency)}::text[], ${col(a, (r) => r.balanceMinor)}::bigint[], ${col(a, (r) => r.overdueMinor)}::bigint[],
      ${col(a, (r) => r.dueDate)}::date[], ${col(a, (r) => r.dpd)}::int[], ${col(a, (r) => r.status)}::text[])
      as u(ref, bref, product, currency, balance, overdue, due, dpd, status)
    join borrowers b on b.external_ref = u.bref`.execute(trx);
}

/** Reminders, their links (opened or not) and the successful verifications on them. */
async function insertTexts(trx: Trx, book: HistoryBook) {
  const m = book.messages;
  await sql`insert into messages (borrower_id, account_id, direction, channel, stage, template_key, variant, locale, body,
      to_address, segments, encoding, provider, status, dedupe_key, scheduled_for, sent_at, created_at)
    select a.borrower_id, a.id, 'outbound', 'sms', u.stage, 'reminder.' || u.stage || '.' || u.variant, u.variant, u.locale,
      '[demo history] ' || u.stage || ' reminder', u.phone, u.segments,
      case when u.locale = 'en' then 'GSM-7' else 'UCS-2' end, 'demo-history',
      case when u.delivered then 'delivered' else 'undelivered' end, 'demo-hist:' || u.key, u.sent, u.sent, u.sent
    from unnest(${col(m, (r) => r.key)}::text[], ${col(m, (r) => r.accountRef)}::text[], ${col(m, (r) => r.stage)}::text[],
      ${col(m, (r) => r.variant)}::text[], ${col(m, (r) => r.locale)}::text[], ${col(m, (r) => r.phone)}::text[],
      ${col(m, (r) => r.segments)}::int[], ${col(m, (r) => r.delivered)}::boolean[], ${col(m, (r) => r.sentAt)}::timestamptz[])
      as u(key, aref, stage, variant, locale, phone, segments, delivered, sent)
    join accounts a on a.external_ref = u.aref`.execute(trx);
  await sql`insert into short_links (code_hash, key_id, borrower_id, account_id, message_id, expires_at, open_count,
      first_opened_at, last_opened_at, created_at)
    select 'demo-hist:' || u.key, 'demo', m.borrower_id, m.account_id, m.id, m.sent_at + interval '30 days',
      case when u.opened is null then 0 else 1 end, u.opened, u.opened, m.sent_at
    from unnest(${col(m, (r) => r.key)}::text[], ${col(m, (r) => r.openedAt)}::timestamptz[]) as u(key, opened)
    join messages m on m.dedupe_key = 'demo-hist:' || u.key`.execute(trx);
  const verified = m.filter((r) => r.verifiedAt !== null);
  await sql`insert into verification_attempts (link_id, succeeded, attempted_at)
    select l.id, true, u.at
    from unnest(${col(verified, (r) => r.key)}::text[], ${col(verified, (r) => r.verifiedAt)}::timestamptz[]) as u(key, at)
    join short_links l on l.code_hash = 'demo-hist:' || u.key`.execute(trx);
}

/** Payments, promises, plans with their instalments, and call attempts. */
async function insertActions(trx: Trx, book: HistoryBook) {
  const p = book.payments;
  await sql`insert into payments (account_id, borrower_id, amount_minor, currency, source, status, idempotency_key,
      external_ref, created_at, succeeded_at, bank_confirmed_at)
    select a.id, a.borrower_id, u.amount, u.currency, u.source, 'succeeded', 'demo-hist:' || u.key,
      case when u.source = 'portal' then null else 'DEMO-HIST-PAY-' || u.key end, u.at, u.at, u.at
    from unnest(${col(p, (r) => r.key)}::text[], ${col(p, (r) => r.accountRef)}::text[], ${col(p, (r) => r.amountMinor)}::bigint[],
      ${col(p, (r) => r.currency)}::text[], ${col(p, (r) => r.source)}::text[], ${col(p, (r) => r.at)}::timestamptz[])
      as u(key, aref, amount, currency, source, at)
    join accounts a on a.external_ref = u.aref`.execute(trx);
  const pr = book.promises;
  await sql`insert into promises_to_pay (account_id, borrower_id, amount_minor, currency, promised_date, status, created_at, resolved_at)
    select a.id, a.borrower_id, u.amount, u.currency, u.due, u.status, u.created, u.resolved
    from unnest(${col(pr, (r) => r.accountRef)}::text[], ${col(pr, (r) => r.amountMinor)}::bigint[], ${col(pr, (r) => r.currency)}::text[],
      ${col(pr, (r) => r.promisedDate)}::date[], ${col(pr, (r) => r.status)}::text[], ${col(pr, (r) => r.createdAt)}::timestamptz[],
      ${col(pr, (r) => r.resolvedAt)}::timestamptz[]) as u(aref, amount, currency, due, status, created, resolved)
    join accounts a on a.external_ref = u.aref`.execute(trx);
  await insertPlans(trx, book);
  const c = book.calls;
  await sql`insert into call_attempts (borrower_id, account_id, outcome, occurred_at)
    select a.borrower_id, a.id, u.outcome, u.at
    from unnest(${col(c, (r) => r.accountRef)}::text[], ${col(c, (r) => r.outcome)}::text[], ${col(c, (r) => r.at)}::timestamptz[])
      as u(aref, outcome, at)
    join accounts a on a.external_ref = u.aref`.execute(trx);
}

async function insertPlans(trx: Trx, book: HistoryBook) {
  const pl = book.plans;
  // An account has at most one history plan, so its reference finds the plan's id for the instalments.
  await sql`insert into instalment_plans (account_id, borrower_id, status, total_minor, currency, instalment_count, frequency,
      first_due_date, proposed_by, auto_approved, decided_at, decision_reason, created_at, updated_at)
    select a.id, a.borrower_id, u.status, u.total, u.currency, 3, 'fortnightly', u.first_due, 'borrower', true, u.created,
      'within_auto_approve_policy', u.created, u.updated
    from unnest(${col(pl, (r) => r.accountRef)}::text[], ${col(pl, (r) => r.status)}::text[], ${col(pl, (r) => r.totalMinor)}::bigint[],
      ${col(pl, (r) => r.currency)}::text[], ${col(pl, (r) => r.instalments[0]!.dueDate)}::date[],
      ${col(pl, (r) => r.createdAt)}::timestamptz[], ${col(pl, (r) => r.updatedAt)}::timestamptz[])
      as u(aref, status, total, currency, first_due, created, updated)
    join accounts a on a.external_ref = u.aref`.execute(trx);
  const rows = pl.flatMap((plan) =>
    plan.instalments.map((x, i) => ({ ...x, seq: i + 1, accountRef: plan.accountRef })),
  );
  await sql`insert into instalments (plan_id, seq, due_date, amount_minor, paid_minor, status)
    select p.id, u.seq, u.due, u.amount, case when u.status = 'paid' then u.amount else 0 end, u.status
    from unnest(${col(rows, (r) => r.accountRef)}::text[], ${col(rows, (r) => r.seq)}::int[], ${col(rows, (r) => r.dueDate)}::date[],
      ${col(rows, (r) => r.amountMinor)}::bigint[], ${col(rows, (r) => r.status)}::text[]) as u(aref, seq, due, amount, status)
    join accounts a on a.external_ref = u.aref
    join instalment_plans p on p.account_id = a.id`.execute(trx);
}
