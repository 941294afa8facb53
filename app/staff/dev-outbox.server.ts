import type { Kysely } from "kysely";
import { z } from "zod";
import type { Database, StaffRole } from "../../db/schema";
import { appendAudit } from "../platform/audit.server";
import { config, devSecretsAllowed } from "../platform/config.server";
import { handleInboundSms } from "../engine/inbound.server";
import { listOutbox } from "../messaging/outbox-view.server";
import { readStaffSession, type StaffIdentity, type StaffSessionInfo } from "./session.server";
import { requireStaff } from "./auth.server";

/**
 * The outbox (docs/product-rules.md §10.5): every text the outbox provider "sent", live links included,
 * and a reply box that acts as the phone (START re-subscribes an opted-out borrower). `/dev/outbox` serves
 * development and tests only; in the console (`/staff/outbox`) an admin uses it, and in production only
 * where SETTLE_ALLOW_DEV_SECRETS=1 (a local demo), hidden from everyone else.
 */
const OUTBOX_ROWS = 200;

/** Whether this process has an outbox at all: the outbox provider, and in production an explicit demo. */
function devOutboxEnabled(): boolean {
  const cfg = config();
  if (cfg.SMS_PROVIDER !== "outbox") return false;
  // The same exact test as the config's: "0" or "false" must not open every text and its live link.
  return !cfg.isProduction || devSecretsAllowed();
}

const notFound = () => new Response("Not found", { status: 404, headers: { "Cache-Control": "no-store" } });

/** `/dev/outbox`, the development tool without a sign-in: never in production. */
export function assertDevOutbox(): void {
  if (config().isProduction || !devOutboxEnabled()) throw notFound();
}

/**
 * The console's outbox: a signed-in staff member with one of `roles`. In production anyone else, signed in
 * or not, gets the same 404 as a process without the outbox: the page does not say it exists.
 */
export async function requireOutboxStaff(
  context: { db: Kysely<Database> },
  request: Request,
  roles: readonly StaffRole[],
): Promise<StaffSessionInfo> {
  if (!devOutboxEnabled()) throw notFound();
  if (!config().isProduction) return requireStaff(context, request, { roles });
  const session = await readStaffSession(context.db, request);
  if (!session || !roles.includes(session.user.role)) throw notFound();
  return session;
}

export const outboxReplySchema = z.object({
  from: z.string().regex(/^\+[1-9]\d{6,14}$/),
  body: z.string().trim().min(1).max(480),
});
type OutboxReply = z.infer<typeof outboxReplySchema>;

/** The texts, as on each phone, for a staff member: the view is audited (it shows live links). */
export async function viewOutbox(db: Kysely<Database>, staff: StaffIdentity, now = new Date()) {
  await appendAudit(
    db,
    { actorType: "staff", actorId: staff.id, action: "staff.viewed_outbox", subjectType: "outbox" },
    now,
  );
  return listOutbox(db, OUTBOX_ROWS);
}

/** The outbox's texts for the development page (no staff member to audit). */
export function devOutboxTexts(db: Kysely<Database>) {
  return listOutbox(db, OUTBOX_ROWS);
}

/**
 * A reply typed as the phone. From the console it is audited in the reply's own transaction, by who typed
 * it and what it did (the keyword's kind and how many borrowers it reached; not the number or the text).
 */
export async function replyAsPhone(
  db: Kysely<Database>,
  reply: OutboxReply,
  opts: { staff?: StaffIdentity; now?: Date } = {},
) {
  const now = opts.now ?? new Date();
  const staff = opts.staff;
  return handleInboundSms(
    db,
    { from: reply.from, body: reply.body, provider: "outbox", providerMessageId: null, now },
    {
      within: staff
        ? (trx, outcome) =>
            appendAudit(
              trx,
              {
                actorType: "staff",
                actorId: staff.id,
                action: "staff.outbox_replied",
                subjectType: "outbox",
                detail: { kind: outcome.kind, borrowers: outcome.borrowers, replies: outcome.replies },
              },
              now,
            )
        : undefined,
    },
  );
}
