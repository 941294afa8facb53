import { sql, type Kysely } from "kysely";
import type { CaseEventKind, CaseReplyVia, CaseType, Database } from "../../db/schema";
import {
  allowedCaseActions,
  caseClocks,
  OPEN_CASE_STATES,
  type CaseAction,
  type CaseClock,
  type CaseSla,
  type CaseState,
} from "../domain/case-lifecycle";
import { activeContactPolicy } from "../engine/planner.server";
import { appendAudit } from "../platform/audit.server";

/**
 * What staff read about cases: one case with its history, owner and SLA clocks (the case page), and the
 * open cases that have missed a clock (the supervisor's dashboard). Clocks come from the active contact
 * policy's case SLAs and the `now` given (docs/product-rules.md §8.13).
 */
type Db = Kysely<Database>;

/** Both case tables as one shape: the columns a case page and the breach list need. */
function cases(db: Db) {
  const columns = [
    "id",
    "borrower_id",
    "account_id",
    sql<CaseState>`status`.as("status"),
    "created_at",
    "acknowledged_at",
    "response",
    "responded_at",
  ] as const;
  return db
    .selectFrom((eb) =>
      eb
        .selectFrom("complaints")
        .select([
          ...columns,
          sql<CaseType>`'complaint'`.as("type"),
          sql<string | null>`ack_number`.as("ack_number"),
          sql<string>`category`.as("topic"),
          "body as text",
          sql<Date | null>`null::timestamptz`.as("pause_until"),
        ])
        .unionAll(
          eb
            .selectFrom("hardship_reports")
            .select([
              ...columns,
              sql<CaseType>`'hardship'`.as("type"),
              sql<string | null>`null::text`.as("ack_number"),
              sql<string>`reason`.as("topic"),
              "details as text",
              "pause_until",
            ]),
        )
        .as("c"),
    )
    .innerJoin("borrowers as b", "b.id", "c.borrower_id")
    .leftJoin("accounts as a", "a.id", "c.account_id")
    .leftJoin("tasks as t", (j) =>
      j.onRef("t.source_id", "=", "c.id").on("t.source_type", "in", ["complaint", "hardship_report"])
        .on(sql<boolean>`t.id = (select t2.id from tasks t2 where t2.source_id = c.id
          and t2.source_type in ('complaint', 'hardship_report') order by t2.created_at desc limit 1)`),
    )
    .leftJoin("staff_users as o", "o.id", "t.assigned_to_staff_id")
    .select([
      "c.id",
      "c.type",
      "c.status",
      "c.borrower_id",
      "b.full_name",
      "b.locale",
      "b.time_zone",
      "a.last4",
      "c.created_at",
      "c.acknowledged_at",
      "c.response",
      "c.responded_at",
      "c.ack_number",
      "c.topic",
      "c.text",
      "c.pause_until",
      "t.id as task_id",
      "t.assigned_to_staff_id as owner_id",
      "o.display_name as owner_name",
    ]);
}
type CaseListRow = Awaited<ReturnType<ReturnType<typeof cases>["execute"]>>[number];

export interface CaseSummary {
  id: string;
  type: CaseType;
  status: CaseState;
  borrowerId: string;
  borrowerName: string;
  borrowerLocale: string;
  accountLast4: string | null;
  ackNumber: string | null;
  /** The complaint's category or the hardship reason. */
  topic: string;
  createdAt: Date;
  taskId: string | null;
  ownerId: string | null;
  ownerName: string | null;
  clocks: CaseClock[];
}

function summary(r: CaseListRow, sla: CaseSla, now: Date): CaseSummary {
  return {
    id: r.id,
    type: r.type,
    status: r.status,
    borrowerId: r.borrower_id,
    borrowerName: r.full_name,
    borrowerLocale: r.locale,
    accountLast4: r.last4,
    ackNumber: r.ack_number,
    topic: r.topic,
    createdAt: r.created_at,
    taskId: r.task_id,
    ownerId: r.owner_id,
    ownerName: r.owner_name,
    clocks: caseClocks(
      {
        type: r.type,
        createdAt: r.created_at,
        acknowledgedAt: r.acknowledged_at,
        respondedAt: r.responded_at,
        timeZone: r.time_zone,
      },
      sla,
      now,
    ),
  };
}

interface CaseEventView {
  id: string;
  kind: CaseEventKind;
  /** Null for a borrower's reply, which the system recorded. */
  staffName: string | null;
  replyVia: CaseReplyVia | null;
  fromStatus: string | null;
  toStatus: string | null;
  body: string | null;
  pauseUntil: Date | null;
  at: Date;
}

export interface CaseDetail extends CaseSummary {
  text: string;
  response: string | null;
  respondedAt: Date | null;
  pauseUntil: Date | null;
  actions: CaseAction[];
  events: CaseEventView[];
}

/** One case for its page, or null when there is no such case. */
export async function loadCase(db: Db, caseId: string, now = new Date()): Promise<CaseDetail | null> {
  const [row, policy] = await Promise.all([
    cases(db).where("c.id", "=", caseId).executeTakeFirst(),
    activeContactPolicy(db),
  ]);
  if (!row) return null;
  const events = await db
    .selectFrom("case_events as e")
    .leftJoin("staff_users as s", "s.id", "e.staff_user_id")
    .select([
      "e.id",
      "e.kind",
      "s.display_name",
      "e.from_status",
      "e.to_status",
      "e.body",
      "e.pause_until",
      "e.created_at",
      "e.reply_via",
    ])
    .where("e.case_id", "=", caseId)
    .orderBy("e.created_at")
    .orderBy("e.id")
    .execute();
  const base = summary(row, policy.cases, now);
  return {
    ...base,
    text: row.text,
    response: row.response,
    respondedAt: row.responded_at,
    pauseUntil: row.pause_until,
    actions: allowedCaseActions(base.type, base.status),
    events: events.map((e) => ({
      id: e.id,
      kind: e.kind,
      staffName: e.display_name,
      replyVia: e.reply_via,
      fromStatus: e.from_status,
      toStatus: e.to_status,
      body: e.body,
      pauseUntil: e.pause_until,
      at: e.created_at,
    })),
  };
}

const BREACH_LIMIT = 200;

/**
 * Open cases that have missed a clock (running past its deadline, or met late), oldest first. Only cases
 * older than the shortest SLA can have missed one; the clocks themselves are the domain's.
 */
export async function loadSlaBreaches(db: Db, now = new Date()): Promise<CaseSummary[]> {
  const { cases: sla } = await activeContactPolicy(db);
  const shortest = Math.min(sla.complaintAckWorkingDays, sla.hardshipReviewDays, sla.complaintResponseDays);
  const rows = await cases(db)
    .where("c.status", "in", [...OPEN_CASE_STATES])
    .where("c.created_at", "<", new Date(now.getTime() - shortest * 86_400_000))
    .orderBy("c.created_at")
    .orderBy("c.id")
    .limit(BREACH_LIMIT)
    .execute();
  return rows.map((r) => summary(r, sla, now)).filter((c) => c.clocks.some((k) => k.breached));
}

/** Opening a case shows the borrower's own words: every view is audited, as the borrower page's are. */
export async function auditCaseView(db: Db, staff: { id: string }, c: CaseSummary, now = new Date()) {
  await db.transaction().execute((trx) =>
    appendAudit(
      trx,
      {
        actorType: "staff",
        actorId: staff.id,
        action: "staff.viewed_case",
        subjectType: c.type === "hardship" ? "hardship_report" : "complaint",
        subjectId: c.id,
        borrowerId: c.borrowerId,
        detail: { caseType: c.type },
      },
      now,
    ),
  );
}
