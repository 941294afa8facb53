import type { Kysely, Transaction } from "kysely";
import type { Database } from "../../db/schema";
import { appendAudit } from "../platform/audit.server";
import { revokeLinks } from "../messaging/short-links.server";
import { reportWrongNumber } from "../engine/feedback.server";
import type { BorrowerAction } from "./borrower-forms";
import { callBlockerNow } from "./call-caps.server";
import { applyStatusAction, isStatusAction } from "./status-actions.server";
import { logVisit, setPhoneOwner, setVisitsAllowed, type VisitCtx } from "./visit-actions.server";
import type { StaffIdentity } from "./session.server";
import {
  actForBorrower,
  isActForBorrower,
  type ActForBorrower,
  type ActOutcome,
} from "./act-for-borrower.server";

/**
 * What staff change from a borrower page. Each action is one transaction with
 * its audit event, and is scoped by the borrower in the URL: an account or
 * task id belonging to someone else is "not found", never changed. Actions
 * staff take for the borrower go to the portal's own services (act-for-borrower.server.ts).
 */
export type BorrowerActionResult = ActOutcome;

type Trx = Transaction<Database>;
type Act<I extends BorrowerAction["intent"]> = Extract<BorrowerAction, { intent: I }>;

/** What every action needs inside its transaction: who acts, on whom, when, and how to audit it. */
type Ctx = VisitCtx;

export async function applyBorrowerAction(
  db: Kysely<Database>,
  opts: { staff: StaffIdentity; borrowerId: string; action: BorrowerAction; now?: Date },
): Promise<BorrowerActionResult> {
  const now = opts.now ?? new Date();
  const { staff, borrowerId, action } = opts;
  if (isActForBorrower(action)) return actForBorrower(db, { staff, borrowerId, action, now });
  // Statuses are set by their own service, in its own transaction (the API and the import call it too).
  if (isStatusAction(action)) return applyStatusAction(db, { staff, borrowerId, action, now });
  return db.transaction().execute(async (trx): Promise<BorrowerActionResult> => {
    const borrower = await trx
      .selectFrom("borrowers")
      .select("id")
      .where("id", "=", borrowerId)
      .executeTakeFirst();
    if (!borrower) return { status: "not_found" };
    const audit: Ctx["audit"] = (name, subjectType, subjectId, detail = {}) =>
      appendAudit(
        trx,
        { actorType: "staff", actorId: staff.id, action: name, subjectType, subjectId, borrowerId, detail },
        now,
      );
    return applyInTransaction({ trx, staff, borrowerId, now, audit }, action);
  });
}

function applyInTransaction(
  ctx: Ctx,
  action: Exclude<BorrowerAction, ActForBorrower | { intent: "set_status" | "end_status" }>,
): Promise<BorrowerActionResult> {
  switch (action.intent) {
    case "add_note":
      return addNote(ctx, action);
    case "log_call":
      return logCall(ctx, action);
    case "resolve_task":
      return resolveTask(ctx, action);
    case "set_wrong_number":
    case "clear_wrong_number":
      return markWrongNumber(ctx, action.accountId, action.intent === "set_wrong_number");
    case "set_dispute":
    case "clear_dispute":
      return markDispute(ctx, action.accountId, action.intent === "set_dispute");
    case "log_visit":
      return logVisit(ctx, action);
    case "set_phone_owner":
      return setPhoneOwner(ctx, action.phoneOwner, "console");
    case "refuse_visits":
    case "allow_visits":
      return setVisitsAllowed(ctx, action.intent === "allow_visits");
  }
}

async function addNote({ trx, staff, borrowerId, now, audit }: Ctx, action: Act<"add_note">) {
  const note = await trx
    .insertInto("notes")
    .values({ borrower_id: borrowerId, staff_user_id: staff.id, body: action.body, created_at: now })
    .returning("id")
    .executeTakeFirstOrThrow();
  // The text stays in notes (which the retention job can clear), not in the append-only audit log.
  await audit("staff.note_added", "note", note.id, { length: action.body.length });
  return OK;
}

