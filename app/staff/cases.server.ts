import { sql, type Kysely, type Transaction } from "kysely";
import type { CaseType, Database } from "../../db/schema";
import {
  closesCase,
  isOpenCase,
  nextCaseState,
  type CaseAction,
  type CaseState,
} from "../domain/case-lifecycle";
import { epochDayFromIsoDate, localEpochDay, startOfLocalDay } from "../domain/local-time";
import { appendAudit } from "../platform/audit.server";
import { queueSms } from "../messaging/outbound-sms.server";
import { cancelQueuedReminders } from "../borrower/action-scope.server";
import { releaseDisputeFlag } from "../borrower/complaint-dispute.server";
import { managesWork } from "./worklist.server";
import type { StaffIdentity } from "./session.server";

/**
 * Case work (docs/product-rules.md §8.13): moving a hardship report or complaint through its lifecycle,
 * internal notes, and a further hardship pause. Each is one transaction with its audit row. The case's
 * owner is its task's assignee: acting on an unowned case claims its task for the actor; an agent may not
 * act on a case someone else owns (a supervisor or admin may, and the owner stays).
 */
export type CaseOutcome =
  | { status: "ok" }
  | { status: "not_found" }
  | { status: "already_claimed"; by: string }
  | {
      status: "refused";
      reason: "illegal_transition" | "response_required" | "not_hardship" | "closed" | "invalid_date";
    };

type Trx = Transaction<Database>;

interface CaseRow {
  type: CaseType;
  id: string;
  borrowerId: string;
  accountId: string | null;
  status: CaseState;
}

const SOURCE: Record<CaseType, "hardship_report" | "complaint"> = {
  hardship: "hardship_report",
  complaint: "complaint",
};
const TABLE = { hardship: "hardship_reports", complaint: "complaints" } as const;

/** The case with this id (a hardship report's or a complaint's), locked for the transaction. */
async function lockCase(trx: Trx, caseId: string): Promise<CaseRow | null> {
  for (const type of ["complaint", "hardship"] as const) {
    const row = await trx
      .selectFrom(TABLE[type])
      .select(["id", "borrower_id", "account_id", "status"])
      .where("id", "=", caseId)
      .forUpdate()
      .executeTakeFirst();
    if (row)
      return {
        type,
        id: row.id,
        borrowerId: row.borrower_id,
        accountId: row.account_id,
        status: row.status,
      };
  }
  return null;
}

/**
 * Makes the actor the case's owner when nobody is (the same conditional claim as the worklist's), or says
 * who owns it when that is someone else and the actor does not manage work.
 */
async function takeCase(trx: Trx, staff: StaffIdentity, c: CaseRow, now: Date): Promise<CaseOutcome> {
  const task = await trx
    .selectFrom("tasks as t")
    .leftJoin("staff_users as s", "s.id", "t.assigned_to_staff_id")
    .select(["t.id", "t.assigned_to_staff_id", "s.display_name"])
    .where("t.source_type", "=", SOURCE[c.type])
    .where("t.source_id", "=", c.id)
    .where("t.status", "=", "open")
    .forUpdate("t")
    .executeTakeFirst();
  if (!task || task.assigned_to_staff_id === staff.id) return { status: "ok" };
  if (task.assigned_to_staff_id === null) {
    await trx
      .updateTable("tasks")
      .set({ assigned_to_staff_id: staff.id, claimed_at: now })
      .where("id", "=", task.id)
      .execute();
    await audit(trx, staff, c, "staff.task_claimed", { taskId: task.id, via: "case" }, now);
    return { status: "ok" };
  }
  if (managesWork(staff)) return { status: "ok" };
  return { status: "already_claimed", by: task.display_name ?? "" };
}

/**
 * Checks the locked case (`refuse` answers why not, or null to go ahead), takes it, then applies the
 * change; a refusal or someone else's claim changes nothing.
 */
