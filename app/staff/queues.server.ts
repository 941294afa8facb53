import { sql, type Kysely } from "kysely";
import type {
  ComplaintCategory,
  ComplaintStatus,
  Database,
  HardshipReason,
  HardshipStatus,
  TaskKind,
} from "../../db/schema";
import { OPEN_CASE_STATES } from "../domain/case-lifecycle";
import { formatMoney } from "../domain/money";
import { ageInDays, formatStaffDateTime } from "./format";

/** Rows shown per queue (the oldest first); the heading shows the full count. */
const QUEUE_LIMIT = 50;

interface QueueItemBase {
  id: string;
  borrowerId: string;
  borrowerName: string;
  accountLast4: string | null;
  created: string;
  ageDays: number;
  /** Who owns the item (its task's assignee), or null while nobody has claimed it. */
  ownerName: string | null;
}

export interface Queues {
  hardship: {
    total: number;
    items: Array<QueueItemBase & { reason: HardshipReason; details: string; status: HardshipStatus }>;
  };
  calls: { total: number; items: Array<QueueItemBase & { kind: TaskKind; due: string }> };
  appointments: {
    total: number;
    items: Array<QueueItemBase & { kind: TaskKind; slot: string | null; borrowerNote: string | null }>;
  };
  complaints: {
    total: number;
    items: Array<QueueItemBase & { ackNumber: string; category: ComplaintCategory; status: ComplaintStatus }>;
  };
  wrongNumbers: { total: number; items: Array<QueueItemBase & { kind: TaskKind }> };
  plans: {
    total: number;
    items: Array<QueueItemBase & { total: string; instalmentCount: number; frequency: string }>;
  };
}

type Db = Kysely<Database>;

/** The owner of a case: the assignee of its open task (one owner concept, app/staff/worklist.server.ts). */
function caseOwner(db: Db, caseId: "h.id" | "c.id") {
  return db
    .selectFrom("tasks as t")
    .innerJoin("staff_users as s", "s.id", "t.assigned_to_staff_id")
    .select("s.display_name")
    .where("t.source_id", "=", sql.ref<string>(caseId))
    .where("t.status", "=", "open")
    .limit(1)
    .as("owner_name");
}

function openHardship(db: Db) {
  return (
    db
      .selectFrom("hardship_reports as h")
      .innerJoin("borrowers as b", "b.id", "h.borrower_id")
      .leftJoin("accounts as a", "a.id", "h.account_id")
      .select(["h.id", "h.borrower_id", "b.full_name", "a.last4", "h.created_at", "h.reason", "h.details"])
      .select(["h.status", caseOwner(db, "h.id")])
      .select(sql<number>`count(*) over ()`.as("total"))
      // Cases leave the queue when they are resolved or rejected (app/staff/cases.server.ts).
      .where("h.status", "in", [...OPEN_CASE_STATES])
      .orderBy("h.created_at")
      .orderBy("h.id")
      .limit(QUEUE_LIMIT)
      .execute()
  );
}

function openTasks(db: Db, kinds: TaskKind[]) {
  return db
    .selectFrom("tasks as t")
    .innerJoin("borrowers as b", "b.id", "t.borrower_id")
    .leftJoin("accounts as a", "a.id", "t.account_id")
    .leftJoin("staff_users as s", "s.id", "t.assigned_to_staff_id")
    .select([
      "s.display_name as owner_name",
      "t.id",
      "t.borrower_id",
      "b.full_name",
      "a.last4",
      "t.created_at",
      "t.kind",
      "t.due_at",
      "t.slot_start",
      "t.borrower_note",
    ])
    .select(sql<number>`count(*) over ()`.as("total"))
    .where("t.status", "=", "open")
    .where("t.kind", "in", kinds)
    .orderBy("t.created_at")
    .orderBy("t.id")
    .limit(QUEUE_LIMIT)
    .execute();
}

function openComplaints(db: Db) {
  return db
    .selectFrom("complaints as c")
    .innerJoin("borrowers as b", "b.id", "c.borrower_id")
    .leftJoin("accounts as a", "a.id", "c.account_id")
    .select([
      "c.id",
      "c.borrower_id",
      "b.full_name",
      "a.last4",
      "c.created_at",
      "c.ack_number",
      "c.category",
      "c.status",
      caseOwner(db, "c.id"),
    ])
    .select(sql<number>`count(*) over ()`.as("total"))
    .where("c.status", "in", [...OPEN_CASE_STATES])
    .orderBy("c.created_at")
    .orderBy("c.id")
    .limit(QUEUE_LIMIT)
    .execute();
}

