import { sql, type Kysely, type Transaction } from "kysely";
import { z } from "zod";
import type { Database, Locale } from "../../db/schema";
import { amountAsked } from "../domain/decide-next-contact";
import { renderReminderEmail } from "../domain/email-templates";
import { isoDateFromEpochDay, localEpochDay } from "../domain/local-time";
import { REMINDER_STAGES, type ReminderStage } from "../domain/sms-templates";
import { config } from "../platform/config.server";
import { timeOrderedId } from "../platform/ids.server";
import { errorFields, logger } from "../platform/logger.server";
import { emailTransport, type EmailTransport, type OutgoingEmail } from "../messaging/email-transport.server";
import { unsubscribeHeaders, unsubscribeUrl } from "../messaging/email-unsubscribe.server";
import { createShortLink } from "../messaging/short-links.server";
import { smsAmount, smsDate } from "../messaging/outbound-sms.server";
import { loadAccountFacts, type AccountFacts } from "./contact-inputs.server";

/**
 * The `email:send` task (docs/product-rules.md §4.17): the schedule stores an `email` send decision and
 * enqueues `{ accountId, decisionId }`. At send time the task checks again that email may be used (an
 * address, email allowed in the preferences, not unsubscribed, the address not suppressed by a bounce or
 * complaint, something still owed), renders the stage's email in the borrower's language with a fresh
 * signed short link and an unsubscribe link, and sends it at most once per decision: the `emails` row,
 * unique by decision, is written before the send. A second run of the same decision is a no-op.
 */
type Trx = Transaction<Database>;

export const EMAIL_SEND_TASK = "email:send";

export const emailSendPayloadSchema = z.object({
  accountId: z.string().uuid(),
  decisionId: z.string().regex(/^[1-9]\d{0,15}$/, "must be a contact decision id"),
});
export type EmailSendPayload = z.infer<typeof emailSendPayloadSchema>;

type EmailSkipReason =
  | "not_an_email_decision"
  | "no_email_address"
  | "email_not_allowed"
  | "address_suppressed"
  | "nothing_due"
  | "email_not_configured";

export type EmailSendResult =
  | { status: "sent"; emailId: string }
  | { status: "skipped"; emailId: string; reason: EmailSkipReason }
  | { status: "failed"; emailId: string }
  | { status: "duplicate" }
  | { status: "unknown_decision" };

interface Prepared {
  emailId: string;
  email: OutgoingEmail | null;
  skip: EmailSkipReason | null;
}

export async function sendDecidedEmail(
  db: Kysely<Database>,
  payload: EmailSendPayload,
  opts: { now?: Date; transport?: EmailTransport | null } = {},
): Promise<EmailSendResult> {
  const now = opts.now ?? new Date();
  const transport = opts.transport === undefined ? emailTransport() : opts.transport;
  const claimed = await db.transaction().execute(async (trx) => {
    const prepared = await prepareEmail(trx, payload, transport, now);
    if (prepared === "unknown_decision" || prepared === "duplicate") return prepared;
    if (prepared.skip || !prepared.email || transport?.kind !== "mailbox") return prepared;
    // The mailbox "sends" in this transaction: the record and the copy commit together.
    const accepted = await transport.record(trx, prepared.email, now);
    await markSent(trx, prepared.emailId, "mailbox", accepted.providerMessageId, now);
    return { ...prepared, email: null, sent: true as const };
  });
  if (claimed === "unknown_decision" || claimed === "duplicate") {
    logger.info({ decisionId: payload.decisionId, outcome: claimed }, "email:send did nothing");
    return { status: claimed };
  }
  if (claimed.skip) {
    logger.info({ emailId: claimed.emailId, reason: claimed.skip }, "email skipped at send time");
    return { status: "skipped", emailId: claimed.emailId, reason: claimed.skip };
  }
  if ("sent" in claimed) return { status: "sent", emailId: claimed.emailId };
  return deliverBySmtp(db, claimed.emailId, claimed.email!, transport!, now);
}

/**
 * The row is committed as `sending` before SMTP is called: a crash after the server took the email leaves
 * it `sending`, never sent twice (a duplicate collection email is worse than a missing one).
 */
async function deliverBySmtp(
  db: Kysely<Database>,
  emailId: string,
  email: OutgoingEmail,
  transport: EmailTransport,
  now: Date,
): Promise<EmailSendResult> {
  if (transport.kind !== "smtp") throw new Error("expected the SMTP transport");
  try {
    const accepted = await transport.send(email);
    await db.transaction().execute((trx) => markSent(trx, emailId, "smtp", accepted.providerMessageId, now));
    logger.info({ emailId }, "email sent");
    return { status: "sent", emailId };
  } catch (error) {
    logger.warn({ emailId, err: errorFields(error) }, "email send failed");
    await db
      .updateTable("emails")
      .set({ status: "failed", reason: "smtp_error", provider: "smtp" })
      .where("id", "=", emailId)
      .execute();
    return { status: "failed", emailId };
  }
}

async function markSent(
  trx: Trx,
  emailId: string,
  provider: "smtp" | "mailbox",
  providerId: string,
  now: Date,
) {
  await trx
    .updateTable("emails")
    .set({ status: "sent", provider, provider_message_id: providerId, sent_at: now })
    .where("id", "=", emailId)
    .execute();
}

