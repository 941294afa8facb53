import type { Kysely } from "kysely";
import type { Database, StaffRole } from "../../db/schema";
import { appendAudit } from "../platform/audit.server";
import { config } from "../platform/config.server";
import { mailboxEnabled } from "../messaging/email-transport.server";
import { listMailbox } from "../messaging/mailbox-view.server";
import { readStaffSession, type StaffIdentity, type StaffSessionInfo } from "./session.server";
import { requireStaff } from "./auth.server";

/**
 * The development mailbox (docs/product-rules.md §4.17), beside the outbox and guarded the same way:
 * `/dev/mailbox` in development and tests only; `/staff/mailbox` for an admin, in production only where
 * SETTLE_ALLOW_DEV_SECRETS=1 (a local demo) and no SMTP server is set, hidden from everyone else.
 */
const MAILBOX_ROWS = 100;

const notFound = () => new Response("Not found", { status: 404, headers: { "Cache-Control": "no-store" } });

/** `/dev/mailbox`, the development tool without a sign-in: never in production. */
export function assertDevMailbox(): void {
  if (config().isProduction || !mailboxEnabled()) throw notFound();
}

/** The console's mailbox: in production anyone but a signed-in staff member of `roles` gets a plain 404. */
export async function requireMailboxStaff(
  context: { db: Kysely<Database> },
  request: Request,
  roles: readonly StaffRole[],
): Promise<StaffSessionInfo> {
  if (!mailboxEnabled()) throw notFound();
  if (!config().isProduction) return requireStaff(context, request, { roles });
  const session = await readStaffSession(context.db, request);
  if (!session || !roles.includes(session.user.role)) throw notFound();
  return session;
}

/** The emails for a staff member: the view is audited (it shows addresses and live links). */
export async function viewMailbox(db: Kysely<Database>, staff: StaffIdentity, now = new Date()) {
  await appendAudit(
    db,
    { actorType: "staff", actorId: staff.id, action: "staff.viewed_mailbox", subjectType: "mailbox" },
    now,
  );
  return listMailbox(db, MAILBOX_ROWS);
}

/** The mailbox for the development page (no staff member to audit). */
export function devMailboxEmails(db: Kysely<Database>) {
  return listMailbox(db, MAILBOX_ROWS);
}