async function logCall(ctx: Ctx, action: Act<"log_call">) {
  const { trx, staff, borrowerId, now, audit } = ctx;
  if (action.accountId && !(await ownAccount(trx, borrowerId, action.accountId))) return NOT_FOUND;
  // A wrong number heard on a call is the borrower's "not me", reported for them: it needs the account.
  if (action.outcome === "wrong_number" && !action.accountId)
    return {
      status: "refused" as const,
      httpStatus: 400 as const,
      fieldErrors: { accountId: ["errors.wrongNumberAccount"] },
    };
  // A call the schedule would never place (a cap, the window, the cool-down) needs the agent's reason.
  const blocker = await callBlockerNow(trx, borrowerId, now);
  if (blocker && !action.overrideReason)
    return {
      status: "refused" as const,
      httpStatus: 409 as const,
      fieldErrors: { overrideReason: [`errors.callBlocked.${blocker}`] },
    };
  const call = await trx
    .insertInto("call_attempts")
    .values({
      borrower_id: borrowerId,
      account_id: action.accountId ?? null,
      staff_user_id: staff.id,
      outcome: action.outcome,
      occurred_at: now,
      override_reason: blocker ? action.overrideReason : null,
      override_blocker: blocker,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  // The reason's text stays in call_attempts; the audit row says a cap was overridden and which.
  await audit("staff.call_logged", "call_attempt", call.id, {
    outcome: action.outcome,
    accountId: action.accountId ?? null,
    ...(blocker ? { overrode: blocker } : {}),
  });
  if (action.phoneOwner) await setPhoneOwner(ctx, action.phoneOwner, "call");
  if (action.outcome === "wrong_number" && action.accountId)
    await reportWrongNumber(trx, {
      accountId: action.accountId,
      source: { actor: "staff", actorId: staff.id, via: "console", role: staff.role },
      now,
    });
  return OK;
}

async function resolveTask({ trx, staff, borrowerId, now, audit }: Ctx, action: Act<"resolve_task">) {
  const task = await trx
    .updateTable("tasks")
    .set({
      status: "done",
      resolved_at: now,
      outcome: action.outcome || null,
      assigned_to_staff_id: staff.id,
    })
    .where("id", "=", action.taskId)
    .where("borrower_id", "=", borrowerId)
    .where("status", "=", "open")
    // A case's task closes with its case (app/staff/cases.server.ts), so the two never disagree.
    .where((eb) => eb.or([eb("source_type", "is", null), eb("source_type", "not in", CASE_SOURCES)]))
    .returning(["id", "kind"])
    .executeTakeFirst();
  if (!task) return (await isCaseTask(trx, action.taskId)) ? CASE_TASK : NOT_FOUND;
  await audit("staff.task_resolved", "task", task.id, { kind: task.kind });
  return OK;
}

/** Sets (keeping the first time) or clears one of the account's flags; undefined when not the borrower's. */
function setAccountFlag(
  { trx, borrowerId, now }: Ctx,
  accountId: string,
  flag: "wrong_number_at" | "dispute_at",
  on: boolean,
) {
  return trx
    .updateTable("accounts")
    .set((eb) => ({ [flag]: on ? eb.fn.coalesce(flag, eb.val(now)) : null, updated_at: now }))
    .where("id", "=", accountId)
    .where("borrower_id", "=", borrowerId)
    .returning("id")
    .executeTakeFirst();
}

async function markWrongNumber(ctx: Ctx, accountId: string, on: boolean) {
  const { trx, staff, now, audit } = ctx;
  const account = await setAccountFlag(ctx, accountId, "wrong_number_at", on);
  if (!account) return NOT_FOUND;
  // Links sent to a number that is not the borrower's must stop working.
  if (on) await revokeLinks(trx, { accountIds: [account.id] }, "wrong_number", now);
  // Staff deciding either way is the review the borrower's report asked for.
  const reviewed = await trx
    .updateTable("tasks")
    .set({
      status: "done",
      resolved_at: now,
      outcome: on ? "confirmed_wrong_number" : "number_confirmed_correct",
      assigned_to_staff_id: staff.id,
    })
    .where("account_id", "=", account.id)
    .where("kind", "=", "wrong_number_review")
    .where("status", "=", "open")
    .returning("id")
    .execute();
  await audit(on ? "staff.wrong_number_set" : "staff.wrong_number_cleared", "account", account.id, {
    reviewTasksClosed: reviewed.length,
  });
  return OK;
}

async function markDispute(ctx: Ctx, accountId: string, on: boolean) {
  const account = await setAccountFlag(ctx, accountId, "dispute_at", on);
  if (!account) return NOT_FOUND;
  await ctx.audit(on ? "staff.dispute_set" : "staff.dispute_cleared", "account", account.id);
  return OK;
}

const OK: BorrowerActionResult = { status: "ok" };
const NOT_FOUND: BorrowerActionResult = { status: "not_found" };
const CASE_SOURCES = ["complaint", "hardship_report"];
const CASE_TASK: BorrowerActionResult = {
  status: "refused",
  httpStatus: 409,
  formErrors: ["errors.caseTask"],
};

async function isCaseTask(trx: Trx, taskId: string): Promise<boolean> {
  const row = await trx
    .selectFrom("tasks")
    .select("id")
    .where("id", "=", taskId)
    .where("source_type", "in", CASE_SOURCES)
    .executeTakeFirst();
  return row !== undefined;
}

async function ownAccount(trx: Trx, borrowerId: string, accountId: string): Promise<boolean> {
  const row = await trx
    .selectFrom("accounts")
    .select("id")
    .where("id", "=", accountId)
    .where("borrower_id", "=", borrowerId)
    .executeTakeFirst();
  return row !== undefined;
}
