import type { Kysely } from "kysely";
import type { Database } from "../../db/schema";
import { optOutOfSms, reportWrongNumber } from "../../app/engine/feedback.server";

/** Applies a borrower event to a demo account through the real feedback functions. */
export async function applyFeedbackForTest(
  db: Kysely<Database>,
  accountRef: string,
  event: "wrong_number" | "opt_out",
) {
  const account = await db
    .selectFrom("accounts")
    .select(["id", "borrower_id"])
    .where("external_ref", "=", accountRef)
    .executeTakeFirstOrThrow();
  const source = { actor: "borrower" as const, via: "test" };
  await db
    .transaction()
    .execute((trx) =>
      event === "wrong_number"
        ? reportWrongNumber(trx, { accountId: account.id, source })
        : optOutOfSms(trx, { borrowerId: account.borrower_id, source }),
    );
}