function onCase(
  db: Kysely<Database>,
  opts: { staff: StaffIdentity; caseId: string; now: Date },
  refuse: (c: CaseRow, trx: Trx) => Promise<CaseOutcome | null> | CaseOutcome | null,
  apply: (trx: Trx, c: CaseRow) => Promise<void>,
): Promise<CaseOutcome> {
  return db.transaction().execute(async (trx) => {
    const c = await lockCase(trx, opts.caseId);
    if (!c) return { status: "not_found" as const };
    const refused = await refuse(c, trx);
    if (refused) return refused;
    const taken = await takeCase(trx, opts.staff, c, opts.now);
    if (taken.status !== "ok") return taken;
    await apply(trx, c);
    return { status: "ok" as const };
  });
}

/**
 * Moves a case one step (acknowledge, await the borrower, resume, resolve, reject). Resolving or rejecting
 * carries the final response: it is stored for the borrower's overview, closes the case's task, and a text
 * in the borrower's language tells them it is there.
 */
export function moveCase(
  db: Kysely<Database>,
  opts: { staff: StaffIdentity; caseId: string; action: CaseAction; response?: string; now?: Date },
): Promise<CaseOutcome> {
  const now = opts.now ?? new Date();
  const closing = closesCase(opts.action);
  const response = opts.response?.trim();
  return onCase(
    db,
    { ...opts, now },
    (c) => {
      if (!nextCaseState(c.type, c.status, opts.action))
        return { status: "refused", reason: "illegal_transition" };
      return closing && !response ? { status: "refused", reason: "response_required" } : null;
    },
    async (trx, c) => {
      const next = nextCaseState(c.type, c.status, opts.action)!;
      await trx
        .updateTable(TABLE[c.type])
        .set({
          status: next,
          acknowledged_at: sql`coalesce(acknowledged_at, ${now}::timestamptz)`,
          ...(closing
            ? { response, responded_at: now, resolved_at: now, resolved_by_staff_id: opts.staff.id }
            : {}),
        })
        .where("id", "=", c.id)
        .execute();
      await caseEvent(trx, opts.staff, c, now, {
        kind: "transition",
        from_status: c.status,
        to_status: next,
      });
      if (closing) await closeCase(trx, c, next, now);
      await audit(trx, opts.staff, c, `staff.case_${opts.action}`, { from: c.status, to: next }, now);
      if (closing && c.type === "complaint") await releaseDispute(trx, opts.staff, c, now);
    },
  );
}

/** The case's task is done, and the borrower is told (in their language) that the answer is in the portal. */
async function closeCase(trx: Trx, c: CaseRow, state: CaseState, now: Date) {
  await trx
    .updateTable("tasks")
    .set({ status: "done", resolved_at: now, outcome: `case_${state}` })
    .where("source_type", "=", SOURCE[c.type])
    .where("source_id", "=", c.id)
    .where("status", "=", "open")
    .execute();
  // The text carries a link to the account; a case about no account is answered by the team's own channels.
  if (!c.accountId) return;
  await queueSms(trx, {
    borrowerId: c.borrowerId,
    accountId: c.accountId,
    templateKey: "confirmation.case_response",
    purpose: "confirmation",
    dedupeKey: `confirmation:case_response:${c.id}`,
    now,
  });
}

/**
 * A resolved complaint lets go of the dispute flag it set (docs/product-rules.md §8.13): cleared, and audited
 * as the resolver's, when nothing else holds it, so the schedule may contact the borrower again.
 */
async function releaseDispute(trx: Trx, staff: StaffIdentity, c: CaseRow, now: Date) {
  const released = await releaseDisputeFlag(trx, c.id, now);
  if (released.status === "none") return;
  await appendAudit(
    trx,
    {
      actorType: "staff",
      actorId: staff.id,
      action: released.status === "cleared" ? "staff.dispute_cleared" : "staff.dispute_kept",
      subjectType: "account",
      subjectId: released.accountId,
      borrowerId: c.borrowerId,
      detail: {
        via: "complaint_resolved",
        complaintId: c.id,
        ...(released.status === "kept" ? { by: released.by } : {}),
      },
    },
    now,
  );
}

