import type { Kysely } from "kysely";
import type { Database } from "../../db/schema";
import { appendAudit } from "../platform/audit.server";
import { accountRecordSchema, toUpsertRow, type AccountRecord } from "./account-record.server";
import { upsertAccountRows, type IndexedRow, type UpsertSummary } from "./account-sync.server";
import { applyRecordStatuses, recordStatusOf, type RecordStatus } from "./status-requests.server";

export const MAX_BULK_RECORDS = 10_000;

interface FieldProblem {
  path: string;
  message: string;
}

interface RecordError {
  /** Position in the request (0-based; for NDJSON, the n-th non-blank line). */
  index: number;
  account_ref?: string;
  issues: FieldProblem[];
}

export type RecordValidation = { ok: true; record: AccountRecord } | { ok: false; issues: FieldProblem[] };

/** The one validation both the API and the file import run on every record. */
export function validateAccountRecord(input: unknown): RecordValidation {
  const parsed = accountRecordSchema.safeParse(input);
  if (parsed.success) return { ok: true, record: parsed.data };
  return {
    ok: false,
    issues: parsed.error.issues.map((i) => ({ path: i.path.join(".") || "(record)", message: i.message })),
  };
}

export interface BulkUpsertResult {
  received: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  errors: RecordError[];
}

/**
 * Validates every record, writes the valid ones (idempotent by external ref)
 * and reports the invalid ones by index and field path. Invalid records are
 * never written, not even their borrower.
 */
export async function bulkUpsertAccounts(
  db: Kysely<Database>,
  records: readonly unknown[],
  opts: { hashKey: string; receivedAt: Date; actor: { type: "api" | "system"; id: string | null } },
): Promise<BulkUpsertResult> {
  const errors: RecordError[] = [];
  const valid: IndexedRow[] = [];
  const statuses: RecordStatus[] = [];
  records.forEach((input, index) => {
    const checked = validateAccountRecord(input);
    if (checked.ok) {
      valid.push({
        index,
        row: toUpsertRow(checked.record, { hashKey: opts.hashKey, receivedAt: opts.receivedAt }),
      });
      const status = recordStatusOf(index, checked.record);
      if (status) statuses.push(status);
    } else errors.push({ index, account_ref: refOf(input), issues: checked.issues });
  });

  let summary: UpsertSummary | null = null;
  if (valid.length > 0) {
    summary = await upsertAccountRows(db, valid);
    for (const r of summary.rejected)
      errors.push({
        index: r.index,
        account_ref: refOf(records[r.index]),
        issues: [{ path: r.path, message: r.message }],
      });
    const refused = new Set(summary.rejected.map((r) => r.index));
    const actor = { source: "api", actorType: opts.actor.type, actorId: opts.actor.id } as const;
    const kept = statuses.filter((st) => !refused.has(st.index));
    for (const p of await applyRecordStatuses(db, kept, actor, opts.receivedAt))
      errors.push({
        index: p.index,
        account_ref: refOf(records[p.index]),
        issues: [{ path: p.path, message: p.message }],
      });
    errors.sort((a, b) => a.index - b.index);
    await appendAudit(db, {
      actorType: opts.actor.type,
      actorId: opts.actor.id,
      action: "bank.accounts_upserted",
      subjectType: "account_batch",
      detail: {
        received: records.length,
        created: summary.created,
        updated: summary.updated,
        unchanged: summary.unchanged,
        rejected: errors.length,
        paymentsConfirmed: summary.paymentsConfirmed,
      },
    });
  }
  return {
    received: records.length,
    created: summary?.created ?? 0,
    updated: summary?.updated ?? 0,
    unchanged: summary?.unchanged ?? 0,
    rejected: errors.length,
    errors,
  };
}

function refOf(input: unknown): string | undefined {
  const ref = input && typeof input === "object" ? (input as Record<string, unknown>).account_ref : undefined;
  return typeof ref === "string" && ref.length <= 64 ? ref : undefined;
}
