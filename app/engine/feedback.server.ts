import type { Kysely, Transaction } from "kysely";
import { z } from "zod";
import type { Database, StaffRole } from "../../db/schema";
import { appendAudit } from "../platform/audit.server";
import { recordConsent, type ConsentChange } from "../platform/consent.server";
import { CONSENT_TEXTS, type ConsentText } from "../i18n/text-version.server";
import { emitBankEvent } from "../platform/bank-events.server";
import { revokeLinks } from "../messaging/short-links.server";

/**
 * Borrower events feed the sending schedule here (docs/product-rules.md §5.1).
 * Each function changes state and cancels what should no longer be sent, inside
 * the caller's transaction, so an event and its effect on the schedule commit together.
 */
type Trx = Transaction<Database>;

export interface EventSource {
  actor: "borrower" | "staff" | "system" | "api";
  actorId?: string | null;
  /** e.g. "link", "sms_keyword", "console" */
  via: string;
  /** The staff member's role, when staff acted for the borrower. */
  role?: StaffRole;
}

/** How an event came, for its audit row and bank event: the channel, and the staff member who acted if any. */
function sourceFacts(source: EventSource) {
  return source.actor === "staff"
    ? {
        via: source.via,
        actedBy: { type: "staff", staffId: source.actorId ?? null, role: source.role ?? null },
      }
    : { via: source.via };
}

type ConsentWording = "opt_out" | "opt_in" | "not_me" | "preferences";

/** The wording each way of changing consent shows (null: none of ours, e.g. the bank's own records). */
const WORDING: Record<ConsentChange["method"], Partial<Record<ConsentWording, ConsentText>>> = {
  portal: {
    opt_out: CONSENT_TEXTS.portalTexts,
    opt_in: CONSENT_TEXTS.portalTexts,
    preferences: CONSENT_TEXTS.portalPreferences,
  },
  link: { opt_out: CONSENT_TEXTS.linkStopTexts, not_me: CONSENT_TEXTS.linkNotMe },
  sms_keyword: { opt_out: CONSENT_TEXTS.keywordOptOut, opt_in: CONSENT_TEXTS.keywordOptIn },
  staff: { opt_out: CONSENT_TEXTS.staffOptOut, preferences: CONSENT_TEXTS.staffPreferences },
  bank: {},
  system: {},
};

/**
 * How a consent change came, for the consent ledger (docs/product-rules.md §10.11): the method from the
 * event's source, the wording that method shows, and who acted.
 */
export function consentFacts(
  source: EventSource,
  wording: ConsentWording,
): Pick<ConsentChange, "method" | "text" | "actorType" | "actorId" | "detail"> {
  const method: ConsentChange["method"] =
    source.actor === "staff"
      ? "staff"
      : source.via.startsWith("sms_keyword")
        ? "sms_keyword"
        : source.via === "link" || source.via === "portal"
          ? source.via
          : source.actor === "api" || source.via === "number_suppressed"
            ? "bank"
            : "system";
  return {
    method,
    text: WORDING[method][wording] ?? null,
    actorType: source.actor,
    actorId: source.actorId ?? null,
    detail: { via: source.via },
  };
}

async function cancelQueuedMessages(trx: Trx, where: { accountId?: string; borrowerId?: string }, now: Date) {
  let query = trx
    .updateTable("messages")
    .set({ status: "cancelled" })
    .where("status", "=", "queued")
    .where("direction", "=", "outbound");
  if (where.accountId) query = query.where("account_id", "=", where.accountId);
  if (where.borrowerId) query = query.where("borrower_id", "=", where.borrowerId);
  const cancelled = await query.returning("id").execute();
  if (cancelled.length) {
    await trx
      .insertInto("message_status_events")
      .values(
        cancelled.map((m) => ({
          message_id: m.id,
          status: "cancelled" as const,
          occurred_at: now,
          detail: JSON.stringify({ reason: "feedback" }),
        })),
      )
      .execute();
  }
  return cancelled.length;
}

/** "Not me / wrong number": the number is suppressed for the account at once and an agent is asked to check. */
export async function reportWrongNumber(
  trx: Trx,
  opts: { accountId: string; source: EventSource; linkId?: string; now?: Date },
) {
  const now = opts.now ?? new Date();
  const account = await trx
    .updateTable("accounts")
    .set((eb) => ({ wrong_number_at: eb.fn.coalesce("wrong_number_at", eb.val(now)), updated_at: now }))
    .where("id", "=", opts.accountId)
    .returning(["id", "borrower_id"])
    .executeTakeFirstOrThrow();
  const cancelled = await cancelQueuedMessages(trx, { accountId: account.id }, now);
  await revokeLinks(trx, { accountIds: [account.id] }, "wrong_number", now);
  await trx
    .insertInto("tasks")
    .values({
      kind: "wrong_number_review",
      borrower_id: account.borrower_id,
      account_id: account.id,
      status: "open",
      due_at: now,
      source_type: "wrong_number_report",
      source_id: opts.linkId ?? null,
      dedupe_key: `wrong_number:${account.id}`,
    })
    .onConflict((oc) => oc.column("dedupe_key").doNothing())
    .execute();
  // The number is not the borrower's: no texts and no calls to it about this account.
  const facts = consentFacts(opts.source, "not_me");
  await recordConsent(
    trx,
    (["sms", "call"] as const).map((channel) => ({
      borrowerId: account.borrower_id,
      channel,
      action: "withdrawn" as const,
      ...facts,
      detail: { ...facts.detail, reason: "wrong_number", accountId: account.id },
    })),
    now,
  );
  await appendAudit(
    trx,
    {
      actorType: opts.source.actor,
      actorId: opts.source.actorId ?? null,
      action: "account.wrong_number_reported",
      subjectType: "account",
      subjectId: account.id,
      borrowerId: account.borrower_id,
      detail: { ...sourceFacts(opts.source), cancelledMessages: cancelled },
    },
    now,
  );
  await emitBankEvent(trx, {
    type: "account.wrong_number",
    accountId: account.id,
    borrowerId: account.borrower_id,
    payload: sourceFacts(opts.source),
    now,
  });
  return { cancelledMessages: cancelled };
}

