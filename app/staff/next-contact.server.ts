import type { Kysely } from "kysely";
import type { Database } from "../../db/schema";
import { loadAccountFacts } from "../engine/contact-inputs.server";
import { contactPolicies, decideFor } from "../engine/planner.server";

/**
 * "When will we next contact this borrower, and why?" for the top of the borrower page: what the planner
 * would decide for each account now, from the same facts and the same pure decision (decideFor over
 * loadAccountFacts and the active policy), so an agent's promise or opt-out shows at once, not at the next
 * run. `at` is when a due reminder goes or a deferred one may; null when nothing is planned.
 */
export interface NextContactLine {
  accountId: string;
  action: "send" | "defer" | "suppress";
  reason: string;
  /** The channel the decision is about (§4.15): the one it contacts, waits for, or found refused. */
  channel: string | null;
  at: Date | null;
}

export async function nextContacts(
  db: Kysely<Database>,
  accountIds: readonly string[],
  now: Date,
): Promise<NextContactLine[]> {
  if (!accountIds.length) return [];
  const [facts, policies] = await Promise.all([
    loadAccountFacts(db, { now, accountIds: [...accountIds] }),
    contactPolicies(db),
  ]);
  const byAccount = new Map(facts.map((f) => [f.accountId, f]));
  return accountIds.flatMap((accountId) => {
    const f = byAccount.get(accountId);
    if (!f) return [];
    const d = decideFor(f, policies.choose(accountId).policy);
    const at = d.action === "send" && "at" in d ? d.at : d.action === "defer" ? d.until : null;
    const channel = "channel" in d && d.channel ? d.channel : null;
    return [{ accountId, action: d.action, reason: d.reason, channel, at }];
  });
}
