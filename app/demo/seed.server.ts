import { sql, type Kysely, type Transaction } from "kysely";
import { hashVerificationAnswer } from "../borrower/verification-answers.server";
import type { Database } from "../../db/schema";
import { DEMO_BORROWERS, type DemoBorrower } from "./demo-borrowers";

const DAY_MS = 86_400_000;

/** Today (UTC) shifted by `days`, as 'YYYY-MM-DD'. */
export function utcDateFromNow(now: Date, days: number): string {
  return new Date(now.getTime() + days * DAY_MS).toISOString().slice(0, 10);
}

/** Same day `months` later (clamped to the month's end), as 'YYYY-MM-DD'. */
function addMonthsUtc(isoDate: string, months: number): string {
  const [y, m, d] = isoDate.split("-").map(Number) as [number, number, number];
  const lastDay = new Date(Date.UTC(y, m - 1 + months + 1, 0)).getUTCDate();
  return new Date(Date.UTC(y, m - 1 + months, Math.min(d, lastDay))).toISOString().slice(0, 10);
}

/** Equal parts in minor units; the remainder goes to the first, so they sum exactly. */
function splitEvenly(totalMinor: number, count: number): number[] {
  const base = Math.floor(totalMinor / count);
  return Array.from({ length: count }, (_, i) => (i === 0 ? base + (totalMinor - base * count) : base));
}

export async function isDatabaseEmpty(db: Kysely<Database>): Promise<boolean> {
  const row = await db.selectFrom("borrowers").select("id").limit(1).executeTakeFirst();
  return row === undefined;
}

