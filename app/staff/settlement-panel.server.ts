import type { Kysely } from "kysely";
import type { Database } from "../../db/schema";
import { appendAudit } from "../platform/audit.server";
import { settlementPanel } from "./settlements.server";
import type { StaffIdentity } from "./session.server";

/** The settlement panel of a borrower (docs/product-rules.md §7.10); each view audited as a borrower view. */
export async function loadSettlementPanel(
  db: Kysely<Database>,
  input: { borrowerId: string; staff: StaffIdentity; now?: Date },
) {
  const borrower = await db
    .selectFrom("borrowers")
    .select(["id", "full_name"])
    .where("id", "=", input.borrowerId)
    .executeTakeFirst();
  if (!borrower) return null;
  await appendAudit(
    db,
    {
      actorType: "staff",
      actorId: input.staff.id,
      action: "staff.viewed_borrower",
      subjectType: "borrower",
      subjectId: borrower.id,
      borrowerId: borrower.id,
      detail: { role: input.staff.role, via: "settlements" },
    },
    input.now ?? new Date(),
  );
  const [accounts, settlements] = await Promise.all([
    db
      .selectFrom("accounts")
      .select(["id", "external_ref", "last4", "currency", "dpd"])
      .where("borrower_id", "=", borrower.id)
      .orderBy("external_ref")
      .execute(),
    settlementPanel(db, borrower.id),
  ]);
  return {
    borrower: { id: borrower.id, name: borrower.full_name },
    accounts: accounts.map((a) => ({ id: a.id, ref: a.external_ref, last4: a.last4, dpd: a.dpd })),
    settlements: settlements.map((s) => ({
      ...s,
      expiresAt: s.expiresAt.toISOString(),
      acceptedAt: s.acceptedAt?.toISOString() ?? null,
      paidAt: s.paidAt?.toISOString() ?? null,
      mine: s.proposedByStaffId === input.staff.id,
    })),
  };
}
