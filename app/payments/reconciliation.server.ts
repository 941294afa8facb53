import type { Kysely } from "kysely";
import { DateTime } from "luxon";
import type Stripe from "stripe";
import type { Database } from "../../db/schema";
import {
  LEDGER_CATEGORIES,
  reconcile,
  type LedgerCategory,
  type LedgerLine,
  type Reconciliation,
  type StripeLine,
} from "../domain/reconciliation";
import { appendAudit } from "../platform/audit.server";
import { stripeClient } from "./stripe-client.server";

/**
 * The daily reconciliation (docs/product-rules.md §6.8): a day's card payments, refunds and disputes as
 * Settle credited and took them back, against Stripe's balance transactions for the same day, matched
 * by payment intent. Offline payments never pass through Stripe and are reported beside it.
 */
export interface ReconciliationReport extends Reconciliation {
  day: string;
  timeZone: string;
  /** Bank-reported payments (branch, transfer, FPS) that day, by currency: not Stripe's to match. */
  offline: Array<{ currency: string; count: number; amountMinor: number }>;
}

/** Stripe could not be asked for the day's balance; nothing was stored. */
export class BalanceUnavailableError extends Error {
  override readonly name = "BalanceUnavailableError";
}

function dayBounds(day: string, timeZone: string): { start: Date; end: Date } {
  const start = DateTime.fromISO(day, { zone: timeZone }).startOf("day");
  if (!start.isValid) throw new RangeError(`not a day in ${timeZone}: ${day}`);
  return { start: start.toJSDate(), end: start.plus({ days: 1 }).toJSDate() };
}

/** Allocation reasons as the provider's reporting categories. */
const CATEGORY_OF_REASON = { refund: "refund", dispute: "dispute", dispute_won: "dispute_reversal" } as const;

async function settleLines(db: Kysely<Database>, start: Date, end: Date): Promise<LedgerLine[]> {
  const charges = await db
    .selectFrom("payments")
    .select(["stripe_payment_intent_id as pi", "currency", "amount_minor"])
    .where("source", "=", "portal")
    .where("succeeded_at", ">=", start)
    .where("succeeded_at", "<", end)
    .where("stripe_payment_intent_id", "is not", null)
    .execute();
  const takenBack = await db
    .selectFrom("payment_allocations as a")
    .innerJoin("payments as p", "p.id", "a.payment_id")
    .select(["p.stripe_payment_intent_id as pi", "a.currency", "a.reason"])
    .select((eb) => eb.fn.sum<string>("a.amount_minor").as("amount"))
    .where("a.reason", "in", ["refund", "dispute", "dispute_won"])
    .where("a.created_at", ">=", start)
    .where("a.created_at", "<", end)
    .where("p.stripe_payment_intent_id", "is not", null)
    .groupBy(["p.stripe_payment_intent_id", "a.currency", "a.reason"])
    .execute();
  return [
    ...charges.map((c) => ({
      paymentIntentId: c.pi!,
      category: "charge" as const,
      currency: c.currency,
      amountMinor: c.amount_minor,
    })),
    ...takenBack.map((t) => ({
      paymentIntentId: t.pi!,
      category: CATEGORY_OF_REASON[t.reason as keyof typeof CATEGORY_OF_REASON],
      currency: t.currency,
      amountMinor: Number(t.amount),
    })),
  ];
}

const isCategory = (c: string): c is LedgerCategory => (LEDGER_CATEGORIES as readonly string[]).includes(c);

/** The day's balance transactions with their sources, every page; payouts and other kinds are left out. */
async function stripeLines(stripe: Stripe, start: Date, end: Date): Promise<StripeLine[]> {
  const lines: StripeLine[] = [];
  const range = { gte: Math.floor(start.getTime() / 1000), lt: Math.floor(end.getTime() / 1000) };
  for await (const txn of stripe.balanceTransactions.list({
    created: range,
    limit: 100,
    expand: ["data.source"],
  })) {
    const source = txn.source as { payment_intent?: string | { id: string } | null } | string | null;
    const pi = typeof source === "object" && source ? source.payment_intent : null;
    if (!isCategory(txn.reporting_category) || !pi) continue;
    lines.push({
      paymentIntentId: typeof pi === "string" ? pi : pi.id,
      category: txn.reporting_category,
      currency: txn.currency.toUpperCase(),
      amountMinor: txn.amount,
      feeMinor: txn.fee,
    });
  }
  return lines;
}