/** Inserts the demo data once, in one transaction; a second call (even a concurrent one) is a no-op. */
export async function seedDemoData(
  db: Kysely<Database>,
  opts: { verificationHashKey: string; now?: Date },
): Promise<{ borrowers: number }> {
  const now = opts.now ?? new Date();
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext('settle:demo-seed'))`.execute(trx);
    const existing = await trx
      .selectFrom("borrowers")
      .select("id")
      .where("external_ref", "like", "DEMO-%")
      .limit(1)
      .executeTakeFirst();
    if (existing) return { borrowers: 0 };
    for (const demo of DEMO_BORROWERS) {
      await insertDemoBorrower(trx, demo, opts.verificationHashKey, now);
    }
    return { borrowers: DEMO_BORROWERS.length };
  });
}

async function insertDemoBorrower(trx: Transaction<Database>, demo: DemoBorrower, key: string, now: Date) {
  const borrower = await trx
    .insertInto("borrowers")
    .values({
      external_ref: demo.externalRef,
      full_name: demo.fullName,
      phone_e164: demo.phoneE164,
      email: demo.email,
      locale: demo.locale,
      time_zone: demo.timeZone,
      jurisdiction: demo.jurisdiction,
      dob_hash: hashVerificationAnswer("dob", demo.dob, key),
      id_last4_hash: hashVerificationAnswer("id_last4", demo.idLast4, key),
      address_line1: demo.address?.line1 ?? null,
      address_city: demo.address?.city ?? null,
      address_postal_code: demo.address?.postalCode ?? null,
      address_country: demo.address?.country ?? null,
    })
    .returning("id")
    .executeTakeFirstOrThrow();

  await trx
    .insertInto("contact_preferences")
    .values({
      borrower_id: borrower.id,
      email_allowed: demo.preferences?.emailAllowed ?? demo.email !== null,
      window_start: demo.preferences?.windowStart ?? null,
      window_end: demo.preferences?.windowEnd ?? null,
      max_per_week: demo.preferences?.maxPerWeek ?? null,
    })
    .execute();

  const a = demo.account;
  const account = await trx
    .insertInto("accounts")
    .values({
      borrower_id: borrower.id,
      external_ref: a.externalRef,
      product: a.product,
      last4: a.last4,
      currency: a.currency,
      balance_minor: a.balanceMinor,
      overdue_minor: a.overdueMinor,
      minimum_due_minor: a.minimumDueMinor,
      fees_minor: a.feesMinor,
      interest_minor: a.interestMinor,
      due_date: demoDueDate(demo, now),
      dpd: a.dpd,
      status: a.status,
      balance_as_of: now,
    })
    .returning("id")
    .executeTakeFirstOrThrow();

  const ids = { borrowerId: borrower.id, accountId: account.id };
  if (demo.stage === "paid") await insertSettlingPayment(trx, demo, ids, now);
  if (demo.plan) await insertActivePlan(trx, demo, demo.plan, ids, now);
  if (demo.hardship) await insertOpenHardship(trx, demo, demo.hardship, ids, now);
}

function demoDueDate(demo: DemoBorrower, now: Date): string | null {
  if (demo.plan)
    return addMonthsUtc(utcDateFromNow(now, demo.plan.firstDueInDays), demo.plan.paidInstalments);
  return demo.account.dueInDays === null ? null : utcDateFromNow(now, demo.account.dueInDays);
}

type Ids = { borrowerId: string; accountId: string };

async function insertSettlingPayment(trx: Transaction<Database>, demo: DemoBorrower, ids: Ids, now: Date) {
  await trx
    .insertInto("payments")
    .values({
      account_id: ids.accountId,
      borrower_id: ids.borrowerId,
      amount_minor: 245_000,
      currency: demo.account.currency,
      source: "offline_transfer",
      status: "succeeded",
      idempotency_key: `demo:${demo.externalRef}:settlement`,
      external_ref: `${demo.externalRef}-PAY-1`,
      created_at: new Date(now.getTime() - 3 * DAY_MS),
      succeeded_at: new Date(now.getTime() - 3 * DAY_MS),
      bank_confirmed_at: new Date(now.getTime() - 2 * DAY_MS),
    })
    .execute();
}

async function insertActivePlan(
  trx: Transaction<Database>,
  demo: DemoBorrower,
  plan: NonNullable<DemoBorrower["plan"]>,
  ids: Ids,
  now: Date,
) {
  const firstDueDate = utcDateFromNow(now, plan.firstDueInDays);
  const created = new Date(now.getTime() + (plan.firstDueInDays - 7) * DAY_MS);
  const row = await trx
    .insertInto("instalment_plans")
    .values({
      account_id: ids.accountId,
      borrower_id: ids.borrowerId,
      status: "active",
      total_minor: plan.totalMinor,
      currency: demo.account.currency,
      instalment_count: plan.instalmentCount,
      frequency: "monthly",
      first_due_date: firstDueDate,
      proposed_by: "borrower",
      auto_approved: true,
      decided_at: created,
      decision_reason: "within_auto_approve_policy",
      created_at: created,
      updated_at: created,
    })
    .returning("id")
    .executeTakeFirstOrThrow();

  const amounts = splitEvenly(plan.totalMinor, plan.instalmentCount);
  await trx
    .insertInto("instalments")
    .values(
      amounts.map((amount, i) => {
        const paid = i < plan.paidInstalments;
        return {
          plan_id: row.id,
          seq: i + 1,
          due_date: addMonthsUtc(firstDueDate, i),
          amount_minor: amount,
          paid_minor: paid ? amount : 0,
          status: paid ? ("paid" as const) : ("due" as const),
        };
      }),
    )
    .execute();

  for (const [i, amount] of amounts.slice(0, plan.paidInstalments).entries()) {
    const paidAt = new Date(now.getTime() + (plan.firstDueInDays - 1) * DAY_MS);
    await trx
      .insertInto("payments")
      .values({
        account_id: ids.accountId,
        borrower_id: ids.borrowerId,
        amount_minor: amount,
        currency: demo.account.currency,
        source: "portal",
        status: "succeeded",
        idempotency_key: `demo:${demo.externalRef}:instalment:${i + 1}`,
        created_at: paidAt,
        succeeded_at: paidAt,
        bank_confirmed_at: paidAt,
      })
      .execute();
  }
}

async function insertOpenHardship(
  trx: Transaction<Database>,
  demo: DemoBorrower,
  hardship: NonNullable<DemoBorrower["hardship"]>,
  ids: Ids,
  now: Date,
) {
  const report = await trx
    .insertInto("hardship_reports")
    .values({
      borrower_id: ids.borrowerId,
      account_id: ids.accountId,
      reason: hardship.reason,
      details: hardship.details,
      monthly_income_minor: 0,
      monthly_expenses_minor: 650_000,
      currency: demo.account.currency,
      wants_pause: true,
      wants_lower_payments: true,
      pause_until: new Date(now.getTime() + hardship.pauseDays * DAY_MS),
      status: "open",
      created_at: now,
    })
    .returning("id")
    .executeTakeFirstOrThrow();

  await trx
    .insertInto("tasks")
    .values({
      kind: "hardship_review",
      borrower_id: ids.borrowerId,
      account_id: ids.accountId,
      due_at: new Date(now.getTime() + DAY_MS),
      source_type: "hardship_report",
      source_id: report.id,
      dedupe_key: `hardship_review:${report.id}`,
      created_at: now,
    })
    .execute();
}
