import { sql, type Kysely, type RawBuilder, type Transaction } from "kysely";
import type { Database } from "../../db/schema";
import { appendAudit } from "./audit.server";
import { config } from "./config.server";
import {
  applyClassRetention,
  classPeriods,
  type ClassPeriods,
  type DataClass,
} from "./retention-classes.server";

/**
 * Retention of free text (docs/product-rules.md §10.10): what borrowers and staff wrote in their own words
 * is erased once the account it concerns has been closed for RETENTION_FREE_TEXT_DAYS. Text tied to one
 * account goes with that account; text tied only to the borrower (staff notes, inbound texts, a hardship
 * report or complaint about no particular account) goes when every account of theirs has been closed that
 * long: while any account is open, or closed more recently, the relationship is not over. The rows stay,
 * with every structured fact the ledger and the audit log refer to; only the text becomes ERASED.
 */
export const ERASED = "[erased]";

interface FreeTextColumn {
  table:
    | "hardship_reports"
    | "complaints"
    | "case_events"
    | "tasks"
    | "instalment_plans"
    | "notes"
    | "messages"
    | "visit_attempts";
  column: string;
  /** The row names the account it concerns (null: the borrower's). notes has no account. */
  byAccount: boolean;
  /** Values that are bare codes (`within_auto_approve_policy`, `confirmed_wrong_number`) are facts and stay. */
  codesStay?: boolean;
  /** Which rows of the table hold free text in this column. */
  only?: RawBuilder<unknown>;
}

/** Every column where someone writes in their own words (db/schema.ts). */
const FREE_TEXT: readonly FreeTextColumn[] = [
  { table: "hardship_reports", column: "details", byAccount: true },
  { table: "complaints", column: "body", byAccount: true },
  // Staff's final responses and internal case notes (docs/product-rules.md §8.13).
  { table: "hardship_reports", column: "response", byAccount: true },
  { table: "complaints", column: "response", byAccount: true },
  { table: "case_events", column: "body", byAccount: true },
  { table: "tasks", column: "borrower_note", byAccount: true },
  { table: "tasks", column: "outcome", byAccount: true, codesStay: true },
  { table: "instalment_plans", column: "decision_reason", byAccount: true, codesStay: true },
  { table: "notes", column: "body", byAccount: false },
  // What an agent wrote after a visit (docs/product-rules.md §4.19).
  { table: "visit_attempts", column: "notes", byAccount: true },
  // Replies from the phone; the texts Settle sent are the bank's own words (masked links, §3.1) and stay.
  { table: "messages", column: "body", byAccount: true, only: sql`t.direction = 'inbound'` },
];

const BATCH = 5_000;
// One run at a time, whoever starts it (the daily job on any worker, or the command line).
const RUN_LOCK = sql`select pg_advisory_xact_lock(hashtext('settle:retention'))`;

export interface RetentionRun {
  /** Text of accounts closed at or before this instant is erased. */
  cutoff: Date;
  days: number;
  dryRun: boolean;
  /** Values erased (or, in a dry run, that would be), per `table.column`. */
  erased: Record<string, number>;
  total: number;
  /** Rows removed or pseudonymised per data class (§10.13), with the periods applied. */
  classes: Record<DataClass, number>;
  periods: ClassPeriods;
}

class DryRunRollback extends Error {
  constructor(readonly run: RetentionRun) {
    super("dry run");
  }
}

/**
 * Erases the free text that is due, in one transaction with one audit row (counts per column, no text). A
 * second run finds nothing more and still writes its row. Each column is updated set-based, in batches of
 * BATCH rows. A dry run does the same work in a transaction it rolls back, so its counts are exactly what a
 * run would erase, and writes nothing.
 */
