import { sql, type Kysely, type Transaction } from "kysely";
import { z } from "zod";
import type { Database, ValidationNoticeEmailStatus } from "../../db/schema";
import { renderValidationNoticeEmail, UnsafeNoticeText } from "../domain/validation-notice-email";
import { appendAudit } from "../platform/audit.server";
import { config } from "../platform/config.server";
import { logger } from "../platform/logger.server";
import { jobPayload } from "../platform/request-context.server";
import { emailTransport, type EmailTransport, type OutgoingEmail } from "../messaging/email-transport.server";
import { unsubscribeHeaders, unsubscribeUrl } from "../messaging/email-unsubscribe.server";

/**
 * The `validation-notice:email` job (docs/product-rules.md §4.23): a dispute's validation notice recorded
 * for the email channel is sent, as recorded, through the email transport (SMTP, or the development
 * mailbox). It is a legal notice, not a reminder: the schedule's pauses (the dispute itself) do not hold it
 * back, but an address that bounced or complained, a borrower who turned email off (Reg F 1006.14(h): a
 * medium the consumer asked not to be used), no address, or no email set up leaves it `skipped` with the
 * reason, recorded for the bank to print as a letter. Sent at most once: the notice is marked `sending`
 * before SMTP is called, and a job finding it in any state but `queued` does nothing. An SMTP error puts it
 * back to `queued` and throws, so graphile-worker tries again with backoff; the last attempt records
 * `failed`. Logs carry the notice's id, never the address or the text.
 */
export const VALIDATION_NOTICE_EMAIL_TASK = "validation-notice:email";
const ATTEMPTS = 10;

export const validationNoticeEmailPayloadSchema = z.object({ noticeId: z.string().uuid() });

type SkipReason =
  "no_email_address" | "address_suppressed" | "email_not_allowed" | "email_not_configured" | "unsafe_text";

export type NoticeEmailResult =
  | { status: "sent" }
  | { status: "skipped"; reason: SkipReason }
  | { status: "failed" }
  | { status: "already_done" | "unknown_notice" };

type Trx = Transaction<Database>;

/** Queues the email of a notice just recorded, in the status's transaction (docs/product-rules.md §4.23). */
export async function queueValidationNoticeEmail(trx: Trx, noticeId: string): Promise<void> {
  await trx
    .updateTable("validation_notices")
    .set({ email_status: "queued" })
    .where("id", "=", noticeId)
    .execute();
  await sql`select graphile_worker.add_job(${VALIDATION_NOTICE_EMAIL_TASK}::text, ${jobPayload({ noticeId })}::json,
    max_attempts := ${ATTEMPTS}, job_key := ${`validation-notice:${noticeId}`}::text)`.execute(trx);
}

/** What an SMTP failure becomes: the notice's id and the error's code, nothing of the email. */
class NoticeEmailFailed extends Error {
  override readonly name = "NoticeEmailFailed";
}

function readNotice(trx: Trx, noticeId: string) {
  return trx
    .selectFrom("validation_notices as n")
    .innerJoin("borrowers as b", "b.id", "n.borrower_id")
    .innerJoin("accounts as a", "a.id", "n.account_id")
    .leftJoin("contact_preferences as p", "p.borrower_id", "n.borrower_id")
    .leftJoin("email_suppressions as s", (j) => j.on(sql<boolean>`s.address = lower(btrim(b.email))`))
    .select([
      "n.borrower_id",
      "n.channel",
      "n.locale",
      "n.body",
      "n.email_status",
      "a.last4",
      "b.email",
      sql<boolean>`coalesce(p.email_allowed, true)`.as("email_allowed"),
      sql<boolean>`s.address is not null`.as("suppressed"),
    ])
    .where("n.id", "=", noticeId)
    .forUpdate("n")
    .executeTakeFirst();
}

type Notice = NonNullable<Awaited<ReturnType<typeof readNotice>>>;

function skipReason(n: Notice, transport: EmailTransport | null): SkipReason | null {
  if (!n.email?.trim()) return "no_email_address";
  if (n.suppressed) return "address_suppressed";
  if (!n.email_allowed) return "email_not_allowed";
  return transport ? null : "email_not_configured";
}

function compose(noticeId: string, n: Notice): OutgoingEmail | null {
  const unsubscribe = unsubscribeUrl(noticeId, n.locale);
  try {
    const rendered = renderValidationNoticeEmail(n.locale, {
      bank: config().BANK_NAME,
      last4: n.last4,
      body: n.body,
      unsubscribe,
    });
    const headers = unsubscribeHeaders(unsubscribe, n.locale);
    // The mailbox names its template and language (a notice has no `emails` row).
    const mailbox = { templateKey: "status.validation_notice", locale: n.locale };
    return { emailId: noticeId, to: n.email!.trim(), ...rendered, headers, mailbox };
  } catch (error) {
    if (error instanceof UnsafeNoticeText) return null;
    throw error;
  }
}

