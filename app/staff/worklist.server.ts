import { sql, type Kysely, type Transaction } from "kysely";
import type { Database, TaskKind } from "../../db/schema";
import { appendAudit } from "../platform/audit.server";
import { mayDo } from "./permissions";
import type { StaffIdentity } from "./session.server";

/**
 * Worklists (docs/product-rules.md §8.12): a task's one owner is `tasks.assigned_to_staff_id`. An agent
 * claims an unowned task and releases their own; a supervisor or admin assigns any open task to any
 * active staff member, or takes it back. A case's owner is its task's owner (app/staff/cases.server.ts).
 *
 * Claiming is one conditional UPDATE (`... where assigned_to_staff_id is null`): when two agents claim
 * the same task at once, Postgres makes the second wait for the first's row lock and then re-checks the
 * condition, so exactly one wins and the other is told who has it.
 */
export type WorkOutcome =
  | { status: "ok" }
  | { status: "not_found" }
  | { status: "already_claimed"; by: string }
  | { status: "refused"; reason: "not_owner" | "inactive_assignee" };

type Trx = Transaction<Database>;
const ROUTE = "staff.work";

/** Whether this member assigns work to others and may release anyone's (supervisors, admins). */
export function managesWork(staff: Pick<StaffIdentity, "role">): boolean {
  return mayDo(staff.role, ROUTE, "assign");
}

export function claimTask(
  db: Kysely<Database>,
  opts: { staff: StaffIdentity; taskId: string; now?: Date },
): Promise<WorkOutcome> {
  const now = opts.now ?? new Date();
  return db.transaction().execute(async (trx) => {
    const claimed = await trx
      .updateTable("tasks")
      .set({ assigned_to_staff_id: opts.staff.id, claimed_at: now })
      .where("id", "=", opts.taskId)
      .where("status", "=", "open")
      .where("assigned_to_staff_id", "is", null)
      .returning(["id", "kind", "borrower_id"])
      .executeTakeFirst();
    if (!claimed) return whyNotClaimed(trx, opts.staff, opts.taskId);
    await audit(trx, opts.staff, "staff.task_claimed", claimed, { kind: claimed.kind }, now);
    return { status: "ok" as const };
  });
}

/** After a claim changed nothing: gone or closed, already the claimant's own, or someone else's. */
async function whyNotClaimed(trx: Trx, staff: StaffIdentity, taskId: string): Promise<WorkOutcome> {
  const task = await openTask(trx, taskId);
  if (!task?.assigned_to_staff_id) return { status: "not_found" };
  if (task.assigned_to_staff_id === staff.id) return { status: "ok" };
  return { status: "already_claimed", by: task.owner_name ?? "" };
}

export function releaseTask(
  db: Kysely<Database>,
  opts: { staff: StaffIdentity; taskId: string; now?: Date },
): Promise<WorkOutcome> {
  const now = opts.now ?? new Date();
  return db.transaction().execute(async (trx) => {
    const task = await openTask(trx, opts.taskId, { lock: true });
    if (!task) return { status: "not_found" as const };
    if (task.assigned_to_staff_id === null) return { status: "ok" as const };
    if (task.assigned_to_staff_id !== opts.staff.id && !managesWork(opts.staff))
      return { status: "refused" as const, reason: "not_owner" as const };
    await trx
      .updateTable("tasks")
      .set({ assigned_to_staff_id: null, claimed_at: null })
      .where("id", "=", task.id)
      .execute();
    await audit(trx, opts.staff, "staff.task_released", task, { from: task.assigned_to_staff_id }, now);
    return { status: "ok" as const };
  });
}

/** A supervisor or admin gives an open task to an active staff member (or moves it from its owner). */
export function assignTask(
  db: Kysely<Database>,
  opts: { staff: StaffIdentity; taskId: string; assigneeId: string; now?: Date },
): Promise<WorkOutcome> {
  const now = opts.now ?? new Date();
  if (!managesWork(opts.staff)) return Promise.resolve({ status: "refused", reason: "not_owner" });
  return db.transaction().execute(async (trx) => {
    const assignee = await trx
      .selectFrom("staff_users")
      .select("id")
      .where("id", "=", opts.assigneeId)
      .where("disabled_at", "is", null)
      .executeTakeFirst();
    if (!assignee) return { status: "refused" as const, reason: "inactive_assignee" as const };
    const task = await openTask(trx, opts.taskId, { lock: true });
    if (!task) return { status: "not_found" as const };
    if (task.assigned_to_staff_id === assignee.id) return { status: "ok" as const };
    await trx
      .updateTable("tasks")
      .set({ assigned_to_staff_id: assignee.id, claimed_at: now })
      .where("id", "=", task.id)
      .execute();
    await audit(
      trx,
      opts.staff,
      "staff.task_assigned",
      task,
      { from: task.assigned_to_staff_id, to: assignee.id },
      now,
    );
    return { status: "ok" as const };
  });
}