export async function runRetention(
  db: Kysely<Database>,
  opts: { now: Date; days?: number; dryRun?: boolean; batchSize?: number; periods?: Partial<ClassPeriods> },
): Promise<RetentionRun> {
  const days = opts.days ?? config().RETENTION_FREE_TEXT_DAYS;
  const periods = { ...classPeriods(), ...opts.periods };
  const cutoff = new Date(opts.now.getTime() - days * 86_400_000);
  const dryRun = opts.dryRun ?? false;
  try {
    return await db.transaction().execute(async (trx) => {
      await RUN_LOCK.execute(trx);
      const erased: Record<string, number> = {};
      for (const target of FREE_TEXT)
        erased[`${target.table}.${target.column}`] = await eraseColumn(trx, target, cutoff, opts.batchSize);
      const classes = await applyClassRetention(trx, opts.now, periods, opts.batchSize);
      const total = Object.values(erased).reduce((a, b) => a + b, 0);
      const run = { cutoff, days, dryRun, erased, total, classes, periods };
      if (dryRun) throw new DryRunRollback(run);
      await appendAudit(
        trx,
        {
          actorType: "system",
          action: "retention.free_text_erased",
          subjectType: "retention_run",
          detail: { cutoff: cutoff.toISOString(), days, erased, total, classes, periods },
        },
        opts.now,
      );
      return run;
    });
  } catch (error) {
    if (error instanceof DryRunRollback) return error.run;
    throw error;
  }
}

async function eraseColumn(
  trx: Transaction<Database>,
  target: FreeTextColumn,
  cutoff: Date,
  batchSize = BATCH,
): Promise<number> {
  let total = 0;
  for (;;) {
    const result = await eraseBatch(target, cutoff, batchSize).execute(trx);
    const erased = Number(result.numAffectedRows ?? 0);
    total += erased;
    if (erased < batchSize) return total;
  }
}

/**
 * One batch of a column's due text. Candidates are found through the borrowers with an account closed
 * before the cutoff (every free-text table is indexed by borrower), then held to the rule: the row's own
 * account closed before the cutoff, or, for a row about no account, every account of the borrower's.
 */
function eraseBatch(target: FreeTextColumn, cutoff: Date, batchSize: number) {
  const table = sql.table(target.table);
  const column = sql.ref(`t.${target.column}`);
  const set = sql.ref(target.column);
  const codes = target.codesStay ? sql`and ${column} !~ '^[a-z0-9_]+$'` : sql``;
  const only = target.only ? sql`and ${target.only}` : sql``;
  const concerns = target.byAccount
    ? sql`(t.account_id in (select id from accounts where closed_at <= ${cutoff})
        or (t.account_id is null and t.borrower_id in (select borrower_id from ended)))`
    : sql`t.borrower_id in (select borrower_id from ended)`;
  return sql`with closed as (
      select distinct borrower_id from accounts where closed_at <= ${cutoff}
    ), ended as (
      select c.borrower_id from closed c where not exists (select 1 from accounts o
        where o.borrower_id = c.borrower_id and (o.closed_at is null or o.closed_at > ${cutoff}))
    ), due as (
      select t.id from ${table} t
      where t.borrower_id in (select borrower_id from closed)
        and ${column} is not null and ${column} not in ('', ${ERASED}) ${codes} ${only}
        and ${concerns}
      limit ${batchSize}
    )
    update ${table} set ${set} = ${ERASED} from due where ${table}.id = due.id`;
}

/**
 * Erasure of one borrower (docs/product-rules.md §10.12): their free text in every column above, at once,
 * whatever the accounts' state, except the tables in `keep` (the complaint record, which the law requires)
 * and case notes on a complaint. Returns the values erased per `table.column`.
 */
export async function eraseFreeTextOfBorrower(
  trx: Transaction<Database>,
  borrowerId: string,
  keep: ReadonlyArray<FreeTextColumn["table"]>,
): Promise<Record<string, number>> {
  const erased: Record<string, number> = {};
  for (const target of FREE_TEXT) {
    if (keep.includes(target.table)) continue;
    const column = sql.ref(`t.${target.column}`);
    const codes = target.codesStay ? sql`and ${column} !~ '^[a-z0-9_]+$'` : sql``;
    const complaintNotes =
      keep.includes("complaints") && target.table === "case_events"
        ? sql`and t.case_type <> 'complaint'`
        : sql``;
    const result = await sql`update ${sql.table(target.table)} as t set ${sql.ref(target.column)} = ${ERASED}
      where t.borrower_id = ${borrowerId} and ${column} is not null and ${column} not in ('', ${ERASED})
      ${codes} ${complaintNotes}`.execute(trx);
    erased[`${target.table}.${target.column}`] = Number(result.numAffectedRows ?? 0);
  }
  return erased;
}
