import { sql, type Kysely } from "kysely";

/**
 * Cases that move on their own (docs/product-rules.md §8.13, "Replies and the dispute flag").
 *
 * - `case_events` gains `borrower_reply`: the borrower answered a case that was waiting for them (a text
 *   reply, a new complaint or hardship report), written by the system, so `staff_user_id` may be null for
 *   that kind only. `reply_via` says what came in and `reply_ref` which row holds it (the message, the
 *   complaint, the report); the borrower's own words stay there, never copied into the history.
 * - `complaints.dispute_flag_at`: the account's `dispute_at` this complaint set or joined (null when it
 *   disputes nothing, or the flag was already staff's). Resolving the complaint clears the flag only while
 *   the account still holds that same value and no other open complaint holds it.
 *
 * Safe while the previous version serves: new nullable columns; the old code writes only staff events
 * (which still carry a staff member) and never reads the new columns.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table case_events alter column staff_user_id drop not null,
    add column reply_via text check (reply_via in ('sms', 'complaint', 'hardship_report')),
    add column reply_ref uuid,
    drop constraint case_events_kind_check,
    add constraint case_events_kind_valid
      check (kind in ('transition', 'note', 'pause_granted', 'borrower_reply')),
    add constraint case_events_reply_has_source
      check (kind <> 'borrower_reply' or (reply_via is not null and from_status is not null
        and to_status is not null)),
    add constraint case_events_staff_unless_reply
      check (kind = 'borrower_reply' or staff_user_id is not null)`.execute(db);
  await sql`alter table complaints add column dispute_flag_at timestamptz`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table complaints drop column dispute_flag_at`.execute(db);
  await sql`delete from case_events where kind = 'borrower_reply'`.execute(db);
  await sql`alter table case_events drop constraint case_events_staff_unless_reply,
    drop constraint case_events_reply_has_source, drop constraint case_events_kind_valid,
    add constraint case_events_kind_check check (kind in ('transition', 'note', 'pause_granted')),
    drop column reply_ref, drop column reply_via,
    alter column staff_user_id set not null`.execute(db);
}
