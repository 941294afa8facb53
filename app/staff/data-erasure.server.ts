import { createHash } from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import type { Database } from "../../db/schema";
import { appendAudit } from "../platform/audit.server";
import { recordConsent } from "../platform/consent.server";
import { eraseFreeTextOfBorrower, ERASED } from "../platform/retention.server";
import { revokeLinks } from "../messaging/short-links.server";
import type { StaffIdentity } from "./session.server";

/**
 * Erasure of a borrower (docs/product-rules.md §10.12), started by an admin with a reason, in one
 * transaction. Kept, because the law or the bank needs them: the accounts and their references, payments
 * and their allocations, plans and instalments, the audit log, the consent ledger, and the complaint
 * record. Removed or pseudonymised: name, phone, email, the verification answers' hashes, preferences,
 * every free text but the complaint's, message bodies and addresses, sessions and open tasks. Afterwards
 * no channel may be used (each consent withdrawn, texts opted out) and no link verifies. A second run
 * finds the borrower erased and writes nothing.
 */
type Trx = Transaction<Database>;

export type EraseResult = { status: "erased" } | { status: "already_erased" } | { status: "not_found" };

/** A number no one holds: +999 is no country's code, so the pseudonym can never reach a phone. */
function erasedPhone(borrowerId: string): string {
  const digits = BigInt(`0x${createHash("sha256").update(borrowerId).digest("hex").slice(0, 15)}`);
  return `+999${(digits % 10n ** 11n).toString().padStart(11, "0")}`;
}

export async function eraseBorrower(
  db: Kysely<Database>,
  opts: { borrowerId: string; staff: StaffIdentity; reason: string; now?: Date },
): Promise<EraseResult> {
  const now = opts.now ?? new Date();
  return db.transaction().execute(async (trx) => {
    const borrower = await trx
      .selectFrom("borrowers")
      .select(["id", "erased_at"])
      .where("id", "=", opts.borrowerId)
      .forUpdate()
      .executeTakeFirst();
    if (!borrower) return { status: "not_found" as const };
    if (borrower.erased_at) return { status: "already_erased" as const };
    const phone = erasedPhone(borrower.id);
    await trx
      .updateTable("borrowers")
      .set({
        full_name: ERASED,
        phone_e164: phone,
        email: null,
        dob_hash: null,
        id_last4_hash: null,
        // The postal address goes too (docs/product-rules.md §4.19); no visit can be planned without it.
        address_line1: null,
        address_line2: null,
        address_city: null,
        address_region: null,
        address_postal_code: null,
        address_country: null,
        erased_at: now,
        updated_at: now,
      })
      .where("id", "=", borrower.id)
      .execute();
    const counts = await stopAllContact(trx, borrower.id, now);
    const freeText = await eraseFreeTextOfBorrower(trx, borrower.id, ["complaints"]);
    const messages = await trx
      .updateTable("messages")
      .set((eb) => ({
        body: ERASED,
        link_code_sealed: null,
        to_address: eb.case().when("direction", "=", "outbound").then(phone).else(eb.ref("to_address")).end(),
        from_address: eb
          .case()
          .when("direction", "=", "inbound")
          .then(phone)
          .else(eb.ref("from_address"))
          .end(),
      }))
      .where("borrower_id", "=", borrower.id)
      .executeTakeFirst();
    await withdrawEveryChannel(trx, borrower.id, opts.staff, now);
    await appendAudit(
      trx,
      {
        actorType: "staff",
        actorId: opts.staff.id,
        action: "data.borrower_erased",
        subjectType: "borrower",
        subjectId: borrower.id,
        borrowerId: borrower.id,
        detail: {
          reason: opts.reason,
          role: opts.staff.role,
          ...counts,
          messages: Number(messages.numUpdatedRows),
          freeText,
        },
      },
      now,
    );
    return { status: "erased" as const };
  });
}

/** The ledger records the end of every consent, by the staff member who erased. */
function withdrawEveryChannel(trx: Trx, borrowerId: string, staff: StaffIdentity, now: Date) {
  return recordConsent(
    trx,
    (["sms", "email", "call"] as const).map((channel) => ({
      borrowerId,
      channel,
      action: "withdrawn" as const,
      method: "staff" as const,
      text: null,
      actorType: "staff" as const,
      actorId: staff.id,
      detail: { via: "erasure" },
    })),
    now,
  );
}

/** No channel, no link, no session, no queued text and no open task is left to reach the borrower by. */
async function stopAllContact(trx: Trx, borrowerId: string, now: Date) {
  const prefs = {
    sms_allowed: false,
    email_allowed: false,
    phone_allowed: false,
    visit_allowed: false,
    window_start: null,
    window_end: null,
    preferred_locale: null,
    max_per_week: null,
    updated_at: now,
  };
  await trx
    .insertInto("contact_preferences")
    .values({ borrower_id: borrowerId, ...prefs, sms_opted_out_at: now })
    .onConflict((oc) =>
      oc.column("borrower_id").doUpdateSet((eb) => ({
        ...prefs,
        sms_opted_out_at: eb.fn.coalesce("contact_preferences.sms_opted_out_at", eb.val(now)),
      })),
    )
    .execute();
  const cancelled = await trx
    .updateTable("messages")
    .set({ status: "cancelled" })
    .where("borrower_id", "=", borrowerId)
    .where("status", "=", "queued")
    .executeTakeFirst();
  const links = await revokeLinks(trx, { borrowerIds: [borrowerId] }, "erased", now);
  const sessions = await trx
    .deleteFrom("borrower_sessions")
    .where("borrower_id", "=", borrowerId)
    .executeTakeFirst();
  const tasks = await trx
    .updateTable("tasks")
    .set({ status: "cancelled", resolved_at: now, outcome: "borrower_erased" })
    .where("borrower_id", "=", borrowerId)
    .where("status", "=", "open")
    .executeTakeFirst();
  return {
    cancelledMessages: Number(cancelled.numUpdatedRows),
    revokedLinks: links,
    deletedSessions: Number(sessions.numDeletedRows),
    cancelledTasks: Number(tasks.numUpdatedRows),
  };
}
