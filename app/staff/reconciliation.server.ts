import type { Kysely } from "kysely";
import { stringify } from "csv-stringify/sync";
import type { Database } from "../../db/schema";
import type { Mismatch } from "../domain/reconciliation";
import {
  listReconciliationRuns,
  runReconciliation,
  storedReconciliation,
  type ReconciliationReport,
} from "../payments/reconciliation.server";
import { stripeConfig } from "../payments/stripe-config.server";
import { appendAudit } from "../platform/audit.server";
import type { StaffIdentity } from "./session.server";

/**
 * The reconciliation page and its CSV (docs/product-rules.md §6.8): the stored daily runs, one day's
 * report, and a run on demand. Mismatches name the payment intent and link to the borrower, so viewing
 * a report is audited like any view of borrowers' payments.
 */
export interface ReconciliationView {
  timeZone: string;
  runs: Array<{ day: string; status: string; mismatches: number }>;
  report: (ReconciliationReport & { generatedAt: Date }) | null;
  /** The borrower behind each mismatched payment intent Settle knows. */
  borrowers: Record<string, string>;
}

export async function loadReconciliation(
  db: Kysely<Database>,
  staff: Pick<StaffIdentity, "id">,
  day: string | null,
): Promise<ReconciliationView> {
  const timeZone = stripeConfig().reconciliationTimeZone;
  const runs = await listReconciliationRuns(db, timeZone);
  const shown = day ?? runs[0]?.day ?? null;
  const report = shown ? await storedReconciliation(db, shown, timeZone) : null;
  if (report) await auditView(db, staff, report, "page");
  return {
    timeZone,
    runs: runs.map((r) => ({ day: r.day, status: r.status, mismatches: r.mismatches })),
    report,
    borrowers: report ? await borrowersOf(db, report.mismatches) : {},
  };
}

function auditView(
  db: Kysely<Database>,
  staff: Pick<StaffIdentity, "id">,
  report: ReconciliationReport,
  format: "page" | "csv",
) {
  return appendAudit(db, {
    actorType: "staff",
    actorId: staff.id,
    action: "staff.viewed_reconciliation",
    subjectType: "reconciliation_run",
    detail: { day: report.day, timeZone: report.timeZone, format },
  });
}

async function borrowersOf(db: Kysely<Database>, mismatches: Mismatch[]): Promise<Record<string, string>> {
  const intents = [...new Set(mismatches.map((m) => m.paymentIntentId))];
  if (!intents.length) return {};
  const rows = await db
    .selectFrom("payments")
    .select(["stripe_payment_intent_id as pi", "borrower_id"])
    .where("stripe_payment_intent_id", "in", intents)
    .execute();
  return Object.fromEntries(rows.map((r) => [r.pi!, r.borrower_id]));
}

export function runReconciliationFromConsole(
  db: Kysely<Database>,
  input: { staff: Pick<StaffIdentity, "id">; day: string },
): Promise<ReconciliationReport> {
  return runReconciliation(db, {
    day: input.day,
    timeZone: stripeConfig().reconciliationTimeZone,
    staffId: input.staff.id,
  });
}

const CSV_COLUMNS = [
  "day",
  "time_zone",
  "row",
  "currency",
  "category",
  "payment_intent",
  "settle_minor",
  "stripe_minor",
  "fee_minor",
];

/** A stored day (null: the latest) as CSV, audited; null when there is no such run. */
export async function reconciliationCsvForDay(
  db: Kysely<Database>,
  staff: Pick<StaffIdentity, "id">,
  day: string | null,
): Promise<{ day: string; body: string } | null> {
  const timeZone = stripeConfig().reconciliationTimeZone;
  const shown = day ?? (await listReconciliationRuns(db, timeZone, 1))[0]?.day;
  const report = shown ? await storedReconciliation(db, shown, timeZone) : null;
  if (!report) return null;
  await auditView(db, staff, report, "csv");
  return { day: report.day, body: reconciliationCsv(report) };
}

/** One row per currency and category (totals), then one per mismatch; amounts in minor units. */
function reconciliationCsv(report: ReconciliationReport): string {
  const rows: unknown[][] = [];
  const at = [report.day, report.timeZone];
  for (const t of report.totals) {
    for (const category of ["charge", "refund", "dispute", "dispute_reversal"] as const)
      rows.push([...at, "total", t.currency, category, "", t.settle[category], t.stripe[category], ""]);
    rows.push([...at, "fees", t.currency, "", "", "", "", t.stripe.fees]);
  }
  for (const o of report.offline)
    rows.push([...at, "offline", o.currency, "offline", "", o.amountMinor, "", ""]);
  for (const m of report.mismatches)
    rows.push([
      ...at,
      "mismatch",
      m.currency,
      m.category,
      m.paymentIntentId,
      m.settleMinor,
      m.stripeMinor,
      "",
    ]);
  return stringify(rows, { header: true, columns: CSV_COLUMNS });
}
