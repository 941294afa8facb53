import type { Kysely } from "kysely";
import type { Database } from "../../db/schema";
import { planPolicyFor } from "../domain/contact-policy";
import {
  checkInstalmentMove,
  instalmentMoveWindow,
  type InstalmentMoveProblem,
} from "../domain/instalment-move";
import { actedBy, auditActor } from "../borrower/action-scope.server";
import { activeContactPolicy } from "../engine/planner.server";
import { emitBankEvent } from "../platform/bank-events.server";
import { borrowerToday, type PlanSession } from "./plan-effects.server";
import { auditPlan, planSummary } from "./plan-events.server";

/**
 * A borrower moves one instalment of their active plan to a later day (docs/product-rules.md §7.9), once
 * per plan and within the active policy's days. The broken-plan rules then count from the new day.
 */
export type MoveInstalmentResult =
  | { status: "moved"; seq: number; from: string; to: string }
  | { status: "refused"; problem: InstalmentMoveProblem }
  | { status: "no_active_plan" };

type Db = Kysely<Database>;

async function activePlan(db: Db, session: PlanSession, lock: boolean) {
  let query = db
    .selectFrom("instalment_plans")
    .selectAll()
    .where("account_id", "=", session.accountId)
    .where("borrower_id", "=", session.borrowerId)
    .where("status", "=", "active");
  if (lock) query = query.forUpdate();
  const plan = await query.executeTakeFirst();
  if (!plan) return null;
  const instalments = await db
    .selectFrom("instalments")
    .select(["seq", "due_date as dueDate", "status"])
    .where("plan_id", "=", plan.id)
    .execute();
  const policy = planPolicyFor(await activeContactPolicy(db), plan.currency);
  return { plan, instalments, maxDays: policy.maxInstalmentMoveDays };
}

/** What the status page offers: the instalment that may move and the last day it may move to, or why not. */
export async function instalmentMoveOffer(db: Db, session: PlanSession) {
  const found = await activePlan(db, session, false);
  if (!found) return null;
  const window = instalmentMoveWindow(found.instalments, {
    maxDays: found.maxDays,
    alreadyMoved: found.plan.instalment_moved_at !== null,
  });
  return "problem" in window ? null : window;
}

export async function moveInstalment(
  db: Db,
  input: { session: PlanSession; newDate: string; now?: Date },
): Promise<MoveInstalmentResult> {
  const now = input.now ?? new Date();
  const { session } = input;
  return db.transaction().execute(async (trx): Promise<MoveInstalmentResult> => {
    const found = await activePlan(trx, session, true);
    if (!found) return { status: "no_active_plan" };
    const { plan } = found;
    const checked = checkInstalmentMove(found.instalments, {
      maxDays: found.maxDays,
      alreadyMoved: plan.instalment_moved_at !== null,
      newDate: input.newDate,
      today: await borrowerToday(trx, session.borrowerId, now),
    });
    if (!checked.ok) return { status: "refused", problem: checked.problem };
    await trx
      .updateTable("instalments")
      .set({ due_date: input.newDate, original_due_date: checked.from })
      .where("plan_id", "=", plan.id)
      .where("seq", "=", checked.seq)
      .execute();
    await trx
      .updateTable("instalment_plans")
      .set({ instalment_moved_at: now, updated_at: now })
      .where("id", "=", plan.id)
      .execute();
    const detail = {
      ...planSummary(plan),
      seq: checked.seq,
      from: checked.from,
      to: input.newDate,
      ...actedBy(session),
    };
    await emitBankEvent(trx, {
      type: "plan.instalment_moved",
      accountId: plan.account_id,
      borrowerId: plan.borrower_id,
      payload: detail,
      now,
    });
    await auditPlan(trx, plan, now, { ...auditActor(session), action: "plan.instalment_moved", detail });
    return { status: "moved", seq: checked.seq, from: checked.from, to: input.newDate };
  });
}
