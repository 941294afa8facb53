import { sql, type Kysely } from "kysely";

/**
 * What a borrower writes when booking a call back or visit ("after 5pm, in
 * Cantonese, please") belongs on the agent's task, and is free text the
 * retention job must be able to clear, so it lives in its own column rather
 * than in the (append-only) audit log.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("tasks").addColumn("borrower_note", "text").execute();
  await db.schema
    .alterTable("tasks")
    .addCheckConstraint(
      "tasks_borrower_note_length",
      sql`borrower_note is null or char_length(borrower_note) between 1 and 500`,
    )
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("tasks").dropColumn("borrower_note").execute();
}
