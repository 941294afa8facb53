import { DateTime } from "luxon";
import { sql, type Kysely } from "kysely";
import { z } from "zod";
import type { Database } from "../../db/schema";
import { appendAudit } from "../platform/audit.server";
import { escapeLike } from "./search-query";
import { formatStaffDateTime } from "./format";

export const AUDIT_PAGE_SIZE = 50;

interface AuditFilter {
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
async function listAuditEvents(
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

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)));
// Unusable filter values are dropped (and shown as such) rather than failing the page.
const filterSchema = z.object({
  borrower: z.string().trim().uuid().optional().catch(undefined),
  action: z
    .string()
    .trim()
    .max(100)
    .regex(/^[a-z0-9_.]*$/i)
    .optional()
    .catch(undefined),
  from: isoDate.optional().catch(undefined),
  to: isoDate.optional().catch(undefined),
  before: z.coerce.number().int().positive().optional().catch(undefined),
});

/**
 * The audit viewer's page for the filters in its query string; looking at the log is itself audited (with
 * the filter, no personal data). Filter fields it could not use are named in `ignored`.
 */
export async function viewAuditLog(
  db: Kysely<Database>,
  opts: { staffId: string; query: URLSearchParams; locale: string; timeZone: string },
) {
  const raw = Object.fromEntries([...opts.query].filter(([, v]) => v !== ""));
  const f = filterSchema.parse(raw);
  const filter = {
    borrowerId: f.borrower,
    action: f.action || undefined,
    from: f.from,
    to: f.to,
    before: f.before,
  };
  const page = await listAuditEvents(db, filter, opts);
  await appendAudit(db, {
    actorType: "staff",
    actorId: opts.staffId,
    action: "staff.viewed_audit_log",
    subjectType: "audit_log",
    borrowerId: filter.borrowerId ?? null,
    detail: {
      filter: {
        action: filter.action ?? null,
        from: filter.from ?? null,
        to: filter.to ?? null,
        before: filter.before ?? null,
      },
    },
  });
  const ignored = Object.keys(raw).filter(
    (k) => k in filterSchema.shape && k !== "before" && f[k as keyof typeof f] === undefined,
  );
  return {
    filter: { borrower: f.borrower ?? "", action: f.action ?? "", from: f.from ?? "", to: f.to ?? "" },
    ignored,
    ...page,
  };
}

/** What the viewer's filter form shows back: the usable values, "" for the rest. */
export type AuditFilterValues = Awaited<ReturnType<typeof viewAuditLog>>["filter"];
