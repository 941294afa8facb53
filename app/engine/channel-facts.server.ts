import { sql, type Kysely } from "kysely";
import type { Database } from "../../db/schema";
import type { LoggedCall } from "../domain/call-constraints";
import type { ChannelFacts } from "../domain/contact-decision";
import type { Interval } from "../domain/visit-slot";

/**
 * What the schedule reads about channels beyond SMS for a page of accounts (docs/product-rules.md §4.15),
 * in six set-based queries: logged calls, the latest texts' delivery, reminders since the last open,
 * open reviews of inbound replies, the latest email decision per account, and the borrowers' booked
 * appointments (a visit's proposed slot keeps clear of them, §4.19).
 */
const CALL_HISTORY_DAYS = 8; // the widest call cap (7 days) plus a day for zone offsets
/** Texts read per borrower for the undelivered streak; a policy cannot ask for more (contact-policy.ts). */
const DELIVERY_WINDOW = 20;

export async function readChannelFacts(
  db: Kysely<Database>,
  accountIds: string[],
  borrowerIds: string[],
  now: Date,
) {
  const since = new Date(now.getTime() - CALL_HISTORY_DAYS * 86_400_000);
  const [calls, deliveries, ignored, held, emails, booked] = await Promise.all([
    db
      .selectFrom("call_attempts")
      .select(["borrower_id", "occurred_at", "outcome"])
      .where("borrower_id", "=", anyUuid(borrowerIds))
      .where("occurred_at", ">", since)
      .execute(),
    sql<{ borrower_id: string; statuses: string[] }>`
      select b.id as borrower_id, array(
        select m.status from messages m
         where m.borrower_id = b.id and m.direction = 'outbound' and m.channel = 'sms'
           and m.status in ('sent', 'delivered', 'undelivered', 'failed')
         order by m.created_at desc limit ${DELIVERY_WINDOW}) as statuses
        from unnest(${borrowerIds}::uuid[]) as b(id)`.execute(db),
    sql<{ account_id: string; n: number }>`
      select a.id as account_id, (
        select count(*)::int from messages m
         where m.account_id = a.id and m.direction = 'outbound' and m.stage is not null
           and m.status in ('sent', 'delivered')
           and m.created_at > coalesce((select max(l.last_opened_at) from short_links l where l.account_id = a.id), '-infinity')
      ) as n
        from unnest(${accountIds}::uuid[]) as a(id)`.execute(db),
    db
      .selectFrom("tasks")
      .select("borrower_id")
      .distinct()
      .where("borrower_id", "=", anyUuid(borrowerIds))
      .where("kind", "=", "inbound_review")
      .where("status", "=", "open")
      .execute(),
    db
      .selectFrom("contact_decisions")
      .select(["account_id", sql<Date>`max(last_decided_at)`.as("at")])
      .where("account_id", "=", anyUuid(accountIds))
      .where("action", "=", "send")
      .where("channel", "=", "email")
      .groupBy("account_id")
      .execute(),
    db
      .selectFrom("tasks")
      .select(["borrower_id", "slot_start", "slot_end"])
      .where("borrower_id", "=", anyUuid(borrowerIds))
      .where("status", "=", "open")
      .where("slot_start", ">", now)
      .execute(),
  ]);
  const bookedBy = new Map<string, Interval[]>();
  for (const b of booked) {
    const list = bookedBy.get(b.borrower_id) ?? [];
    // A booking without an end holds its hour.
    list.push({ start: b.slot_start!, end: b.slot_end ?? new Date(b.slot_start!.getTime() + 3_600_000) });
    bookedBy.set(b.borrower_id, list);
  }
  const callsBy = new Map<string, LoggedCall[]>();
  for (const c of calls) {
    const list = callsBy.get(c.borrower_id) ?? [];
    list.push({ at: c.occurred_at, outcome: c.outcome });
    callsBy.set(c.borrower_id, list);
  }
  return {
    callsBy,
    undeliveredBy: new Map(deliveries.rows.map((r) => [r.borrower_id, undeliveredStreak(r.statuses)])),
    ignoredBy: new Map(ignored.rows.map((r) => [r.account_id, Number(r.n)])),
    heldBorrowers: new Set(held.map((h) => h.borrower_id)),
    lastEmailBy: new Map(emails.map((e) => [e.account_id, e.at])),
    bookedBy,
  };
}

type ChannelRelated = Awaited<ReturnType<typeof readChannelFacts>>;

/** The latest texts in a row that never arrived (newest first). */
function undeliveredStreak(statuses: readonly string[]): number {
  const firstArrived = statuses.findIndex((s) => s !== "undelivered" && s !== "failed");
  return firstArrived === -1 ? statuses.length : firstArrived;
}

export function channelFactsFor(
  row: {
    id: string;
    borrower_id: string;
    email: string | null;
    phone_allowed: boolean | null;
    email_allowed: boolean | null;
    visit_allowed: boolean | null;
    /** Erased at the borrower's request (docs/product-rules.md §10.12): no channel is open, a visit neither. */
    erased: boolean;
    /** An address is held and no visit found the borrower moved (§4.19). */
    has_address: boolean;
  },
  related: ChannelRelated,
): ChannelFacts {
  return {
    phoneAllowed: !row.erased && (row.phone_allowed ?? true),
    emailAllowed: !row.erased && (row.email_allowed ?? true),
    hasEmail: row.email !== null && row.email !== "",
    visitAllowed: !row.erased && (row.visit_allowed ?? true),
    hasAddress: row.has_address,
    undeliveredTexts: related.undeliveredBy.get(row.borrower_id) ?? 0,
    ignoredReminders: related.ignoredBy.get(row.id) ?? 0,
    smsHeldForReview: related.heldBorrowers.has(row.borrower_id),
    calls: related.callsBy.get(row.borrower_id) ?? [],
    lastEmailAt: related.lastEmailBy.get(row.id) ?? null,
  };
}

function anyUuid(ids: readonly string[]) {
  return sql<string>`any(${ids}::uuid[])`;
}