async function offlineTotals(db: Kysely<Database>, start: Date, end: Date) {
  const rows = await db
    .selectFrom("payments")
    .select(["currency"])
    .select((eb) => [eb.fn.countAll<string>().as("count"), eb.fn.sum<string>("amount_minor").as("amount")])
    .where("source", "in", ["offline_branch", "offline_transfer"])
    .where("succeeded_at", ">=", start)
    .where("succeeded_at", "<", end)
    .groupBy("currency")
    .orderBy("currency")
    .execute();
  return rows.map((r) => ({ currency: r.currency, count: Number(r.count), amountMinor: Number(r.amount) }));
}

/** Reconciles one day and stores the result (replacing an earlier run of the same day), audited. */
export async function runReconciliation(
  db: Kysely<Database>,
  input: { day: string; timeZone: string; staffId?: string; stripe?: Stripe; now?: Date },
): Promise<ReconciliationReport> {
  const { start, end } = dayBounds(input.day, input.timeZone);
  const [ours, theirs, offline] = await Promise.all([
    settleLines(db, start, end),
    stripeLines(input.stripe ?? stripeClient(), start, end).catch((error: unknown) => {
      throw new BalanceUnavailableError(error instanceof Error ? error.message : String(error));
    }),
    offlineTotals(db, start, end),
  ]);
  const report: ReconciliationReport = {
    day: input.day,
    timeZone: input.timeZone,
    ...reconcile(ours, theirs),
    offline,
  };
  await storeRun(db, report, input.staffId ?? null, input.now ?? new Date());
  return report;
}

async function storeRun(
  db: Kysely<Database>,
  report: ReconciliationReport,
  staffId: string | null,
  now: Date,
) {
  const mismatches = report.mismatches.length;
  await db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto("reconciliation_runs")
      .values({
        day: report.day,
        time_zone: report.timeZone,
        status: mismatches ? "mismatched" : "matched",
        mismatches,
        report: JSON.stringify(report),
        generated_at: now,
        generated_by_staff_id: staffId,
      })
      .onConflict((oc) =>
        oc.columns(["day", "time_zone"]).doUpdateSet((eb) => ({
          status: eb.ref("excluded.status"),
          mismatches: eb.ref("excluded.mismatches"),
          report: eb.ref("excluded.report"),
          generated_at: eb.ref("excluded.generated_at"),
          generated_by_staff_id: eb.ref("excluded.generated_by_staff_id"),
        })),
      )
      .returning("id")
      .executeTakeFirstOrThrow();
    await appendAudit(
      trx,
      {
        actorType: staffId ? "staff" : "system",
        actorId: staffId,
        action: "reconciliation.run",
        subjectType: "reconciliation_run",
        subjectId: row.id,
        detail: { day: report.day, timeZone: report.timeZone, mismatches },
      },
      now,
    );
  });
}

/** The stored runs, newest day first. */
export function listReconciliationRuns(db: Kysely<Database>, timeZone: string, limit = 31) {
  return db
    .selectFrom("reconciliation_runs")
    .select(["day", "status", "mismatches", "generated_at"])
    .where("time_zone", "=", timeZone)
    .orderBy("day", "desc")
    .limit(limit)
    .execute();
}

export async function storedReconciliation(
  db: Kysely<Database>,
  day: string,
  timeZone: string,
): Promise<(ReconciliationReport & { generatedAt: Date }) | null> {
  const row = await db
    .selectFrom("reconciliation_runs")
    .select(["report", "generated_at"])
    .where("day", "=", day)
    .where("time_zone", "=", timeZone)
    .executeTakeFirst();
  return row ? { ...(row.report as unknown as ReconciliationReport), generatedAt: row.generated_at } : null;
}

/** Yesterday in the reporting time zone: the day the nightly job reconciles. */
export function previousDay(now: Date, timeZone: string): string {
  return DateTime.fromJSDate(now, { zone: timeZone }).minus({ days: 1 }).toISODate()!;
}
