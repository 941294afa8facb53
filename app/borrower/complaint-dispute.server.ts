import type { Transaction } from "kysely";
import type { Database } from "../../db/schema";
import { OPEN_CASE_STATES } from "../domain/case-lifecycle";

/**
 * The account's dispute flag as complaints hold it (docs/product-rules.md §8.13, "The dispute flag"). A
 * complaint disputing the amount sets the flag, or joins it when another open complaint set it; it records
 * the flag's value (`complaints.dispute_flag_at`). A flag staff set by hand is theirs: a complaint filed
 * under it holds nothing, and resolving the complaint leaves it. Resolving clears the flag only while the
 * account still carries that same value (staff did not clear and set it again since), no other open
 * complaint about the account disputes the amount, and no dispute status (§4.18) is in force on it; the
 * status itself is never touched here.
 */
type Trx = Transaction<Database>;

interface Subject {
  borrowerId: string;
  accountId: string;
  complaintId: string;
  now: Date;
}

/** Sets or joins the account's dispute flag for this complaint; returns the flag's value the complaint holds. */
export async function holdDisputeFlag(trx: Trx, s: Subject): Promise<Date | null> {
  const account = await trx
    .selectFrom("accounts")
    .select("dispute_at")
    .where("id", "=", s.accountId)
    .where("borrower_id", "=", s.borrowerId)
    .forUpdate()
    .executeTakeFirstOrThrow();
  let held: Date | null = null;
  if (account.dispute_at === null) {
    await trx
      .updateTable("accounts")
      .set({ dispute_at: s.now, updated_at: s.now })
      .where("id", "=", s.accountId)
      .execute();
    held = s.now;
  } else if (await heldByAnother(trx, s, account.dispute_at)) held = account.dispute_at;
  if (held)
    await trx
      .updateTable("complaints")
      .set({ dispute_flag_at: held })
      .where("id", "=", s.complaintId)
      .execute();
  return held;
}

/** Another open complaint about the account holds this flag (or disputes the amount, from before 0170). */
async function heldByAnother(trx: Trx, s: Subject, flag: Date): Promise<boolean> {
  const other = await trx
    .selectFrom("complaints")
    .select("id")
    .where("account_id", "=", s.accountId)
    .where("id", "!=", s.complaintId)
    .where("status", "in", [...OPEN_CASE_STATES])
    .where((eb) => eb.or([eb("dispute_flag_at", "=", flag), eb("category", "=", "amount_disputed")]))
    .limit(1)
    .executeTakeFirst();
  return other !== undefined;
}

export type DisputeRelease =
  | { status: "cleared"; accountId: string }
  | { status: "kept"; accountId: string; by: "complaint" | "dispute_status" | "changed_since" }
  | { status: "none" };

/** The resolved complaint lets go of the dispute flag it set or joined; clears it when nothing else holds it. */
export async function releaseDisputeFlag(trx: Trx, complaintId: string, now: Date): Promise<DisputeRelease> {
  const c = await trx
    .selectFrom("complaints")
    .select(["borrower_id", "account_id", "dispute_flag_at"])
    .where("id", "=", complaintId)
    .executeTakeFirstOrThrow();
  if (!c.dispute_flag_at || !c.account_id) return { status: "none" };
  const s = { borrowerId: c.borrower_id, accountId: c.account_id, complaintId, now };
  const account = await trx
    .selectFrom("accounts")
    .select("dispute_at")
    .where("id", "=", s.accountId)
    .forUpdate()
    .executeTakeFirstOrThrow();
  const kept = (by: "complaint" | "dispute_status" | "changed_since") =>
    ({ status: "kept", accountId: s.accountId, by }) as const;
  if (account.dispute_at?.getTime() !== c.dispute_flag_at.getTime()) return kept("changed_since");
  if (await heldByAnother(trx, s, c.dispute_flag_at)) return kept("complaint");
  if (await disputeStatusInForce(trx, s)) return kept("dispute_status");
  await trx
    .updateTable("accounts")
    .set({ dispute_at: null, updated_at: now })
    .where("id", "=", s.accountId)
    .execute();
  return { status: "cleared", accountId: s.accountId };
}

async function disputeStatusInForce(trx: Trx, s: Subject): Promise<boolean> {
  const row = await trx
    .selectFrom("account_statuses")
    .select("id")
    .where("account_id", "=", s.accountId)
    .where("kind", "=", "dispute")
    .where("starts_at", "<=", s.now)
    .where((eb) => eb.or([eb("ended_at", "is", null), eb("ended_at", ">", s.now)]))
    .where((eb) => eb.or([eb("ends_at", "is", null), eb("ends_at", ">", s.now)]))
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
