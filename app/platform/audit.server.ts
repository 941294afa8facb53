import { createHash } from "node:crypto";
import { sql, type Kysely, type Transaction } from "kysely";
import type { ActorType, Database } from "../../db/schema";

export interface AuditEntry {
  actorType: ActorType;
  actorId?: string | null;
  action: string;
  subjectType: string;
  subjectId?: string | null;
  borrowerId?: string | null;
  detail?: Record<string, unknown>;
}

type Db = Kysely<Database> | Transaction<Database>;

/**
 * Appends to the hash-chained audit log. Each row's hash covers its content and
 * the previous row's hash, so editing or deleting any row breaks every later
 * link (audit:verify finds it). A transaction-scoped advisory lock keeps the
 * chain linear when many requests audit at once; call inside the caller's
 * transaction so the audit row commits or rolls back with the change it records.
 */
export async function appendAudit(db: Db, entry: AuditEntry, now = new Date()): Promise<void> {
  const write = async (trx: Transaction<Database>) => {
    await sql`select pg_advisory_xact_lock(${AUDIT_LOCK_KEY})`.execute(trx);
    const last = await trx
      .selectFrom("audit_events")
      .select("hash")
      .orderBy("id", "desc")
      .limit(1)
      .executeTakeFirst();
    const row = {
      occurred_at: now,
      actor_type: entry.actorType,
      actor_id: entry.actorId ?? null,
      action: entry.action,
      subject_type: entry.subjectType,
      subject_id: entry.subjectId ?? null,
      borrower_id: entry.borrowerId ?? null,
      detail: entry.detail ?? {},
      prev_hash: last?.hash ?? null,
    };
    await trx
      .insertInto("audit_events")
      .values({ ...row, detail: JSON.stringify(row.detail), hash: auditHash(row) })
      .execute();
  };
  if (db.isTransaction) await write(db as Transaction<Database>);
  else await db.transaction().execute(write);
}

const AUDIT_LOCK_KEY = 7_221_001; // arbitrary constant shared by every writer of the chain

interface AuditRowContent {
  occurred_at: Date;
  actor_type: string;
  actor_id: string | null;
  action: string;
  subject_type: string;
  subject_id: string | null;
  borrower_id: string | null;
  detail: unknown;
  prev_hash: string | null;
}

/** Exactly the content columns: a row read back also carries id and hash, which must not feed its own hash. */
function auditHash(row: AuditRowContent): string {
  const content = canonicalJson({
    occurred_at: row.occurred_at.toISOString(),
    actor_type: row.actor_type,
    actor_id: row.actor_id,
    action: row.action,
    subject_type: row.subject_type,
    subject_id: row.subject_id,
    borrower_id: row.borrower_id,
    detail: row.detail,
    prev_hash: row.prev_hash,
  });
  return createHash("sha256").update(content).digest("hex");
}

/** JSON with object keys sorted at every depth: jsonb does not keep key order, the hash must not depend on it. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

export type AuditVerification =
  { ok: true; rows: number } | { ok: false; rows: number; brokenAtId: number; problem: string };

/** Walks the chain in id order (in pages, so a long log does not fill memory). */
export async function verifyAuditChain(db: Kysely<Database>, pageSize = 5_000): Promise<AuditVerification> {
  let prev: string | null = null;
  let rows = 0;
  let afterId = 0;
  for (;;) {
    const page = await db
      .selectFrom("audit_events")
      .selectAll()
      .where("id", ">", afterId)
      .orderBy("id")
      .limit(pageSize)
      .execute();
    for (const row of page) {
      rows += 1;
      if (row.prev_hash !== prev)
        return {
          ok: false,
          rows,
          brokenAtId: row.id,
          problem: "previous-hash link broken (row removed or reordered)",
        };
      if (auditHash(row) !== row.hash)
        return {
          ok: false,
          rows,
          brokenAtId: row.id,
          problem: "content does not match its hash (row edited)",
        };
      prev = row.hash;
      afterId = row.id;
    }
    if (page.length < pageSize) return { ok: true, rows };
  }
}
