import { sql, type Kysely } from "kysely";

/**
 * Staff act for the borrower from the console (issue #20 item 1):
 * - a plan an agent enters for the borrower stays the borrower's proposal (proposed_by = 'borrower', so
 *   the borrower is not asked to accept their own terms), and records who entered it; four-eyes holds
 *   for it as for counter-offers: whoever entered it never decides it.
 * - a payment link an agent texts carries the amount agreed on the call, kept here (never in the URL)
 *   and read by the pay page after the borrower verifies on that link.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("instalment_plans")
    .addColumn("entered_by_staff_id", "uuid", (c) => c.references("staff_users.id"))
    .execute();
  await db.schema
    .alterTable("instalment_plans")
    .addCheckConstraint(
      "instalment_plans_four_eyes_entered",
      sql`decided_by_staff_id is distinct from entered_by_staff_id or decided_by_staff_id is null`,
    )
    .execute();
  await db.schema.alterTable("short_links").addColumn("agreed_amount_minor", "bigint").execute();
  await db.schema
    .alterTable("short_links")
    .addCheckConstraint("short_links_agreed_amount_positive", sql`agreed_amount_minor > 0`)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("short_links").dropColumn("agreed_amount_minor").execute();
  await db.schema.alterTable("instalment_plans").dropColumn("entered_by_staff_id").execute();
}