function openTask(trx: Trx, taskId: string, opts: { lock?: boolean } = {}) {
  const query = trx
    .selectFrom("tasks as t")
    .leftJoin("staff_users as s", "s.id", "t.assigned_to_staff_id")
    .select(["t.id", "t.kind", "t.borrower_id", "t.assigned_to_staff_id", "s.display_name as owner_name"])
    .where("t.id", "=", taskId)
    .where("t.status", "=", "open");
  return (opts.lock ? query.forUpdate("t") : query).executeTakeFirst();
}

function audit(
  trx: Trx,
  staff: StaffIdentity,
  action: string,
  task: { id: string; kind: TaskKind; borrower_id: string },
  detail: Record<string, unknown>,
  now: Date,
) {
  return appendAudit(
    trx,
    {
      actorType: "staff",
      actorId: staff.id,
      action,
      subjectType: "task",
      subjectId: task.id,
      borrowerId: task.borrower_id,
      detail: { kind: task.kind, ...detail },
    },
    now,
  );
}

// ---- What the work page reads ----

const LIST_LIMIT = 50;

export interface WorkItem {
  id: string;
  kind: TaskKind;
  borrowerId: string;
  borrowerName: string;
  due: Date;
  ownerId: string | null;
  ownerName: string | null;
  /** The case behind a hardship review or complaint task, for its page. */
  caseId: string | null;
  /** A call back to a borrower locked out of verification; the task closes when they verify. */
  lockout: boolean;
}

function workItems(db: Kysely<Database>) {
  return db
    .selectFrom("tasks as t")
    .innerJoin("borrowers as b", "b.id", "t.borrower_id")
    .leftJoin("staff_users as s", "s.id", "t.assigned_to_staff_id")
    .select([
      "t.id",
      "t.kind",
      "t.borrower_id",
      "b.full_name",
      "t.due_at",
      "t.assigned_to_staff_id",
      "s.display_name",
      "t.source_type",
      "t.source_id",
    ])
    .where("t.status", "=", "open")
    .orderBy("t.due_at")
    .orderBy("t.id")
    .limit(LIST_LIMIT);
}

type WorkRow = Awaited<ReturnType<ReturnType<typeof workItems>["execute"]>>[number];
const CASE_SOURCES = new Set(["hardship_report", "complaint"]);
const toItem = (r: WorkRow): WorkItem => ({
  id: r.id,
  kind: r.kind,
  borrowerId: r.borrower_id,
  borrowerName: r.full_name,
  due: r.due_at,
  ownerId: r.assigned_to_staff_id,
  ownerName: r.display_name,
  caseId: r.source_type && CASE_SOURCES.has(r.source_type) ? r.source_id : null,
  lockout: r.source_type === "verification_lockout",
});

interface StaffLoad {
  id: string;
  displayName: string;
  role: string;
  open: number;
  oldestDue: Date | null;
}

export interface Worklist {
  mine: WorkItem[];
  unassigned: WorkItem[];
  /** Supervisors and admins: everyone's open work, load per person, and who may take work. */
  team: { assigned: WorkItem[]; load: StaffLoad[] } | null;
}

/** "My work", the unowned tasks to claim, and (for supervisors and admins) the team's load. */
export async function loadWorklist(db: Kysely<Database>, staff: StaffIdentity): Promise<Worklist> {
  const [mine, unassigned, team] = await Promise.all([
    workItems(db).where("t.assigned_to_staff_id", "=", staff.id).execute(),
    workItems(db).where("t.assigned_to_staff_id", "is", null).execute(),
    managesWork(staff) ? loadTeam(db) : null,
  ]);
  return { mine: mine.map(toItem), unassigned: unassigned.map(toItem), team };
}

async function loadTeam(db: Kysely<Database>) {
  const [assigned, load] = await Promise.all([
    workItems(db).where("t.assigned_to_staff_id", "is not", null).execute(),
    db
      .selectFrom("staff_users as u")
      .leftJoin("tasks as t", (j) =>
        j.onRef("t.assigned_to_staff_id", "=", "u.id").on("t.status", "=", "open"),
      )
      .select([
        "u.id",
        "u.display_name",
        "u.role",
        sql<number>`count(t.id)::int`.as("open"),
        sql<Date | null>`min(t.due_at)`.as("oldest_due"),
      ])
      .where("u.disabled_at", "is", null)
      .groupBy(["u.id", "u.display_name", "u.role"])
      .orderBy("u.display_name")
      .execute(),
  ]);
  return {
    assigned: assigned.map(toItem),
    load: load.map((l) => ({
      id: l.id,
      displayName: l.display_name,
      role: l.role,
      open: Number(l.open),
      oldestDue: l.oldest_due,
    })),
  };
}