/** The account, its borrower's address and consent, and whether the address is suppressed. */
function readRecipient(trx: Trx, accountId: string) {
  return trx
    .selectFrom("accounts as a")
    .innerJoin("borrowers as b", "b.id", "a.borrower_id")
    .leftJoin("contact_preferences as p", "p.borrower_id", "b.id")
    .leftJoin("email_suppressions as s", (j) => j.on(sql<boolean>`s.address = lower(btrim(b.email))`))
    .select([
      "a.borrower_id",
      "a.status",
      "a.last4",
      "b.email",
      "b.full_name",
      "b.time_zone",
      sql<Locale>`coalesce(p.preferred_locale, b.locale)`.as("locale"),
      sql<boolean>`coalesce(p.email_allowed, true)`.as("email_allowed"),
      sql<boolean>`s.address is not null`.as("suppressed"),
    ])
    .where("a.id", "=", accountId)
    .forUpdate("a")
    .executeTakeFirst();
}

/** Claims the decision (the `emails` row) and, when it may go, renders the email. */
async function prepareEmail(
  trx: Trx,
  payload: EmailSendPayload,
  transport: EmailTransport | null,
  now: Date,
): Promise<Prepared | "unknown_decision" | "duplicate"> {
  const decision = await trx
    .selectFrom("contact_decisions")
    .select(["action", "channel", "stage", "template_key"])
    .where("id", "=", Number(payload.decisionId))
    .where("account_id", "=", payload.accountId)
    .executeTakeFirst();
  const who = decision ? await readRecipient(trx, payload.accountId) : undefined;
  if (!decision || !who) return "unknown_decision";
  const stage = reminderStage(decision.template_key, decision.stage);
  const facts = (await loadAccountFacts(trx, { now, accountIds: [payload.accountId] }))[0];
  const figures = facts && stage ? emailFigures(facts, stage, now) : null;
  const skip: EmailSkipReason | null =
    decision.action !== "send" || decision.channel !== "email" || !stage
      ? "not_an_email_decision"
      : !who.email
        ? "no_email_address"
        : !who.email_allowed
          ? "email_not_allowed"
          : who.suppressed
            ? "address_suppressed"
            : !figures || who.status === "paid" || who.status === "closed"
              ? "nothing_due"
              : !transport
                ? "email_not_configured"
                : null;
  const emailId = timeOrderedId();
  const inserted = await trx
    .insertInto("emails")
    .values({
      id: emailId,
      decision_id: payload.decisionId,
      borrower_id: who.borrower_id,
      account_id: payload.accountId,
      to_address: skip ? null : who.email,
      stage,
      template_key: stage ? `email.${stage}` : null,
      locale: who.locale,
      status: skip ? "skipped" : "sending",
      reason: skip,
      created_at: now,
    })
    .onConflict((oc) => oc.column("decision_id").doNothing())
    .returning("id")
    .executeTakeFirst();
  if (!inserted) return "duplicate";
  if (skip) return { emailId, email: null, skip };
  const cfg = config();
  const link = await createShortLink(trx, {
    accountId: payload.accountId,
    keys: cfg.linkSigningKeys,
    baseUrl: cfg.publicBaseUrl,
    now,
  });
  const unsubscribe = unsubscribeUrl(emailId, who.locale);
  const rendered = renderReminderEmail(who.locale, stage!, {
    bank: cfg.BANK_NAME,
    name: who.full_name.trim(),
    last4: who.last4,
    amount: smsAmount(figures!.amountMinor, facts!.currency, who.locale),
    dueDate: smsDate(figures!.dueDate, who.locale),
    hotline: cfg.BANK_HOTLINE,
    link: link.url,
    unsubscribe,
  });
  const headers = unsubscribeHeaders(unsubscribe, who.locale);
  return { emailId, skip: null, email: { emailId, to: who.email!, ...rendered, headers } };
}

/** The reminder stage a decision names: its template (`reminder.<stage>.<variant>` or a stage) or its stage. */
function reminderStage(templateKey: string | null, stage: string | null): ReminderStage | null {
  const candidates = [templateKey?.split(".")[1], templateKey, stage];
  return (REMINDER_STAGES as readonly string[]).find((s) => candidates.includes(s)) as ReminderStage | null;
}

/**
 * What the SMS of the same stage would ask for, read now: the instalment for an instalment reminder, else
 * the amount owed (net of portal payments not yet in the bank's balance) with the due date before it
 * passes, or a week from today once overdue. Null when nothing is owed: no email asks for zero.
 */
function emailFigures(facts: AccountFacts, stage: ReminderStage, now: Date) {
  if (stage === "instalment_due" && facts.nextInstalment)
    return facts.nextInstalment.amountMinor > 0 ? facts.nextInstalment : null;
  const amountMinor = amountAsked(facts.input.account);
  if (amountMinor <= 0) return null;
  if ((stage === "pre_due" || stage === "due") && facts.dueDate)
    return { amountMinor, dueDate: facts.dueDate };
  const today = localEpochDay(now.getTime(), facts.input.borrower.timeZone);
  return { amountMinor, dueDate: isoDateFromEpochDay(today + 7) };
}
