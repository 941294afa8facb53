import type { Kysely } from "kysely";
import type { Database } from "../../db/schema";
import { startBorrowerSession } from "../../app/borrower/session.server";
import { insertAccount } from "./builders";

/**
 * A borrower signed in (verified) on a live link to a fresh account: the session cookie the portal's routes
 * read, and the session the services take. By default HK$5,000.00 owed, HK$1,234.00 overdue.
 */
export async function signedInBorrower(
  db: Kysely<Database>,
  overrides: Parameters<typeof insertAccount>[1] = {},
) {
  const account = await insertAccount(db, {
    balance_minor: 500_000,
    overdue_minor: 123_400,
    balance_as_of: new Date(Date.now() - 60_000),
    ...overrides,
  });
  const link = await db
    .insertInto("short_links")
    .values({
      code_hash: `h-${account.id}`,
      key_id: "d",
      borrower_id: account.borrower_id,
      account_id: account.id,
      expires_at: new Date(Date.now() + 86_400_000),
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  const cookie = await startBorrowerSession(db, {
    borrowerId: account.borrower_id,
    accountId: account.id,
    linkId: link.id,
  });
  const session = { id: "s", borrowerId: account.borrower_id, accountId: account.id, linkId: link.id };
  return { account, cookie, session };
}