function plansAwaitingApproval(db: Db) {
  return (
    db
      .selectFrom("instalment_plans as p")
      .innerJoin("borrowers as b", "b.id", "p.borrower_id")
      .innerJoin("accounts as a", "a.id", "p.account_id")
      .select([
        "p.id",
        "p.borrower_id",
        "b.full_name",
        "a.last4",
        "p.created_at",
        "p.total_minor",
        "p.currency",
        "p.instalment_count",
        "p.frequency",
      ])
      .select(sql<number>`count(*) over ()`.as("total"))
      // Borrower proposals outside the auto-approval policy wait for an approver; staff counter-offers wait for the borrower.
      .where("p.status", "=", "proposed")
      .where("p.proposed_by", "=", "borrower")
      .orderBy("p.created_at")
      .orderBy("p.id")
      .limit(QUEUE_LIMIT)
      .execute()
  );
}

type TaskRows = Awaited<ReturnType<typeof openTasks>>;
interface Rows {
  hardship: Awaited<ReturnType<typeof openHardship>>;
  calls: TaskRows;
  appointments: TaskRows;
  complaints: Awaited<ReturnType<typeof openComplaints>>;
  wrongNumbers: TaskRows;
  plans: Awaited<ReturnType<typeof plansAwaitingApproval>>;
}

/** The columns every queue row shares, formatted for the console. */
function rowBase(opts: { locale: string; timeZone: string }, now: Date) {
  return (r: {
    id: string;
    borrower_id: string;
    full_name: string;
    last4: string | null;
    created_at: Date;
    owner_name?: string | null;
  }): QueueItemBase => ({
    id: r.id,
    borrowerId: r.borrower_id,
    borrowerName: r.full_name,
    accountLast4: r.last4,
    created: formatStaffDateTime(r.created_at, opts.locale, opts.timeZone),
    ageDays: ageInDays(r.created_at, now),
    ownerName: r.owner_name ?? null,
  });
}

function toQueues(rows: Rows, opts: { locale: string; timeZone: string }, now: Date): Queues {
  const { hardship, calls, appointments, complaints, wrongNumbers, plans } = rows;
  const when = (d: Date) => formatStaffDateTime(d, opts.locale, opts.timeZone);
  const base = rowBase(opts, now);
  const total = (rows: Array<{ total: number | string }>) => Number(rows[0]?.total ?? 0);
  return {
    hardship: {
      total: total(hardship),
      items: hardship.map((r) => ({ ...base(r), reason: r.reason, details: r.details, status: r.status })),
    },
    calls: {
      total: total(calls),
      items: calls.map((r) => ({ ...base(r), kind: r.kind, due: when(r.due_at) })),
    },
    appointments: {
      total: total(appointments),
      items: appointments.map((r) => ({
        ...base(r),
        kind: r.kind,
        slot: r.slot_start ? when(r.slot_start) : null,
        borrowerNote: r.borrower_note,
      })),
    },
    complaints: {
      total: total(complaints),
      items: complaints.map((r) => ({
        ...base(r),
        ackNumber: r.ack_number,
        category: r.category,
        status: r.status,
      })),
    },
    wrongNumbers: {
      total: total(wrongNumbers),
      items: wrongNumbers.map((r) => ({ ...base(r), kind: r.kind })),
    },
    plans: {
      total: total(plans),
      items: plans.map((r) => ({
        ...base(r),
        total: formatMoney({ minor: r.total_minor, currency: r.currency }, opts.locale),
        instalmentCount: r.instalment_count,
        frequency: r.frequency,
      })),
    },
  };
}

/** The work waiting for staff, each queue oldest first (docs/product-rules.md §8.5). */
export async function loadQueues(
  db: Kysely<Database>,
  opts: { locale: string; timeZone: string; now?: Date },
): Promise<Queues> {
  const [hardship, calls, appointments, complaints, wrongNumbers, plans] = await Promise.all([
    openHardship(db),
    openTasks(db, ["call"]),
    openTasks(db, ["visit", "callback"]),
    openComplaints(db),
    openTasks(db, ["wrong_number_review"]),
    plansAwaitingApproval(db),
  ]);
  return toQueues(
    { hardship, calls, appointments, complaints, wrongNumbers, plans },
    opts,
    opts.now ?? new Date(),
  );
}