/**
 * SMS opt-out (link or keyword): no more texts to this borrower; links die with it
 * (docs/product-rules.md §3.2), and so do the sessions opened on them, except `keepSessionId` (the
 * portal session that asked).
 */
export async function optOutOfSms(
  trx: Trx,
  opts: {
    borrowerId: string;
    source: EventSource;
    accountId?: string | null;
    now?: Date;
    keepSessionId?: string;
  },
) {
  const now = opts.now ?? new Date();
  await trx
    .insertInto("contact_preferences")
    .values({ borrower_id: opts.borrowerId, sms_allowed: false, sms_opted_out_at: now, updated_at: now })
    .onConflict((oc) =>
      oc.column("borrower_id").doUpdateSet((eb) => ({
        sms_allowed: false,
        sms_opted_out_at: eb.fn.coalesce("contact_preferences.sms_opted_out_at", eb.val(now)),
        updated_at: now,
      })),
    )
    .execute();
  const cancelled = await cancelQueuedMessages(trx, { borrowerId: opts.borrowerId }, now);
  await recordConsent(
    trx,
    [
      {
        borrowerId: opts.borrowerId,
        channel: "sms",
        action: "withdrawn",
        ...consentFacts(opts.source, "opt_out"),
      },
    ],
    now,
  );
  await revokeLinks(trx, { borrowerIds: [opts.borrowerId] }, "sms_opt_out", now, {
    keepSessionId: opts.keepSessionId,
  });
  await appendAudit(
    trx,
    {
      actorType: opts.source.actor,
      actorId: opts.source.actorId ?? null,
      action: "preferences.sms_opted_out",
      subjectType: "borrower",
      subjectId: opts.borrowerId,
      borrowerId: opts.borrowerId,
      detail: { ...sourceFacts(opts.source), cancelledMessages: cancelled },
    },
    now,
  );
  await emitBankEvent(trx, {
    type: "sms.opted_out",
    accountId: opts.accountId ?? null,
    borrowerId: opts.borrowerId,
    payload: sourceFacts(opts.source),
    now,
  });
  return { cancelledMessages: cancelled };
}

const linkOpenedAuditSchema = z.object({
  linkId: z.string().uuid(),
  borrowerId: z.string().uuid(),
  accountId: z.string().uuid(),
  at: z.string().datetime(),
});

/** The `audit:link-opened` job: the first open's audit row, dated when the link was opened. */
export async function auditLinkOpened(db: Kysely<Database>, payload: unknown) {
  const open = linkOpenedAuditSchema.parse(payload);
  await appendAudit(
    db,
    {
      actorType: "borrower",
      actorId: open.borrowerId,
      action: "link.opened",
      subjectType: "short_link",
      subjectId: open.linkId,
      borrowerId: open.borrowerId,
      detail: { accountId: open.accountId },
    },
    new Date(open.at),
  );
}

/**
 * Opt back in to texts (portal, or a START keyword): clears the opt-out and
 * allows SMS again, audited and reported to the bank. Links revoked by the
 * opt-out stay revoked; new texts carry new links. changed: false when the
 * borrower was not opted out (nothing written).
 */
export async function optInToSms(
  trx: Trx,
  opts: { borrowerId: string; source: EventSource; accountId?: string | null; now?: Date },
) {
  const now = opts.now ?? new Date();
  const current = await trx
    .selectFrom("contact_preferences")
    .select(["sms_allowed", "sms_opted_out_at"])
    .where("borrower_id", "=", opts.borrowerId)
    .forUpdate()
    .executeTakeFirst();
  if (!current || (current.sms_allowed && !current.sms_opted_out_at)) return { changed: false };
  await trx
    .updateTable("contact_preferences")
    .set({ sms_allowed: true, sms_opted_out_at: null, updated_at: now })
    .where("borrower_id", "=", opts.borrowerId)
    .execute();
  await recordConsent(
    trx,
    [
      {
        borrowerId: opts.borrowerId,
        channel: "sms",
        action: "granted",
        ...consentFacts(opts.source, "opt_in"),
      },
    ],
    now,
  );
  await appendAudit(
    trx,
    {
      actorType: opts.source.actor,
      actorId: opts.source.actorId ?? null,
      action: "preferences.sms_opted_in",
      subjectType: "borrower",
      subjectId: opts.borrowerId,
      borrowerId: opts.borrowerId,
      detail: { ...sourceFacts(opts.source), wasOptedOutAt: current.sms_opted_out_at?.toISOString() ?? null },
    },
    now,
  );
  await emitBankEvent(trx, {
    type: "sms.opted_in",
    accountId: opts.accountId ?? null,
    borrowerId: opts.borrowerId,
    payload: sourceFacts(opts.source),
    now,
  });
  return { changed: true };
}
