import type { Kysely } from "kysely";
import type { Database } from "../../db/schema";
import { appendAudit } from "../platform/audit.server";
import type { BalanceUpdate } from "./account-record.server";
import { applyBalanceUpdate, type BalanceUpdateResult } from "./account-sync.server";

/** A balance update from the bank, with its audit row, in one transaction. */
export async function updateAccountBalance(
  db: Kysely<Database>,
  input: { accountRef: string; update: BalanceUpdate; receivedAt: Date; apiKeyPrefix: string },
): Promise<BalanceUpdateResult> {
  return db.transaction().execute(async (trx) => {
    const outcome = await applyBalanceUpdate(trx, input.accountRef, input.update, input.receivedAt);
    if (outcome.result === "updated") {
      await appendAudit(trx, {
        actorType: "api",
        actorId: input.apiKeyPrefix,
        action: "bank.balance_updated",
        subjectType: "account",
        subjectId: outcome.accountId,
        borrowerId: outcome.borrowerId,
        detail: {
          balanceAsOf: outcome.balanceAsOf.toISOString(),
          paymentsConfirmed: outcome.paymentsConfirmed,
        },
      });
    }
    return outcome;
  });
}
