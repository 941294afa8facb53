import { sql, type Kysely, type Transaction } from "kysely";
import { z } from "zod";
import type { AccountStatusKind, AccountStatusSource, ActorType, Database, Locale } from "../../db/schema";
import {
  ACCOUNT_ONLY_KINDS,
  ACCOUNT_STATUS_KINDS,
  breathingSpaceRefusal,
  DEBT_RESPITE_SCHEME,
  isInForce,
  NO_CONTACT_KINDS,
  standardBreathingSpaceEnd,
  type BreathingSpaceTerms,
  type StatusRecord,
} from "../domain/account-statuses";
import type { ContactPolicy } from "../domain/contact-policy";
import { activeContactPolicy } from "../engine/planner.server";
import { appendAudit } from "../platform/audit.server";
import { cancelQueuedReminders } from "./action-scope.server";
import { recordValidationNotice } from "./validation-notices.server";

/**
 * Setting and ending account statuses (docs/product-rules.md §4.18): the one service the bank API, the
 * import and the console call. Each write is one transaction with its audit row; the borrower's row is
 * locked so two requests cannot both start a Breathing Space.
 */
export const statusKindSchema = z.enum(ACCOUNT_STATUS_KINDS);
export const statusReasonSchema = z.string().trim().min(1, "is required").max(500, "is too long");

/** Who sets or ends a status, and through which door. */
export interface StatusActor {
  source: AccountStatusSource;
  actorType: ActorType;
  /** The staff member's or API key's id; null for the import. */
  actorId: string | null;
}

export interface SetStatusInput {
  borrowerId: string;
  /** Null: every account of the borrower (a dispute always names its account). */
  accountId: string | null;
  kind: AccountStatusKind;
  reason: string;
  startsAt?: Date;
  externalRef?: string | null;
  /** A dispute's validation notice, sent and recorded with it. */
  validationNotice?: "letter" | "email" | null;
}

export type StatusRefusal =
  | "breathing_space_in_force"
  | "breathing_space_within_limit"
  | "already_in_force"
  | "account_required"
  | "notice_needs_dispute";

export type SetStatusOutcome =
  | { status: "set"; statusId: string; endsAt: Date | null }
  | { status: "duplicate"; statusId: string }
  | { status: "conflict" }
  | { status: "not_found" }
  | { status: "refused"; code: StatusRefusal };

type Trx = Transaction<Database>;

export function setByOf(actor: StatusActor): string {
  return actor.actorId ? `${actor.actorType}:${actor.actorId}` : actor.source;
}

export async function setAccountStatus(
  db: Kysely<Database>,
  input: SetStatusInput,
  actor: StatusActor,
  now = new Date(),
): Promise<SetStatusOutcome> {
  const policy = await activeContactPolicy(db);
  return db.transaction().execute(async (trx) => {
    const borrower = await trx
      .selectFrom("borrowers")
      .select(["id", "jurisdiction", "locale"])
      .where("id", "=", input.borrowerId)
      .forUpdate()
      .executeTakeFirst();
    if (!borrower) return { status: "not_found" };
    if (input.externalRef) {
      const prior = await trx
        .selectFrom("account_statuses")
        .select(["id", "borrower_id", "account_id", "kind"])
        .where("external_ref", "=", input.externalRef)
        .executeTakeFirst();
      if (prior) {
        const same =
          prior.borrower_id === input.borrowerId &&
          prior.account_id === input.accountId &&
          prior.kind === input.kind;
        return same ? { status: "duplicate", statusId: prior.id } : { status: "conflict" };
      }
    }
    const refusal = await checkNewStatus(trx, input, now, breathingTerms(policy, borrower.jurisdiction));
    if (refusal) return { status: "refused", code: refusal };
    return insertStatus(trx, input, actor, now, {
      locale: borrower.locale,
      terms: breathingTerms(policy, borrower.jurisdiction),
    });
  });
}

