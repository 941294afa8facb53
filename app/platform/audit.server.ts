import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { sql, type Kysely, type Transaction } from "kysely";
import type { ActorType, Database } from "../../db/schema";
import { config } from "./config.server";

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
 * link (audit:verify finds it). Each row is anchored in audit_anchors by an HMAC
 * of its hash under AUDIT_ANCHOR_KEY (migration 0015): without the key, a chain
 * rewritten and re-hashed by whoever controls the database no longer matches its
 * anchors. A transaction-scoped advisory lock keeps the chain linear when many
 * requests audit at once; call inside the caller's transaction so the audit row
 * commits or rolls back with the change it records.
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
    const hash = auditHash(row);
    // The row and its anchor in one statement.
    await trx
      .with("appended", (q) =>
        q
          .insertInto("audit_events")
          .values({ ...row, detail: JSON.stringify(row.detail), hash })
          .returning("id"),
      )
      .insertInto("audit_anchors")
      .columns(["audit_id", "mac"])
      .expression((eb) =>
        eb.selectFrom("appended").select(["appended.id", sql<string>`${anchorMac(hash)}`.as("mac")]),
      )
      .execute();
  };
  if (db.isTransaction) await write(db as Transaction<Database>);
  else await db.transaction().execute(write);
}

function anchorMac(hash: string, key = config().auditAnchorKey): string {
  return createHmac("sha256", key).update(`settle:audit-anchor:v1:${hash}`).digest("hex");
}

function anchorMatches(hash: string, mac: string, key: string): boolean {
  const expected = Buffer.from(anchorMac(hash, key), "hex");
  const given = Buffer.from(mac, "hex");
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/**
 * A log written before anchors existed (migration 0015) is anchored once, at start-up: an audit row
 * saying so is appended, and its anchor covers every row before it through the chain. A no-op once any
 * anchor exists, so rows written around the application later still show up unanchored.
 */
export async function anchorUnanchoredAuditLog(db: Kysely<Database>): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${AUDIT_LOCK_KEY})`.execute(trx);
    const anchored = await trx.selectFrom("audit_anchors").select("audit_id").limit(1).executeTakeFirst();
    if (anchored) return false;
    const { rows } = await trx
      .selectFrom("audit_events")
      .select((eb) => eb.fn.countAll<number>().as("rows"))
      .executeTakeFirstOrThrow();
    if (Number(rows) === 0) return false;
    await appendAudit(trx, {
      actorType: "system",
      action: "audit.anchoring_started",
      subjectType: "audit_log",
      detail: { rowsBefore: Number(rows) },
    });
    return true;
  });
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
export function auditHash(row: AuditRowContent): string {
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
  | { ok: true; rows: number; head: { id: number; mac: string } | null; firstAnchoredId: number | null }
  | { ok: false; rows: number; brokenAtId: number; problem: string };

type ChainRow = AuditRowContent & { id: number; hash: string; anchor_mac: string | null };

/**
 * Walks the chain in id order (in pages, so a long log does not fill memory): each row links to the one
 * before and matches its hash; from the first anchored row on, every row carries an anchor that matches
 * its hash under the anchor key, and the newest row is anchored. Rows before the first anchor predate
 * anchoring (migration 0015) and are covered by the chain up to it.
 */
export async function verifyAuditChain(
  db: Kysely<Database>,
  opts: { anchorKey?: string; pageSize?: number } = {},
): Promise<AuditVerification> {
  const key = opts.anchorKey ?? config().auditAnchorKey;
  const pageSize = opts.pageSize ?? 5_000;
  let prev: string | null = null;
  let rows = 0;
  let last: ChainRow | undefined;
  let firstAnchoredId: number | null = null;
  for (;;) {
    const page: ChainRow[] = await db
      .selectFrom("audit_events as e")
      .leftJoin("audit_anchors as a", "a.audit_id", "e.id")
      .selectAll("e")
      .select("a.mac as anchor_mac")
      .where("e.id", ">", last?.id ?? 0)
      .orderBy("e.id")
      .limit(pageSize)
      .execute();
    for (const row of page) {
      rows += 1;
      const problem = chainProblem(row, prev, key, firstAnchoredId !== null);
      if (problem) return { ok: false, rows, brokenAtId: row.id, problem };
      if (row.anchor_mac !== null) firstAnchoredId ??= row.id;
      prev = row.hash;
      last = row;
    }
    if (page.length < pageSize) break;
  }
  if (last && last.anchor_mac === null)
    return {
      ok: false,
      rows,
      brokenAtId: last.id,
      problem: "the newest row is not anchored (anchors removed?)",
    };
  return { ok: true, rows, head: last ? { id: last.id, mac: last.anchor_mac! } : null, firstAnchoredId };
}

function chainProblem(row: ChainRow, prev: string | null, key: string, anchoring: boolean): string | null {
  if (row.prev_hash !== prev) return "previous-hash link broken (row removed or reordered)";
  if (auditHash(row) !== row.hash) return "content does not match its hash (row edited)";
  if (row.anchor_mac === null)
    return anchoring ? "row has no anchor (written around the application, or its anchor removed)" : null;
  if (!anchorMatches(row.hash, row.anchor_mac, key))
    return "anchor does not match the row's hash (chain rewritten, or AUDIT_ANCHOR_KEY changed)";
  return null;
}
