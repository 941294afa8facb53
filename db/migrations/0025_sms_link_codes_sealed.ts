import { sql, type Kysely } from "kysely";

/**
 * Texts are stored with their link code masked (issue #17 item 4): the staff timeline showed every role the
 * borrower's live link, and a copy of the database yielded every live link. A queued text keeps its code
 * only sealed (AES-256-GCM under SMS_LINK_ENCRYPTION_KEY, app/messaging/sms-link-code.server.ts) until it
 * is sent; any status past `sending` drops it, whichever code path sets that status (the trigger), and the
 * check refuses a sealed code on any other row.
 *
 * outbox_texts is the development outbox provider's own record of what it "sent": it is the phone, so it
 * holds the text as sent, link included. Nothing else reads it; a real provider never writes it.
 *
 * Bodies already stored are masked here, except queued ones: their codes are sealed at start-up
 * (sealQueuedLinkCodes), which needs the key the database never sees. The outbox provider's past texts are
 * copied to its record first, so the dev outbox still shows them as sent.
 */
const CODE_IN_TEXT = "/r/[0-9A-Za-z]{16}";
const MASKED = "/r/••••••";

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table messages add column link_code_sealed bytea`.execute(db);
  await sql`alter table messages add constraint messages_link_code_only_until_sent
    check (link_code_sealed is null or status in ('queued', 'sending'))`.execute(db);
  await sql`create function messages_drop_link_code() returns trigger language plpgsql as $$
    begin
      new.link_code_sealed := null;
      return new;
    end $$`.execute(db);
  await sql`create trigger messages_drop_link_code before update of status on messages
    for each row when (new.link_code_sealed is not null and new.status not in ('queued', 'sending'))
    execute function messages_drop_link_code()`.execute(db);

  await sql`create table outbox_texts (
    message_id uuid primary key references messages (id) on delete cascade,
    body text not null constraint outbox_texts_body_length check (char_length(body) <= 10000),
    recorded_at timestamptz not null default now()
  )`.execute(db);
  await sql`insert into outbox_texts (message_id, body, recorded_at)
    select id, body, coalesce(sent_at, created_at) from messages
    where provider = 'outbox' and direction = 'outbound' and status not in ('queued', 'cancelled')`.execute(
    db,
  );
  await sql`update messages set body = regexp_replace(body, ${CODE_IN_TEXT}, ${MASKED}, 'g')
    where direction = 'outbound' and status <> 'queued' and body ~ ${CODE_IN_TEXT}`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table outbox_texts`.execute(db);
  await sql`drop trigger messages_drop_link_code on messages`.execute(db);
  await sql`drop function messages_drop_link_code()`.execute(db);
  await sql`alter table messages drop constraint messages_link_code_only_until_sent`.execute(db);
  await sql`alter table messages drop column link_code_sealed`.execute(db);
}
