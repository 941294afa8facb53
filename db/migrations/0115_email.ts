import { sql, type Kysely } from "kysely";

/**
 * Email as a channel (issue #18 item 4, app/engine/email-send.server.ts):
 * - `emails`: one row per `email:send` decision (unique), with what became of it: sent, failed, or
 *   skipped by the send-time re-check (and why). No body: the text is rendered at send time and only the
 *   development mailbox keeps a copy.
 * - `mailbox_emails`: the development mailbox's copy of each email "sent" without SMTP (/dev/mailbox).
 * - `email_suppressions`: addresses (normalised: trimmed, lower-case) that hard-bounced or complained;
 *   never sent to again, whichever borrower holds them.
 * - `contact_preferences.email_opted_out_at`: when the borrower unsubscribed from email.
 * Safe while the previous release serves: it never reads or writes these.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table emails (
    id uuid primary key,
    decision_id bigint not null unique,
    borrower_id uuid not null references borrowers (id),
    account_id uuid not null references accounts (id),
    to_address text check (to_address is null or char_length(to_address) <= 254),
    stage text,
    template_key text,
    locale text check (locale is null or locale in ('zh-HK', 'zh-CN', 'en')),
    status text not null check (status in ('sending', 'sent', 'failed', 'skipped')),
    reason text check (reason is null or char_length(reason) <= 60),
    provider text check (provider is null or provider in ('smtp', 'mailbox')),
    provider_message_id text,
    created_at timestamptz not null default now(),
    sent_at timestamptz
  )`.execute(db);
  await sql`create index emails_borrower_created on emails (borrower_id, created_at)`.execute(db);
  await sql`create table mailbox_emails (
    email_id uuid primary key references emails (id) on delete cascade,
    to_address text not null,
    subject text not null,
    text_body text not null,
    html_body text not null,
    headers jsonb not null check (jsonb_typeof(headers) = 'object'),
    recorded_at timestamptz not null default now()
  )`.execute(db);
  await sql`create table email_suppressions (
    address text primary key check (address = lower(btrim(address)) and address like '%_@_%'),
    reason text not null check (reason in ('hard_bounce', 'complaint')),
    suppressed_at timestamptz not null,
    event_id text check (event_id is null or char_length(event_id) <= 200)
  )`.execute(db);
  await sql`alter table contact_preferences add column email_opted_out_at timestamptz`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table contact_preferences drop column email_opted_out_at`.execute(db);
  await sql`drop table email_suppressions`.execute(db);
  await sql`drop table mailbox_emails`.execute(db);
  await sql`drop table emails`.execute(db);
}
