import { sql, type Kysely } from "kysely";

/**
 * A validation notice sent by email (docs/product-rules.md §4.23): what became of the email is recorded on
 * the notice itself: `email_status` (queued, sending, sent, failed, skipped), why it was skipped or failed,
 * the provider and its message id, and when it went. Null for a letter and for notices recorded before.
 * Only nullable columns: the previous release's inserts leave them out, and none of the paths every deploy
 * depends on (planner, overview, payment credit, staff borrower page) reads them.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table validation_notices
    add column email_status text check (email_status in ('queued', 'sending', 'sent', 'failed', 'skipped')),
    add column email_reason text check (char_length(email_reason) <= 50),
    add column email_provider text check (email_provider in ('smtp', 'mailbox')),
    add column email_provider_message_id text check (char_length(email_provider_message_id) <= 500),
    add column emailed_at timestamptz`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table validation_notices
    drop column emailed_at,
    drop column email_provider_message_id,
    drop column email_provider,
    drop column email_reason,
    drop column email_status`.execute(db);
}
