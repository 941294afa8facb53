import type { Kysely, Transaction } from "kysely";
import type { Database } from "../../db/schema";
import { appendAudit } from "../platform/audit.server";
import type { StaffIdentity } from "./session.server";

/**
 * A borrower's data export (docs/product-rules.md §10.12): everything Settle holds about one borrower, as
 * one JSON document, stored for RETENTION_EXPORTS_DAYS (the retention job deletes it) so staff can hand it
 * over. Credentials stay out: verification answers' hashes, link codes (only their hashes are held, and
 * those are listed), session tokens, sealed link codes. Starting an export, and every view or download of
 * one, is audited.
 */
type Db = Kysely<Database> | Transaction<Database>;

/** Every class of data the export holds, in order: the readable page shows one section per class. */
export const EXPORT_SECTIONS = [
  "borrower",
  "accounts",
  "contactPreferences",
  "consent",
  "messages",
  "links",
  "verifications",
  "sessions",
  "payments",
  "allocations",
  "plans",
  "instalments",
  "promises",
  "hardship",
  "complaints",
  "caseEvents",
  "tasks",
  "notes",
  "calls",
  "visits",
  "bankEvents",
  "auditEvents",
] as const;
type ExportSection = (typeof EXPORT_SECTIONS)[number];
export type BorrowerExport = { exportedAt: string; borrowerId: string } & Record<ExportSection, unknown[]>;

/** The borrower row without the verification answers' hashes: only whether each is held. */
function borrowerRow(db: Db, borrowerId: string) {
  return db
    .selectFrom("borrowers")
    .select(["id", "external_ref", "full_name", "phone_e164", "email", "locale", "time_zone", "jurisdiction"])
    .select(["phone_owner", "address_line1", "address_line2", "address_city", "address_region"])
    .select(["address_postal_code", "address_country", "address_stale_at"])
    .select(["created_at", "updated_at", "erased_at"])
    .select((eb) => [
      eb("dob_hash", "is not", null).as("has_date_of_birth"),
      eb("id_last4_hash", "is not", null).as("has_id_last4"),
    ])
    .where("id", "=", borrowerId)
    .executeTakeFirst();
}

/** One query per section, each scoped by the borrower (directly, or through their links, plans, payments). */
function sectionQueries(
  db: Db,
  borrowerId: string,
): Record<Exclude<ExportSection, "borrower">, () => Promise<unknown[]>> {
  const own = (table: keyof Database) =>
    db
      .selectFrom(table as "notes")
      .selectAll()
      .where("borrower_id", "=", borrowerId)
      .execute();
  const links = db.selectFrom("short_links").select("id").where("borrower_id", "=", borrowerId);
  const plans = db.selectFrom("instalment_plans").select("id").where("borrower_id", "=", borrowerId);
  const payments = db.selectFrom("payments").select("id").where("borrower_id", "=", borrowerId);
  return {
    accounts: () => own("accounts"),
    contactPreferences: () => own("contact_preferences"),
    consent: () => own("consent_events"),
    // The sealed link code is a credential until the send: left out.
    messages: async () =>
      (await db.selectFrom("messages").selectAll().where("borrower_id", "=", borrowerId).execute()).map(
        ({ link_code_sealed: _sealed, ...m }) => m,
      ),
    links: () =>
      db
        .selectFrom("short_links")
        .select(["id", "code_hash", "account_id", "message_id", "expires_at", "revoked_at", "revoked_reason"])
        .select(["open_count", "first_opened_at", "last_opened_at", "locked_until", "created_at"])
        .where("borrower_id", "=", borrowerId)
        .execute(),
    verifications: () =>
      db.selectFrom("verification_attempts").selectAll().where("link_id", "in", links).execute(),
    // A session's id is the hash of its cookie: left out.
    sessions: () =>
      db
        .selectFrom("borrower_sessions")
        .select(["account_id", "link_id", "created_at", "last_seen_at", "expires_at", "revoked_at"])
        .where("borrower_id", "=", borrowerId)
        .execute(),
    payments: () => own("payments"),
    allocations: () =>
      db.selectFrom("payment_allocations").selectAll().where("payment_id", "in", payments).execute(),
    plans: () => own("instalment_plans"),
    instalments: () => db.selectFrom("instalments").selectAll().where("plan_id", "in", plans).execute(),
    promises: () => own("promises_to_pay"),
    hardship: () => own("hardship_reports"),
    complaints: () => own("complaints"),
    caseEvents: () => own("case_events"),
    tasks: () => own("tasks"),
    notes: () => own("notes"),
    calls: () => own("call_attempts"),
    visits: () => own("visit_attempts"),
    bankEvents: () => own("bank_events"),
    auditEvents: () =>
      db
        .selectFrom("audit_events")
        .select([
          "id",
          "occurred_at",
          "actor_type",
          "actor_id",
          "action",
          "subject_type",
          "subject_id",
          "detail",
        ])
        .where("borrower_id", "=", borrowerId)
        .orderBy("id")
        .execute(),
  };
}

