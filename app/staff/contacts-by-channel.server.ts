import { sql, type Kysely } from "kysely";
import type { CallOutcome, Database, VisitOutcome } from "../../db/schema";
import type { OutcomeFilters } from "./outcome-filters";
import { outcomeScope, type Scope } from "./outcomes.server";

/**
 * Contacts by channel and outcome (issue #18 item 5; docs/outcomes.md "Contacts by channel"), over the
 * outcome analytics' period and scope, in one set-based query. Each contact belongs to the period by its
 * own time, and its outcome is read as it stands now:
 * - texts: outbound SMS sent in the period; delivered, undelivered or failed (the provider's last status;
 *   a text that failed before it reached the provider counts by its scheduled time), opened (its link);
 * - emails: sent in the period; failed (the SMTP server refused it, by its creation time); bounced or
 *   complained (its address was suppressed by a hard bounce or a complaint after it was sent, and no later
 *   email to that address was sent before: the webhook names an address, not an email); unsubscribed
 *   (the borrower used its unsubscribe link);
 * - calls: call attempts logged in the period, by outcome;
 * - visits: visit tasks opened in the period, those done or cancelled in it, and the visits agents recorded
 *   in it (visit_attempts), by outcome.
 */
const CALL_OUTCOMES_SHOWN = [
  "no_answer",
  "right_party_contact",
  "promise_made",
  "wrong_number",
  "refused",
  "callback_requested",
] as const satisfies readonly CallOutcome[];

const VISIT_OUTCOMES = [
  "met",
  "not_home",
  "refused",
  "moved",
  "promise_made",
] as const satisfies readonly VisitOutcome[];

export interface ChannelContacts {
  sms: { sent: number; delivered: number; undelivered: number; opened: number };
  email: { sent: number; failed: number; bounced: number; complained: number; unsubscribed: number };
  /** Every logged call; `other` is the outcomes older records carry (connected, busy, voicemail). */
  calls: { total: number; other: number } & Record<(typeof CALL_OUTCOMES_SHOWN)[number], number>;
  visits: { opened: number; done: number; cancelled: number } & Record<
    (typeof VISIT_OUTCOMES)[number],
    number
  >;
}

type Row = {
  sms_sent: number;
  sms_delivered: number;
  sms_undelivered: number;
  sms_opened: number;
  email_sent: number;
  email_failed: number;
  email_bounced: number;
  email_complained: number;
  email_unsubscribed: number;
  calls: Record<string, number> | null;
  visit_outcomes: Record<string, number> | null;
  visits_opened: number;
  visits_done: number;
  visits_cancelled: number;
};

