import type { Kysely } from "kysely";
import type { Database } from "../../db/schema";

/** Expired or revoked sessions are useless and hold personal context: delete them. */
export async function pruneExpiredSessions(db: Kysely<Database>, now: Date) {
  return db.transaction().execute(async (trx) => {
    const borrower = await trx
      .deleteFrom("borrower_sessions")
      .where((eb) => eb.or([eb("expires_at", "<", now), eb("revoked_at", "is not", null)]))
      .executeTakeFirst();
    const staff = await trx
      .deleteFrom("staff_sessions")
      .where((eb) => eb.or([eb("expires_at", "<", now), eb("revoked_at", "is not", null)]))
      .executeTakeFirst();
    return { borrower: Number(borrower.numDeletedRows), staff: Number(staff.numDeletedRows) };
  });
}
