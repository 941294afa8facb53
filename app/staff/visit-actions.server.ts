import type { Transaction } from "kysely";
import type { Database, PhoneOwner } from "../../db/schema";
import type { ActOutcome } from "./act-for-borrower.server";
import type { BorrowerAction } from "./borrower-forms";
import type { StaffIdentity } from "./session.server";

/**
 * Visits and whose the phone is, from the borrower page (docs/product-rules.md §4.19, §4.20). Each runs in
 * the borrower action's transaction with its audit row, as call outcomes do. A visit's outcome feeds back
 * into the schedule: `refused` closes visits (the borrower's preference), `moved` marks the address stale
 * (no visit until the bank sends a new one), `promise_made` opens the promise form on the visit's account.
 */
type Trx = Transaction<Database>;
type Act<I extends BorrowerAction["intent"]> = Extract<BorrowerAction, { intent: I }>;

export interface VisitCtx {
  trx: Trx;
  staff: StaffIdentity;
  borrowerId: string;
  now: Date;
  audit: (
    name: string,
    subjectType: string,
    subjectId: string,
    detail?: Record<string, unknown>,
  ) => Promise<unknown>;
}

const OK: ActOutcome = { status: "ok" };
const NOT_FOUND: ActOutcome = { status: "not_found" };

export async function logVisit(ctx: VisitCtx, action: Act<"log_visit">): Promise<ActOutcome> {
  const { trx, staff, borrowerId, now, audit } = ctx;
  // The visit task closes with its outcome; a task of another borrower or kind, or closed, is "not found".
  const task = await trx
    .updateTable("tasks")
    .set({ status: "done", resolved_at: now, outcome: action.outcome, assigned_to_staff_id: staff.id })
    .where("id", "=", action.taskId)
    .where("borrower_id", "=", borrowerId)
    .where("kind", "=", "visit")
    .where("status", "=", "open")
    .returning(["id", "account_id"])
    .executeTakeFirst();
  if (!task) return NOT_FOUND;
  const visit = await trx
    .insertInto("visit_attempts")
    .values({
      borrower_id: borrowerId,
      account_id: task.account_id,
      task_id: task.id,
      staff_user_id: staff.id,
      outcome: action.outcome,
      notes: action.notes ?? null,
      occurred_at: now,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  // The notes stay in visit_attempts (retention and erasure clear them), not in the append-only audit log.
  await audit("staff.visit_logged", "visit_attempt", visit.id, {
    outcome: action.outcome,
    taskId: task.id,
    accountId: task.account_id,
    notes: action.notes ? action.notes.length : 0,
  });
  if (action.outcome === "refused") await setVisitsAllowed(ctx, false, "visit_refused");
  if (action.outcome === "moved") {
    await trx
      .updateTable("borrowers")
      .set({ address_stale_at: now, updated_at: now })
      .where("id", "=", borrowerId)
      .execute();
    await audit("staff.address_marked_stale", "borrower", borrowerId, { visitId: visit.id });
  }
  if (action.outcome === "promise_made" && task.account_id)
    return { status: "ok", promiseFor: task.account_id };
  return OK;
}

/** Staff record that the borrower refuses visits (or accepts them again); the schedule reads it next run. */
export async function setVisitsAllowed(
  { trx, borrowerId, now, audit }: VisitCtx,
  allowed: boolean,
  via: "staff" | "visit_refused" = "staff",
): Promise<ActOutcome> {
  const before = await trx
    .selectFrom("contact_preferences")
    .select("visit_allowed")
    .where("borrower_id", "=", borrowerId)
    .executeTakeFirst();
  if ((before?.visit_allowed ?? true) === allowed) return OK;
  await trx
    .insertInto("contact_preferences")
    .values({ borrower_id: borrowerId, visit_allowed: allowed, updated_at: now })
    .onConflict((oc) => oc.column("borrower_id").doUpdateSet({ visit_allowed: allowed, updated_at: now }))
    .execute();
  await audit(allowed ? "staff.visits_allowed" : "staff.visits_refused", "borrower", borrowerId, { via });
  return OK;
}

/** Whose the number is, as the agent learned it (a call, the borrower, a relative answering). */
export async function setPhoneOwner(
  { trx, borrowerId, now, audit }: VisitCtx,
  owner: PhoneOwner,
  via: "console" | "call",
): Promise<ActOutcome> {
  const before = await trx
    .selectFrom("borrowers")
    .select("phone_owner")
    .where("id", "=", borrowerId)
    .executeTakeFirst();
  if (!before) return NOT_FOUND;
  if (before.phone_owner === owner) return OK;
  await trx
    .updateTable("borrowers")
    .set({ phone_owner: owner, updated_at: now })
    .where("id", "=", borrowerId)
    .execute();
  await audit("staff.phone_owner_set", "borrower", borrowerId, { from: before.phone_owner, to: owner, via });
  return OK;
}