/** Records what became of the email on the notice, with its audit row (no address, no text). */
async function settle(
  trx: Trx,
  noticeId: string,
  borrowerId: string,
  outcome: {
    status: ValidationNoticeEmailStatus;
    reason?: string;
    provider?: "smtp" | "mailbox";
    providerId?: string;
  },
  now: Date,
) {
  const sent = outcome.status === "sent";
  await trx
    .updateTable("validation_notices")
    .set({
      email_status: outcome.status,
      email_reason: outcome.reason ?? null,
      email_provider: outcome.provider ?? null,
      email_provider_message_id: outcome.providerId ?? null,
      emailed_at: sent ? now : null,
    })
    .where("id", "=", noticeId)
    .execute();
  if (outcome.status === "sending" || outcome.status === "queued") return;
  await appendAudit(
    trx,
    {
      actorType: "system",
      action: sent ? "status.validation_notice_emailed" : "status.validation_notice_not_emailed",
      subjectType: "validation_notice",
      subjectId: noticeId,
      borrowerId,
      detail: sent ? { provider: outcome.provider } : { status: outcome.status, reason: outcome.reason },
    },
    now,
  );
}

export async function sendValidationNoticeEmail(
  db: Kysely<Database>,
  payload: z.infer<typeof validationNoticeEmailPayloadSchema>,
  opts: { now?: Date; transport?: EmailTransport | null; finalAttempt?: boolean } = {},
): Promise<NoticeEmailResult> {
  const now = opts.now ?? new Date();
  const transport = opts.transport === undefined ? emailTransport() : opts.transport;
  const { noticeId } = payload;
  const claimed = await db.transaction().execute(async (trx) => {
    const n = await readNotice(trx, noticeId);
    if (!n) return { status: "unknown_notice" } as const;
    if (n.channel !== "email" || n.email_status !== "queued") return { status: "already_done" } as const;
    const skip = skipReason(n, transport);
    const email = skip ? null : compose(noticeId, n);
    if (skip || !email) {
      const reason = skip ?? "unsafe_text";
      await settle(trx, noticeId, n.borrower_id, { status: "skipped", reason }, now);
      return { status: "skipped", reason } as const;
    }
    if (transport!.kind === "mailbox") {
      // The mailbox "sends" in this transaction: the copy and the record commit together.
      const accepted = await transport!.record(trx, email, now);
      const sent = { status: "sent", provider: "mailbox", providerId: accepted.providerMessageId } as const;
      await settle(trx, noticeId, n.borrower_id, sent, now);
      return { status: "sent" } as const;
    }
    await settle(trx, noticeId, n.borrower_id, { status: "sending" }, now);
    return { status: "sending", email, borrowerId: n.borrower_id } as const;
  });
  if (claimed.status !== "sending") {
    logger.info({ noticeId, outcome: claimed.status }, "validation notice email");
    return claimed;
  }
  return deliverBySmtp(db, noticeId, claimed, transport!, { now, finalAttempt: opts.finalAttempt ?? false });
}

async function deliverBySmtp(
  db: Kysely<Database>,
  noticeId: string,
  claimed: { email: OutgoingEmail; borrowerId: string },
  transport: EmailTransport,
  opts: { now: Date; finalAttempt: boolean },
): Promise<NoticeEmailResult> {
  if (transport.kind !== "smtp") throw new Error("expected the SMTP transport");
  try {
    const accepted = await transport.send(claimed.email);
    const sent = { status: "sent", provider: "smtp", providerId: accepted.providerMessageId } as const;
    await db.transaction().execute((trx) => settle(trx, noticeId, claimed.borrowerId, sent, opts.now));
    logger.info({ noticeId, outcome: "sent" }, "validation notice email");
    return { status: "sent" };
  } catch (error) {
    // Only the code: an SMTP error may quote the envelope (the address), which no log may carry.
    const code = String((error as { code?: unknown }).code ?? "error");
    logger.warn({ noticeId, code }, "validation notice email failed");
    // The server refused it: nothing went, so the next attempt may send it; the last one records the failure.
    const outcome: { status: ValidationNoticeEmailStatus; reason?: string } = opts.finalAttempt
      ? { status: "failed", reason: "smtp_error" }
      : { status: "queued" };
    await db.transaction().execute((trx) => settle(trx, noticeId, claimed.borrowerId, outcome, opts.now));
    if (opts.finalAttempt) return { status: "failed" };
    throw new NoticeEmailFailed(`validation notice ${noticeId}: SMTP send failed (${code})`);
  }
}