function queryContacts({ db, lo, hi, ctes }: Scope) {
  return sql<Row>`
    with ${ctes},
    texts as (
      select m.sent_at, m.status,
        exists (select 1 from short_links l where l.message_id = m.id and l.first_opened_at is not null) as opened
      from messages m join scope s on s.id = m.account_id
      where m.direction = 'outbound' and m.channel = 'sms'
        and ((m.sent_at >= ${lo} and m.sent_at < ${hi})
          or (m.sent_at is null and m.status = 'failed' and m.scheduled_for >= ${lo} and m.scheduled_for < ${hi}))
    ),
    sent_emails as (
      select e.id, e.borrower_id, e.sent_at, lower(btrim(e.to_address)) as address
      from emails e join scope s on s.id = e.account_id
      where e.status = 'sent' and e.sent_at >= ${lo} and e.sent_at < ${hi}
    ),
    email_outcomes as (
      select x.reason, count(*)::int as n
      from sent_emails e
      join email_suppressions x on x.address = e.address and x.suppressed_at >= e.sent_at
      where not exists (
        select 1 from emails later
        where lower(btrim(later.to_address)) = e.address and later.status = 'sent'
          and later.sent_at > e.sent_at and later.sent_at <= x.suppressed_at
      )
      group by x.reason
    ),
    calls as (
      select c.outcome, count(*)::int as n
      from call_attempts c join scope s on s.id = c.account_id
      where c.occurred_at >= ${lo} and c.occurred_at < ${hi}
      group by c.outcome
    ),
    visit_outcomes as (
      select v.outcome, count(*)::int as n
      from visit_attempts v join scope s on s.id = v.account_id
      where v.occurred_at >= ${lo} and v.occurred_at < ${hi}
      group by v.outcome
    ),
    visits as (
      select t.status, t.created_at, t.resolved_at
      from tasks t join scope s on s.id = t.account_id
      where t.kind = 'visit'
        and ((t.created_at >= ${lo} and t.created_at < ${hi}) or (t.resolved_at >= ${lo} and t.resolved_at < ${hi}))
    )
    select
      (select count(*) from texts where sent_at is not null)::int as sms_sent,
      (select count(*) from texts where status = 'delivered')::int as sms_delivered,
      (select count(*) from texts where status in ('undelivered', 'failed'))::int as sms_undelivered,
      (select count(*) from texts where opened)::int as sms_opened,
      (select count(*) from sent_emails)::int as email_sent,
      (select count(*) from emails e join scope s on s.id = e.account_id
        where e.status = 'failed' and e.created_at >= ${lo} and e.created_at < ${hi})::int as email_failed,
      coalesce((select n from email_outcomes where reason = 'hard_bounce'), 0) as email_bounced,
      coalesce((select n from email_outcomes where reason = 'complaint'), 0) as email_complained,
      (select count(*) from sent_emails e where exists (
        select 1 from audit_events a
        where a.borrower_id = e.borrower_id and a.action = 'email.unsubscribed' and a.detail->>'emailId' = e.id::text
      ))::int as email_unsubscribed,
      (select jsonb_object_agg(outcome, n) from calls) as calls,
      (select jsonb_object_agg(outcome, n) from visit_outcomes) as visit_outcomes,
      (select count(*) from visits where created_at >= ${lo} and created_at < ${hi})::int as visits_opened,
      (select count(*) from visits where status = 'done' and resolved_at >= ${lo} and resolved_at < ${hi})::int as visits_done,
      (select count(*) from visits where status = 'cancelled' and resolved_at >= ${lo} and resolved_at < ${hi})::int as visits_cancelled
  `.execute(db);
}

/** The contacts by channel for the outcome filters (the same period and scope as every outcome figure). */
export async function loadChannelContacts(
  db: Kysely<Database>,
  filters: OutcomeFilters,
  opts: { timeZone: string },
): Promise<ChannelContacts> {
  const r = (await queryContacts(outcomeScope(db, filters, opts.timeZone))).rows[0]!;
  const calls = r.calls ?? {};
  const total = Object.values(calls).reduce((sum, n) => sum + n, 0);
  const shown = Object.fromEntries(CALL_OUTCOMES_SHOWN.map((o) => [o, calls[o] ?? 0])) as Record<
    (typeof CALL_OUTCOMES_SHOWN)[number],
    number
  >;
  const other = total - Object.values(shown).reduce((sum, n) => sum + n, 0);
  return {
    sms: {
      sent: r.sms_sent,
      delivered: r.sms_delivered,
      undelivered: r.sms_undelivered,
      opened: r.sms_opened,
    },
    email: {
      sent: r.email_sent,
      failed: r.email_failed,
      bounced: r.email_bounced,
      complained: r.email_complained,
      unsubscribed: r.email_unsubscribed,
    },
    calls: { total, ...shown, other },
    visits: {
      opened: r.visits_opened,
      done: r.visits_done,
      cancelled: r.visits_cancelled,
      ...(Object.fromEntries(VISIT_OUTCOMES.map((o) => [o, r.visit_outcomes?.[o] ?? 0])) as Record<
        (typeof VISIT_OUTCOMES)[number],
        number
      >),
    },
  };
}
