import type { Kysely } from "kysely";
import type { Database } from "../../db/schema";
import { appendAudit } from "../platform/audit.server";
import { listDataExports } from "./data-export.server";
import type { StaffIdentity } from "./session.server";

/**
 * The borrower's data page (docs/product-rules.md §10.12): who they are by reference only, whether they
 * have been erased, and the stored exports. Viewing it is viewing a borrower: audited.
 */
export async function loadDataRightsPage(
  db: Kysely<Database>,
  opts: { borrowerId: string; staff: StaffIdentity },
) {
  const borrower = await db
    .selectFrom("borrowers")
    .select(["id", "external_ref", "erased_at"])
    .where("id", "=", opts.borrowerId)
    .executeTakeFirst();
  if (!borrower) return null;
  await appendAudit(db, {
    actorType: "staff",
    actorId: opts.staff.id,
    action: "staff.viewed_data_rights",
    subjectType: "borrower",
    subjectId: borrower.id,
    borrowerId: borrower.id,
    detail: { role: opts.staff.role },
  });
  const exports = await listDataExports(db, borrower.id);
  return {
    borrowerId: borrower.id,
    externalRef: borrower.external_ref,
    erasedAt: borrower.erased_at?.toISOString() ?? null,
    exports: exports.map((e) => ({
      id: e.id,
      reason: e.reason,
      createdAt: e.created_at.toISOString(),
      by: e.display_name,
    })),
  };
}

/** Whether `typed` is the borrower's reference (the erasure's confirmation). */
export async function confirmsBorrower(db: Kysely<Database>, borrowerId: string, typed: string) {
  const row = await db
    .selectFrom("borrowers")
    .select("external_ref")
    .where("id", "=", borrowerId)
    .executeTakeFirst();
  return row !== undefined && row.external_ref === typed;
}