/** The borrower's jurisdiction's terms, else the UK scheme's own (Breathing Space is the UK's). */
function breathingTerms(policy: ContactPolicy, jurisdiction: string): BreathingSpaceTerms {
  const profiles = policy.jurisdictions as Record<string, { breathingSpace?: BreathingSpaceTerms }>;
  return profiles[jurisdiction]?.breathingSpace ?? profiles.UK?.breathingSpace ?? DEBT_RESPITE_SCHEME;
}

async function checkNewStatus(
  trx: Trx,
  input: SetStatusInput,
  now: Date,
  terms: BreathingSpaceTerms,
): Promise<StatusRefusal | null> {
  if (ACCOUNT_ONLY_KINDS.has(input.kind) && !input.accountId) return "account_required";
  if (input.validationNotice && input.kind !== "dispute") return "notice_needs_dispute";
  const history = await statusHistory(trx, input.borrowerId);
  const startsAt = input.startsAt ?? now;
  if (input.kind === "breathing_space") {
    const refused = breathingSpaceRefusal(history, startsAt, terms);
    if (refused) return refused;
  }
  const same = history.some(
    (r) => r.kind === input.kind && r.accountId === input.accountId && isInForce(r, now),
  );
  return same ? "already_in_force" : null;
}

async function statusHistory(trx: Trx, borrowerId: string): Promise<StatusRecord[]> {
  const rows = await trx
    .selectFrom("account_statuses")
    .select(["kind", "account_id", "starts_at", "ends_at", "ended_at"])
    .where("borrower_id", "=", borrowerId)
    .execute();
  return rows.map((r) => ({
    kind: r.kind,
    accountId: r.account_id,
    startsAt: r.starts_at,
    endsAt: r.ends_at,
    endedAt: r.ended_at,
  }));
}

