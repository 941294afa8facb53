import type { Kysely } from "kysely";
import type { Database } from "../../db/schema";
import {
  endAccountStatus,
  setAccountStatus,
  type StatusActor,
  type StatusRefusal,
} from "../borrower/account-statuses.server";
import type { ActOutcome } from "./act-for-borrower.server";
import type { BorrowerAction } from "./borrower-forms";
import type { StaffIdentity } from "./session.server";

/**
 * Account statuses from the borrower page (docs/product-rules.md §4.18): the console's door to the one
 * status service, which writes the status, its history and its audit row in one transaction.
 */
type StatusAction = Extract<BorrowerAction, { intent: "set_status" | "end_status" }>;

export function isStatusAction(action: BorrowerAction): action is StatusAction {
  return action.intent === "set_status" || action.intent === "end_status";
}

export async function applyStatusAction(
  db: Kysely<Database>,
  opts: { staff: StaffIdentity; borrowerId: string; action: StatusAction; now: Date },
): Promise<ActOutcome> {
  const { staff, borrowerId, action, now } = opts;
  const actor: StatusActor = { source: "console", actorType: "staff", actorId: staff.id };
  if (action.intent === "end_status") {
    const ended = await endAccountStatus(
      db,
      { statusId: action.statusId, borrowerId },
      action.reason,
      actor,
      now,
    );
    return ended.status === "not_found" ? { status: "not_found" } : { status: "ok" };
  }
  const outcome = await setAccountStatus(
    db,
    {
      borrowerId,
      accountId: action.accountId ?? null,
      kind: action.kind,
      reason: action.reason,
      validationNotice: action.validationNotice ?? null,
    },
    actor,
    now,
  );
  switch (outcome.status) {
    case "set":
    case "duplicate":
      return { status: "ok" };
    case "not_found":
      return { status: "not_found" };
    case "conflict":
      return refused("already_in_force");
    case "refused":
      return refused(outcome.code);
  }
}

function refused(code: StatusRefusal): ActOutcome {
  const field =
    code === "account_required" ? "accountId" : code === "notice_needs_dispute" ? "validationNotice" : "kind";
  return {
    status: "refused",
    httpStatus: code === "account_required" || code === "notice_needs_dispute" ? 400 : 409,
    fieldErrors: { [field]: [`statuses:staff.errors.${code}`] },
  };
}