/** An internal note on the case (never shown to the borrower). */
export function addCaseNote(
  db: Kysely<Database>,
  opts: { staff: StaffIdentity; caseId: string; body: string; now?: Date },
): Promise<CaseOutcome> {
  const now = opts.now ?? new Date();
  return onCase(
    db,
    { ...opts, now },
    () => null,
    async (trx, c) => {
      const id = await caseEvent(trx, opts.staff, c, now, { kind: "note", body: opts.body });
      // The text stays in case_events (which retention clears), not in the append-only audit log.
      await audit(
        trx,
        opts.staff,
        c,
        "staff.case_note_added",
        { eventId: id, length: opts.body.length },
        now,
      );
    },
  );
}

/** The longest further pause staff may grant at once, in days from today. */
const MAX_STAFF_PAUSE_DAYS = 180;

/**
 * A further hardship pause granted by staff: a decision on the open case, with its reason, until the end
 * of `untilDate` in the borrower's time zone. The report's `pause_until` moves to it (never earlier), which
 * is what the planner reads; reminders already queued are cancelled as the borrower's own report does.
 */
export function grantHardshipPause(
  db: Kysely<Database>,
  opts: { staff: StaffIdentity; caseId: string; untilDate: string; reason: string; now?: Date },
): Promise<CaseOutcome> {
  const now = opts.now ?? new Date();
  let until = now;
  return onCase(
    db,
    { ...opts, now },
    async (c, trx) => {
      if (c.type !== "hardship") return { status: "refused", reason: "not_hardship" };
      if (!isOpenCase(c.status)) return { status: "refused", reason: "closed" };
      const end = await pauseEnd(trx, c.borrowerId, opts.untilDate, now);
      if (!end) return { status: "refused", reason: "invalid_date" };
      until = end;
      return null;
    },
    async (trx, c) => {
      await trx
        .updateTable("hardship_reports")
        .set({ pause_until: sql`greatest(pause_until, ${until}::timestamptz)` })
        .where("id", "=", c.id)
        .execute();
      const cancelled = await cancelQueuedReminders(trx, { borrowerId: c.borrowerId }, now, "hardship_pause");
      await caseEvent(trx, opts.staff, c, now, {
        kind: "pause_granted",
        body: opts.reason,
        pause_until: until,
      });
      const detail = { until: until.toISOString(), cancelledReminders: cancelled };
      await audit(trx, opts.staff, c, "staff.hardship_pause_granted", detail, now);
    },
  );
}

/** The end of a local date in the borrower's zone, if it is after today and within the longest pause. */
async function pauseEnd(trx: Trx, borrowerId: string, date: string, now: Date): Promise<Date | null> {
  const day = epochDayFromIsoDate(date);
  const { time_zone } = await trx
    .selectFrom("borrowers")
    .select("time_zone")
    .where("id", "=", borrowerId)
    .executeTakeFirstOrThrow();
  const today = localEpochDay(now.getTime(), time_zone);
  if (day === null || day <= today || day > today + MAX_STAFF_PAUSE_DAYS) return null;
  return new Date(startOfLocalDay(day + 1, time_zone));
}

async function caseEvent(
  trx: Trx,
  staff: StaffIdentity,
  c: CaseRow,
  now: Date,
  event: {
    kind: "transition" | "note" | "pause_granted";
    from_status?: string;
    to_status?: string;
    body?: string;
    pause_until?: Date;
  },
): Promise<string> {
  const row = await trx
    .insertInto("case_events")
    .values({
      case_type: c.type,
      case_id: c.id,
      borrower_id: c.borrowerId,
      account_id: c.accountId,
      staff_user_id: staff.id,
      created_at: now,
      ...event,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

function audit(
  trx: Trx,
  staff: StaffIdentity,
  c: CaseRow,
  action: string,
  detail: Record<string, unknown>,
  now: Date,
) {
  return appendAudit(
    trx,
    {
      actorType: "staff",
      actorId: staff.id,
      action,
      subjectType: SOURCE[c.type],
      subjectId: c.id,
      borrowerId: c.borrowerId,
      detail: { caseType: c.type, ...detail },
    },
    now,
  );
}
