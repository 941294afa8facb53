import { DateTime } from "luxon";
import { sql, type Kysely } from "kysely";
import type { Database } from "../../db/schema";
import { escapeLike } from "./search-query";
import { formatStaffDateTime } from "./format";

export const AUDIT_PAGE_SIZE = 50;

export interface AuditFilter {
  borrowerId?: string;
  /** Prefix, e.g. "staff." or "staff.viewed_borrower". */
  action?: string;
  /** YYYY-MM-DD, inclusive, in the console's time zone. */
  from?: string;
  to?: string;
  /** Keyset pagination: only rows with a smaller id. */
  before?: number;
}

export interface AuditRowView {
  id: number;
  when: string;
  actorType: string;
  actor: string | null;
  action: string;
  subject: string;
  borrowerId: string | null;
  borrowerName: string | null;
  detail: string;
}

/** The audit log, newest first, filtered and paged by id (stable while new rows arrive). */
export async function listAuditEvents(
  db: Kysely<Database>,
  filter: AuditFilter,
  opts: { locale: string; timeZone: string },
): Promise<{ rows: AuditRowView[]; nextBefore: number | null }> {
  let query = db
    .selectFrom("audit_events as e")
    .leftJoin("borrowers as b", "b.id", "e.borrower_id")
    // actor_id is text (staff, borrower or API key ids alike), so the join compares as text.
    .leftJoin("staff_users as s", (join) =>
      join.on(sql<boolean>`s.id::text = e.actor_id and e.actor_type = 'staff'`),
    )
    .select([
      "e.id",
      "e.occurred_at",
      "e.actor_type",
      "e.actor_id",
      "e.action",
      "e.subject_type",
      "e.subject_id",
      "e.borrower_id",
      "e.detail",
      "b.full_name",
      "s.email as staff_email",
    ]);
  if (filter.borrowerId) query = query.where("e.borrower_id", "=", filter.borrowerId);
  if (filter.action)
    query = query.where(sql<boolean>`e.action like ${`${escapeLike(filter.action)}%`} escape '\\'`);
  if (filter.from) query = query.where("e.occurred_at", ">=", startOfDay(filter.from, opts.timeZone));
  if (filter.to) query = query.where("e.occurred_at", "<", startOfDay(filter.to, opts.timeZone, 1));
  if (filter.before) query = query.where("e.id", "<", filter.before);

  const rows = await query
    .orderBy("e.id", "desc")
    .limit(AUDIT_PAGE_SIZE + 1)
    .execute();
  const page = rows.slice(0, AUDIT_PAGE_SIZE);
  return {
    nextBefore: rows.length > AUDIT_PAGE_SIZE ? (page.at(-1)?.id ?? null) : null,
    rows: page.map((r) => ({
      id: r.id,
      when: formatStaffDateTime(r.occurred_at, opts.locale, opts.timeZone),
      actorType: r.actor_type,
      actor: r.staff_email ?? r.actor_id,
      action: r.action,
      subject: r.subject_id ? `${r.subject_type} ${r.subject_id}` : r.subject_type,
      borrowerId: r.borrower_id,
      borrowerName: r.full_name,
      detail: JSON.stringify(r.detail),
    })),
  };
}

function startOfDay(isoDate: string, zone: string, plusDays = 0): Date {
  return DateTime.fromISO(isoDate, { zone }).startOf("day").plus({ days: plusDays }).toJSDate();
}
