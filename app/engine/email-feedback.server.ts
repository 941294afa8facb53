import { sql, type Kysely } from "kysely";
import { z } from "zod";
import type { Database, Locale } from "../../db/schema";
import { appendAudit } from "../platform/audit.server";
import { emitBankEvent } from "../platform/bank-events.server";
import { verifyUnsubscribeToken } from "../messaging/email-unsubscribe.server";

/**
 * What comes back from email (docs/product-rules.md §4.17): the borrower's unsubscribe (the link in every
 * email, or the mail client's one-click POST, RFC 8058) turns email off for them; a hard bounce or a
 * complaint reported by the mail provider suppresses the address for everyone who holds it.
 */

/**
 * The email a token names: a reminder (`emails`) or a validation notice sent by email (§4.23), whose id is
 * the email's id; both carry the same unsubscribe link.
 */
async function sentEmail(
  db: Kysely<Database>,
  emailId: string,
): Promise<{ borrower_id: string; account_id: string; locale: Locale | null } | undefined> {
  const reminder = await db
    .selectFrom("emails")
    .select(["borrower_id", "account_id", "locale"])
    .where("id", "=", emailId)
    .executeTakeFirst();
  return (
    reminder ??
    db
      .selectFrom("validation_notices")
      .select(["borrower_id", "account_id", "locale"])
      .where("id", "=", emailId)
      .where("channel", "=", "email")
      .executeTakeFirst()
  );
}

export type UnsubscribeTarget = { status: "ok"; locale: Locale; alreadyOff: boolean } | { status: "invalid" };

/** The page's view of a token: its language and whether email is already off. Nothing is written. */
export async function unsubscribeTarget(db: Kysely<Database>, token: string): Promise<UnsubscribeTarget> {
  const emailId = verifyUnsubscribeToken(token);
  if (!emailId) return { status: "invalid" };
  const email = await sentEmail(db, emailId);
  if (!email) return { status: "invalid" };
  const row = await db
    .selectFrom("borrowers as b")
    .leftJoin("contact_preferences as p", "p.borrower_id", "b.id")
    .select([
      sql<Locale>`coalesce(${email.locale}::text, p.preferred_locale, b.locale)`.as("locale"),
      sql<boolean>`coalesce(p.email_allowed, true)`.as("email_allowed"),
    ])
    .where("b.id", "=", email.borrower_id)
    .executeTakeFirstOrThrow();
  return { status: "ok", locale: row.locale, alreadyOff: !row.email_allowed };
}

export type UnsubscribeResult =
  { status: "unsubscribed" | "already_unsubscribed"; locale: Locale } | { status: "invalid" };

/**
 * Turns email off for the borrower the email went to, in one transaction with its audit row and the bank
 * event. The preferences form can turn email on again (a verified borrower's explicit choice).
 */
export async function unsubscribeFromEmail(
  db: Kysely<Database>,
  token: string,
  opts: { via: "link" | "one_click"; now?: Date },
): Promise<UnsubscribeResult> {
  const emailId = verifyUnsubscribeToken(token);
  if (!emailId) return { status: "invalid" };
  const now = opts.now ?? new Date();
  return db.transaction().execute(async (trx) => {
    const email = await sentEmail(trx, emailId);
    if (!email) return { status: "invalid" as const };
    const borrower = await trx
      .selectFrom("borrowers")
      .select("locale")
      .where("id", "=", email.borrower_id)
      .forUpdate()
      .executeTakeFirstOrThrow();
    const locale = email.locale ?? borrower.locale;
    const prefs = await trx
      .selectFrom("contact_preferences")
      .select("email_allowed")
      .where("borrower_id", "=", email.borrower_id)
      .executeTakeFirst();
    if (prefs && !prefs.email_allowed) return { status: "already_unsubscribed" as const, locale };
    const change = { email_allowed: false, email_opted_out_at: now, updated_at: now };
    await trx
      .insertInto("contact_preferences")
      .values({ borrower_id: email.borrower_id, ...change })
      .onConflict((oc) => oc.column("borrower_id").doUpdateSet(change))
      .execute();
    await appendAudit(
      trx,
      {
        actorType: "borrower",
        actorId: email.borrower_id,
        action: "email.unsubscribed",
        subjectType: "borrower",
        subjectId: email.borrower_id,
        borrowerId: email.borrower_id,
        detail: { via: opts.via, emailId },
      },
      now,
    );
    await emitBankEvent(trx, {
      type: "preferences.changed",
      accountId: email.account_id,
      borrowerId: email.borrower_id,
      payload: { changed: ["emailAllowed"], preferences: { emailAllowed: false }, via: "email_unsubscribe" },
      now,
    });
    return { status: "unsubscribed" as const, locale };
  });
}

/**
 * The bounce and complaint webhook's body (docs/email-webhook.md): provider-agnostic, a batch of events.
 * Addresses are compared normalised (trimmed, lower-case).
 */
export const emailEventsSchema = z.object({
  events: z
    .array(
      z.object({
        id: z.string().min(1).max(200),
        type: z.enum(["bounce", "complaint", "delivered"]),
        bounce_type: z.enum(["hard", "soft"]).optional(),
        email: z
          .string()
          .trim()
          .toLowerCase()
          .max(254)
          .regex(/^[^\s@]+@[^\s@]+$/, "must be an email address"),
        occurred_at: z.string().datetime({ offset: true }),
      }),
    )
    .min(1)
    .max(500),
});
export type EmailEvents = z.infer<typeof emailEventsSchema>;

/** Suppresses every hard-bounced or complained-about address; soft bounces and deliveries change nothing. */
export async function applyEmailEvents(db: Kysely<Database>, body: EmailEvents, now = new Date()) {
  const suppress = body.events.filter(
    (e) => e.type === "complaint" || (e.type === "bounce" && e.bounce_type === "hard"),
  );
  return db.transaction().execute(async (trx) => {
    let suppressed = 0;
    for (const e of suppress) {
      const row = await trx
        .insertInto("email_suppressions")
        .values({
          address: e.email,
          reason: e.type === "complaint" ? "complaint" : "hard_bounce",
          suppressed_at: new Date(e.occurred_at),
          event_id: e.id,
        })
        .onConflict((oc) => oc.column("address").doNothing())
        .returning("address")
        .executeTakeFirst();
      if (row) suppressed += 1;
    }
    if (suppressed > 0)
      // Audited without the addresses: the log is kept for years, the addresses are personal data.
      await appendAudit(
        trx,
        {
          actorType: "system",
          action: "email.addresses_suppressed",
          subjectType: "email",
          detail: { suppressed, eventIds: suppress.map((e) => e.id) },
        },
        now,
      );
    return { received: body.events.length, suppressed };
  });
}
