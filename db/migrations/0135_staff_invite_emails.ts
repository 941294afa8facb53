import { sql, type Kysely } from "kysely";

/**
 * Staff invitations by email (issue #18 item 5; docs/product-rules.md §8.17):
 * - `staff_invites.token_sealed`: the set-up link's token, sealed (AES-256-GCM under TOTP_ENCRYPTION_KEY,
 *   bound to the invite) from the invitation until the `staff:invite-email` job has sent it, then dropped:
 *   the job queue carries only the invite's id, and no copy of the database holds a live link for longer.
 * - `staff_invites.email_locale`: the language the email is written in; `emailed_at`: when it went.
 * - `mailbox_emails` keeps a copy of staff emails too (the development mailbox): its row no longer has to
 *   be a borrower's `emails` row, so the foreign key goes, and the row names its own template and language.
 * Safe while the previous release serves: new nullable columns, and a dropped constraint it never relied on
 * (it only inserts mailbox rows for `emails` it has just written).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table staff_invites
    add column token_sealed bytea,
    add column email_locale text check (email_locale is null or email_locale in ('zh-HK', 'zh-CN', 'en')),
    add column emailed_at timestamptz`.execute(db);
  await sql`alter table mailbox_emails drop constraint if exists mailbox_emails_email_id_fkey`.execute(db);
  await sql`alter table mailbox_emails
    add column template_key text check (template_key is null or char_length(template_key) <= 60),
    add column locale text check (locale is null or locale in ('zh-HK', 'zh-CN', 'en'))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`delete from mailbox_emails m where not exists (select 1 from emails e where e.id = m.email_id)`.execute(
    db,
  );
  await sql`alter table mailbox_emails drop column template_key, drop column locale`.execute(db);
  await sql`alter table mailbox_emails add constraint mailbox_emails_email_id_fkey
    foreign key (email_id) references emails (id) on delete cascade`.execute(db);
  await sql`alter table staff_invites drop column token_sealed, drop column email_locale, drop column emailed_at`.execute(
    db,
  );
}
