import type { Kysely, Transaction } from "kysely";
import type { Database, Locale, StaffRole } from "../../db/schema";
import type { EventSource } from "../engine/feedback.server";
import { appendAudit } from "../platform/audit.server";
import { emitBankEvent, type BankEventType } from "../platform/bank-events.server";
import { queueSms, type QueueSmsInput, type QueueSmsResult } from "../messaging/outbound-sms.server";

/**
 * What the borrower action services (promises, hardship, preferences,
 * appointments, complaints) share: the verified session's account, the
 * language its texts go out in, and pausing reminders already queued.
 */
type Db = Kysely<Database> | Transaction<Database>;

/** A staff member acting for the borrower from the console (an agent on the phone with them). */
interface ActingStaff {
  id: string;
  role: StaffRole;
}

/**
 * Only what the services need from a borrower session: both ids, always used together, and who is
 * acting when it is not the borrower. The console calls the same services as the portal with `staff`
 * set, so one code path applies one set of rules whoever enters the action.
 */
export interface SessionScope {
  borrowerId: string;
  accountId: string;
  staff?: ActingStaff;
}

export function portalSource(scope: SessionScope): EventSource {
  return scope.staff
    ? { actor: "staff", actorId: scope.staff.id, via: "console", role: scope.staff.role }
    : { actor: "borrower", actorId: scope.borrowerId, via: "portal" };
}

/** The audit row's actor: the staff member when staff acted for the borrower, else the borrower. */
export function auditActor(scope: SessionScope) {
  const source = portalSource(scope);
  return { actorType: source.actor, actorId: source.actorId ?? null };
}

/** Who acted, for audit details and bank events: set only when staff acted for the borrower. */
export function actedBy(scope: SessionScope): {
  actedBy?: { type: "staff"; staffId: string; role: StaffRole };
} {
  return scope.staff ? { actedBy: { type: "staff", staffId: scope.staff.id, role: scope.staff.role } } : {};
}

/** The session's account with its borrower's clock and language, scoped by borrower AND account. */
export async function sessionAccount(db: Db, scope: SessionScope) {
  return db
    .selectFrom("accounts as a")
    .innerJoin("borrowers as b", "b.id", "a.borrower_id")
    .leftJoin("contact_preferences as p", "p.borrower_id", "b.id")
    .select([
      "a.id",
      "a.external_ref",
      "a.currency",
      "a.last4",
      "a.balance_minor",
      "a.overdue_minor",
      "b.time_zone",
      "b.locale",
      "p.preferred_locale",
    ])
    .where("a.id", "=", scope.accountId)
    .where("a.borrower_id", "=", scope.borrowerId)
    .executeTakeFirstOrThrow();
}

/** The language queueSms will write in: the borrower's preference, else their record's. */
export function smsLocale(row: { preferred_locale: Locale | null; locale: Locale }): Locale {
  return row.preferred_locale ?? row.locale;
}

/**
 * Cancels reminder texts still waiting to go out (confirmations are left
 * alone), so an action pauses reminders the moment it commits rather than at
 * the dispatcher's re-check.
 */
export async function cancelQueuedReminders(
  trx: Transaction<Database>,
  scope: { borrowerId: string; accountId?: string },
  now: Date,
  reason: string,
) {
  let query = trx
    .updateTable("messages")
    .set({ status: "cancelled" })
    .where("borrower_id", "=", scope.borrowerId)
    .where("status", "=", "queued")
    .where("direction", "=", "outbound")
    .where("template_key", "like", "reminder.%");
  if (scope.accountId) query = query.where("account_id", "=", scope.accountId);
  const cancelled = await query.returning("id").execute();
  if (cancelled.length) {
    await trx
      .insertInto("message_status_events")
      .values(
        cancelled.map((m) => ({
          message_id: m.id,
          status: "cancelled" as const,
          occurred_at: now,
          detail: JSON.stringify({ reason }),
        })),
      )
      .execute();
  }
  return cancelled.length;
}

/** A unique-key violation on the named constraint or index (SQLSTATE 23505). */
export function isUniqueViolation(error: unknown, constraint: string): boolean {
  const e = error as { code?: unknown; constraint?: unknown } | null;
  return typeof e === "object" && e !== null && e.code === "23505" && e.constraint === constraint;
}

interface BorrowerActionRecord {
  action: BankEventType;
  subjectType: string;
  subjectId: string;
  facts: Record<string, unknown>;
  auditDetail?: Record<string, unknown>;
  bankPayload: Record<string, unknown>;
  now: Date;
}

/**
 * What every borrower action ends with, in the action's transaction: the audit row (the facts, how it
 * came, and the action's own extra detail), the event the bank hears (the same facts and the bank's
 * account reference), and the confirmation text.
 */
export async function announceBorrowerAction(
  trx: Transaction<Database>,
  scope: SessionScope,
  opts: BorrowerActionRecord & { confirmation: Pick<QueueSmsInput, "templateKey" | "vars" | "dedupeKey"> },
): Promise<QueueSmsResult> {
  await recordBorrowerAction(trx, scope, opts);
  const { borrowerId, accountId } = scope;
  return queueSms(trx, {
    borrowerId,
    accountId,
    purpose: "confirmation",
    ...opts.confirmation,
    now: opts.now,
  });
}

/** The audit row and the bank event of a borrower action, for an action whose text depends on its outcome. */
export async function recordBorrowerAction(
  trx: Transaction<Database>,
  scope: SessionScope,
  opts: BorrowerActionRecord,
): Promise<void> {
  const { action, facts, now } = opts;
  const { borrowerId, accountId } = scope;
  await appendAudit(
    trx,
    {
      ...auditActor(scope),
      action,
      subjectType: opts.subjectType,
      subjectId: opts.subjectId,
      borrowerId,
      detail: { ...facts, via: portalSource(scope).via, accountId, ...actedBy(scope), ...opts.auditDetail },
    },
    now,
  );
  await emitBankEvent(trx, {
    type: action,
    accountId,
    borrowerId,
    payload: { ...facts, ...opts.bankPayload, ...actedBy(scope) },
    now,
  });
}
