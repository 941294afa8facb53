import type { Transaction } from "kysely";
import type { Database } from "../../db/schema";
import { callBlocker, callConstraintsFor, type CallBlocker } from "../domain/call-constraints";
import { sendConstraintsFor } from "../domain/send-constraints";
import { activeContactPolicy } from "../engine/planner.server";

/**
 * Would the schedule forbid a call to this borrower now (docs/product-rules.md §4.16)? The same pure rule
 * the planner dates call decisions with, over the same call log, so an agent logging a call past a cap or
 * outside the window is warned with the cap's name. Read inside the logging transaction, after locking
 * the borrower's row, so two agents logging at once cannot both slip under a cap.
 */
export async function callBlockerNow(
  trx: Transaction<Database>,
  borrowerId: string,
  now: Date,
): Promise<CallBlocker | null> {
  const borrower = await trx
    .selectFrom("borrowers as b")
    .leftJoin("contact_preferences as p", "p.borrower_id", "b.id")
    .select(["b.time_zone", "b.jurisdiction", "p.window_start", "p.window_end"])
    .where("b.id", "=", borrowerId)
    .forUpdate("b")
    .executeTakeFirst();
  if (!borrower) return null;
  const since = new Date(now.getTime() - 8 * 86_400_000);
  const [calls, policy] = await Promise.all([
    trx
      .selectFrom("call_attempts")
      .select(["occurred_at as at", "outcome"])
      .where("borrower_id", "=", borrowerId)
      .where("occurred_at", ">", since)
      .execute(),
    activeContactPolicy(trx),
  ]);
  const limits = sendConstraintsFor(
    {
      borrower: { timeZone: borrower.time_zone, jurisdiction: borrower.jurisdiction },
      preferences: { windowStart: borrower.window_start, windowEnd: borrower.window_end },
      history: { accountSmsSentAt: [], borrowerSmsSentAt: [] },
    },
    policy,
  );
  const constraints = callConstraintsFor(
    { zone: limits.zone, window: limits.window, jurisdiction: borrower.jurisdiction, calls },
    policy,
  );
  return callBlocker(now.getTime(), constraints);
}