/** Reads everything about one borrower, and nothing of another. Null: no such borrower. */
async function collectBorrowerData(db: Db, borrowerId: string, now: Date): Promise<BorrowerExport | null> {
  const borrower = await borrowerRow(db, borrowerId);
  if (!borrower) return null;
  const queries = Object.entries(sectionQueries(db, borrowerId));
  const results = await Promise.all(queries.map(([, run]) => run()));
  const sections = Object.fromEntries(queries.map(([name], i) => [name, results[i] ?? []]));
  return { exportedAt: now.toISOString(), borrowerId, borrower: [borrower], ...sections } as BorrowerExport;
}

/**
 * Starts an export: the document is built and stored, and the start audited with its reason, in one
 * transaction. Returns the export's id, or null when there is no such borrower.
 */
export async function startDataExport(
  db: Kysely<Database>,
  opts: { borrowerId: string; staff: StaffIdentity; reason: string; now?: Date },
): Promise<string | null> {
  const now = opts.now ?? new Date();
  return db.transaction().execute(async (trx) => {
    const content = await collectBorrowerData(trx, opts.borrowerId, now);
    if (!content) return null;
    const row = await trx
      .insertInto("data_exports")
      .values({
        borrower_id: opts.borrowerId,
        staff_user_id: opts.staff.id,
        reason: opts.reason,
        content: JSON.stringify(content),
        created_at: now,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await appendAudit(
      trx,
      {
        actorType: "staff",
        actorId: opts.staff.id,
        action: "data.export_started",
        subjectType: "data_export",
        subjectId: row.id,
        borrowerId: opts.borrowerId,
        detail: { reason: opts.reason, role: opts.staff.role, sections: EXPORT_SECTIONS.length },
      },
      now,
    );
    return row.id;
  });
}

/** One stored export of this borrower, its view or download audited; null when missing or expired. */
export async function openDataExport(
  db: Kysely<Database>,
  opts: { borrowerId: string; exportId: string; staff: StaffIdentity; format: "page" | "json"; now?: Date },
) {
  const row = await db
    .selectFrom("data_exports")
    .select(["id", "borrower_id", "reason", "content", "created_at"])
    .where("id", "=", opts.exportId)
    .where("borrower_id", "=", opts.borrowerId)
    .executeTakeFirst();
  if (!row) return null;
  await appendAudit(
    db,
    {
      actorType: "staff",
      actorId: opts.staff.id,
      action: "data.export_viewed",
      subjectType: "data_export",
      subjectId: row.id,
      borrowerId: row.borrower_id,
      detail: { format: opts.format, role: opts.staff.role },
    },
    opts.now,
  );
  return {
    id: row.id,
    reason: row.reason,
    createdAt: row.created_at,
    content: row.content as BorrowerExport,
  };
}

/** The borrower's stored exports, newest first (what the data page lists). */
export function listDataExports(db: Kysely<Database>, borrowerId: string) {
  return db
    .selectFrom("data_exports as e")
    .innerJoin("staff_users as s", "s.id", "e.staff_user_id")
    .select(["e.id", "e.reason", "e.created_at", "s.display_name"])
    .where("e.borrower_id", "=", borrowerId)
    .orderBy("e.created_at", "desc")
    .execute();
}
