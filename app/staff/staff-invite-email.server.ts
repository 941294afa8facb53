import type { Kysely } from "kysely";
import { z } from "zod";
import type { Database, Locale, StaffRole } from "../../db/schema";
import { renderStaffInviteEmail } from "../domain/staff-invite-email";
import { appendAudit } from "../platform/audit.server";
import { config } from "../platform/config.server";
import { logger } from "../platform/logger.server";
import { emailTransport, type EmailTransport, type OutgoingEmail } from "../messaging/email-transport.server";
import { staffConfig } from "./config.server";
import { formatStaffDateTime } from "./format";
import { inviteUrl, unsealInviteToken } from "./staff-invites.server";

/**
 * The `staff:invite-email` job (docs/product-rules.md §8.17): emails an invited member their one-time set-up
 * link, through the same transport as the reminder emails (SMTP, or the development mailbox). The payload is
 * only `{ inviteId }`: the token stays sealed on the invite until the email has gone, then is dropped. An
 * SMTP failure throws, so graphile-worker tries again with backoff; an invite that is no longer live (used,
 * replaced by a newer one, expired, its member disabled) is not emailed, and its sealed token is dropped.
 * Neither the link nor the address is ever logged or put in an error: logs carry the invite's id only.
 */
export const staffInviteEmailPayloadSchema = z.object({ inviteId: z.string().uuid() });

export type StaffInviteEmailResult =
  { status: "sent" } | { status: "not_live" | "already_sent" | "not_configured" | "unknown_invite" };

/** What an SMTP failure becomes: a message naming the invite and the error's code, nothing of the email. */
class InviteEmailFailed extends Error {
  override readonly name = "InviteEmailFailed";
}

function readInvite(db: Kysely<Database>, inviteId: string) {
  return db
    .selectFrom("staff_invites as i")
    .innerJoin("staff_users as u", "u.id", "i.staff_user_id")
    .select([
      "i.token_sealed",
      "i.email_locale",
      "i.emailed_at",
      "i.expires_at",
      "i.used_at",
      "i.revoked_at",
      "u.email",
      "u.display_name",
      "u.role",
      "u.disabled_at",
      "u.totp_enabled_at",
    ])
    .where("i.id", "=", inviteId)
    .executeTakeFirst();
}

type InviteRow = NonNullable<Awaited<ReturnType<typeof readInvite>>>;

function composeEmail(inviteId: string, invite: InviteRow & { token_sealed: Buffer }): OutgoingEmail {
  const cfg = config();
  const locale: Locale = invite.email_locale ?? "en";
  const link = inviteUrl(cfg.publicBaseUrl, unsealInviteToken(inviteId, invite.token_sealed));
  const rendered = renderStaffInviteEmail(locale, {
    bank: cfg.BANK_NAME,
    name: invite.display_name.trim() || invite.email,
    role: invite.role as StaffRole,
    link,
    expires: formatStaffDateTime(invite.expires_at, locale, staffConfig().STAFF_TIME_ZONE),
  });
  return {
    emailId: inviteId,
    to: invite.email,
    ...rendered,
    headers: { "Content-Language": locale },
    mailbox: { templateKey: "staff.invite", locale },
  };
}

/** The email went: note when, drop the sealed token, and audit it, in one transaction. */
async function markEmailed(
  db: Kysely<Database>,
  inviteId: string,
  email: OutgoingEmail,
  transport: EmailTransport,
  now: Date,
) {
  await db.transaction().execute(async (trx) => {
    if (transport.kind === "mailbox") await transport.record(trx, email, now);
    await trx
      .updateTable("staff_invites")
      .set({ emailed_at: now, token_sealed: null })
      .where("id", "=", inviteId)
      .execute();
    await appendAudit(
      trx,
      {
        actorType: "system",
        action: "staff.invite_emailed",
        subjectType: "staff_invite",
        subjectId: inviteId,
        detail: { provider: transport.kind, locale: email.mailbox?.locale ?? null },
      },
      now,
    );
  });
}

export async function sendStaffInviteEmail(
  db: Kysely<Database>,
  payload: z.infer<typeof staffInviteEmailPayloadSchema>,
  opts: { now?: Date; transport?: EmailTransport | null } = {},
): Promise<StaffInviteEmailResult> {
  const now = opts.now ?? new Date();
  const transport = opts.transport === undefined ? emailTransport() : opts.transport;
  const { inviteId } = payload;
  const invite = await readInvite(db, inviteId);
  if (!invite) return { status: "unknown_invite" };
  if (invite.emailed_at) return { status: "already_sent" };
  const live =
    invite.token_sealed !== null &&
    invite.used_at === null &&
    invite.revoked_at === null &&
    invite.expires_at > now &&
    invite.disabled_at === null &&
    invite.totp_enabled_at === null;
  if (!live || !transport) {
    await db.updateTable("staff_invites").set({ token_sealed: null }).where("id", "=", inviteId).execute();
    const status = live ? "not_configured" : "not_live";
    logger.info({ inviteId, outcome: status }, "staff invite email not sent");
    return { status };
  }
  const email = composeEmail(inviteId, { ...invite, token_sealed: invite.token_sealed! });
  if (transport.kind === "smtp") {
    try {
      await transport.send(email);
    } catch (error) {
      // Only the code: an SMTP error may quote the envelope (the address), never the body, but keep neither.
      const code = (error as { code?: unknown }).code;
      throw new InviteEmailFailed(`staff invite ${inviteId}: SMTP send failed (${String(code ?? "error")})`);
    }
  }
  await markEmailed(db, inviteId, email, transport, now);
  logger.info({ inviteId, provider: transport.kind }, "staff invite emailed");
  return { status: "sent" };
}
