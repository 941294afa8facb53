import { sql, type Kysely } from "kysely";
import type { Database } from "../../db/schema";
import type { StatusRecord } from "../domain/account-statuses";

/**
 * The account statuses in force at `now` for these borrowers (docs/product-rules.md §4.18), in one
 * query, grouped by borrower: the planner's page, the portal's overview and the staff page read them.
 */
export async function readStatusesInForce(
  db: Kysely<Database>,
  borrowerIds: readonly string[],
  now: Date,
): Promise<Map<string, StatusRecord[]>> {
  const byBorrower = new Map<string, StatusRecord[]>();
  if (borrowerIds.length === 0) return byBorrower;
  const rows = await db
    .selectFrom("account_statuses")
    .select(["borrower_id", "account_id", "kind", "starts_at", "ends_at", "ended_at"])
    // One array parameter, as the planner's other reads do, however large the page.
    .where("borrower_id", "=", sql<string>`any(${[...borrowerIds]}::uuid[])`)
    .where("starts_at", "<=", now)
    .where((eb) => eb.or([eb("ended_at", "is", null), eb("ended_at", ">", now)]))
    .where((eb) => eb.or([eb("ends_at", "is", null), eb("ends_at", ">", now)]))
    .execute();
  for (const r of rows) {
    const list = byBorrower.get(r.borrower_id) ?? [];
    list.push({
      kind: r.kind,
      accountId: r.account_id,
      startsAt: r.starts_at,
      endsAt: r.ends_at,
      endedAt: r.ended_at,
    });
    byBorrower.set(r.borrower_id, list);
  }
  return byBorrower;
}