async function insertStatus(
  trx: Trx,
  input: SetStatusInput,
  actor: StatusActor,
  now: Date,
  ctx: { locale: Locale; terms: BreathingSpaceTerms },
): Promise<SetStatusOutcome> {
  if (input.accountId) {
    const own = await trx
      .selectFrom("accounts")
      .select("id")
      .where("id", "=", input.accountId)
      .where("borrower_id", "=", input.borrowerId)
      .executeTakeFirst();
    if (!own) return { status: "not_found" };
  }
  const startsAt = input.startsAt ?? now;
  const endsAt = input.kind === "breathing_space" ? standardBreathingSpaceEnd(startsAt, ctx.terms) : null;
  const row = await trx
    .insertInto("account_statuses")
    .values({
      borrower_id: input.borrowerId,
      account_id: input.accountId,
      kind: input.kind,
      reason: input.reason,
      source: actor.source,
      set_by: setByOf(actor),
      starts_at: startsAt,
      ends_at: endsAt,
      external_ref: input.externalRef ?? null,
      created_at: now,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  // The reason's text stays in account_statuses; the audit row says what was set, where and by whom.
  await appendAudit(
    trx,
    {
      actorType: actor.actorType,
      actorId: actor.actorId,
      action: "status.set",
      subjectType: "account_status",
      subjectId: row.id,
      borrowerId: input.borrowerId,
      detail: { kind: input.kind, source: actor.source, accountId: input.accountId },
    },
    now,
  );
  await statusEffects(trx, { ...input, statusId: row.id, setBy: setByOf(actor), locale: ctx.locale }, now);
  return { status: "set", statusId: row.id, endsAt };
}

/** What a status brings at once: queued reminders withdrawn, a person told, a notice sent. */
async function statusEffects(
  trx: Trx,
  s: SetStatusInput & { statusId: string; setBy: string; locale: Locale },
  now: Date,
) {
  if (NO_CONTACT_KINDS.has(s.kind))
    await cancelQueuedReminders(
      trx,
      { borrowerId: s.borrowerId, ...(s.accountId ? { accountId: s.accountId } : {}) },
      now,
      `status_${s.kind}`,
    );
  if (s.kind === "deceased")
    await trx
      .insertInto("tasks")
      .values({
        kind: "bereavement",
        borrower_id: s.borrowerId,
        account_id: s.accountId,
        status: "open",
        due_at: now,
        source_type: "account_status",
        source_id: s.statusId,
        created_at: now,
      })
      .execute();
  if (s.kind === "dispute" && s.validationNotice && s.accountId)
    await recordValidationNotice(trx, {
      borrowerId: s.borrowerId,
      accountId: s.accountId,
      statusId: s.statusId,
      channel: s.validationNotice,
      locale: s.locale,
      sentBy: s.setBy,
      now,
    });
}

export type EndStatusOutcome =
  | { status: "ended"; statusId: string }
  | { status: "already_ended"; statusId: string }
  | { status: "not_found" };

/**
 * Ends a status now, by its id (scoped to the borrower) or the bank's external ref. Ending one already
 * ended, or past its own end, changes nothing: a retried request is answered the same.
 */
export async function endAccountStatus(
  db: Kysely<Database>,
  target: { statusId?: string; externalRef?: string; borrowerId?: string },
  reason: string,
  actor: StatusActor,
  now = new Date(),
): Promise<EndStatusOutcome> {
  return db.transaction().execute(async (trx) => {
    let query = trx
      .selectFrom("account_statuses")
      .select(["id", "borrower_id", "kind", "ends_at", "ended_at"]);
    if (target.statusId) query = query.where("id", "=", target.statusId);
    else if (target.externalRef) query = query.where("external_ref", "=", target.externalRef);
    else return { status: "not_found" };
    if (target.borrowerId) query = query.where("borrower_id", "=", target.borrowerId);
    const row = await query.forUpdate().executeTakeFirst();
    if (!row) return { status: "not_found" };
    if (row.ended_at || (row.ends_at && row.ends_at <= now))
      return { status: "already_ended", statusId: row.id };
    await trx
      .updateTable("account_statuses")
      .set({ ended_at: now, ended_by: setByOf(actor), end_reason: reason })
      .where("id", "=", row.id)
      .execute();
    await appendAudit(
      trx,
      {
        actorType: actor.actorType,
        actorId: actor.actorId,
        action: "status.ended",
        subjectType: "account_status",
        subjectId: row.id,
        borrowerId: row.borrower_id,
        detail: { kind: row.kind, source: actor.source },
      },
      now,
    );
    return { status: "ended", statusId: row.id };
  });
}

export interface StatusHistoryRow {
  id: string;
  accountId: string | null;
  kind: AccountStatusKind;
  reason: string;
  source: AccountStatusSource;
  setBy: string;
  startsAt: Date;
  endsAt: Date | null;
  endedAt: Date | null;
  endedBy: string | null;
  endReason: string | null;
  inForce: boolean;
}

/** The borrower's statuses, newest first, with whether each is in force at `now` (the staff page). */
export async function borrowerStatusHistory(
  db: Kysely<Database>,
  borrowerId: string,
  now: Date,
): Promise<StatusHistoryRow[]> {
  const rows = await db
    .selectFrom("account_statuses")
    .selectAll()
    .where("borrower_id", "=", borrowerId)
    .orderBy("starts_at", "desc")
    .orderBy(sql`id`)
    .limit(100)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    accountId: r.account_id,
    kind: r.kind,
    reason: r.reason,
    source: r.source,
    setBy: r.set_by,
    startsAt: r.starts_at,
    endsAt: r.ends_at,
    endedAt: r.ended_at,
    endedBy: r.ended_by,
    endReason: r.end_reason,
    inForce: isInForce(
      {
        kind: r.kind,
        accountId: r.account_id,
        startsAt: r.starts_at,
        endsAt: r.ends_at,
        endedAt: r.ended_at,
      },
      now,
    ),
  }));
}
