import { parsePhoneNumberFromString } from "libphonenumber-js";
import type { Kysely, Transaction } from "kysely";
import { timeOrderedId } from "../platform/ids.server";
import type { Database } from "../../db/schema";
import {
  classifyInboundSms,
  keywordReplyLocale,
  type InboundSmsClassification,
  type InboundSmsKind as InboundKind,
} from "../domain/inbound-keywords";
import { fillSmsTemplate } from "../domain/sms-templates";
import { optInToSms, optOutOfSms } from "./feedback.server";
import { logger, maskPhone } from "../platform/logger.server";
import { config } from "../platform/config.server";
import { queueSms } from "../messaging/outbound-sms.server";
import { smsTemplateBodies } from "../messaging/sms-template-store.server";
import { resumeCasesOnReply } from "./case-replies.server";

export interface InboundSms {
  from: string;
  body: string;
  provider: "outbox" | "twilio";
  /** Provider's id for the inbound text; makes webhook retries harmless. */
  providerMessageId: string | null;
  now?: Date;
}

export interface InboundOutcome {
  kind: InboundKind;
  borrowers: number;
  replies: number;
  /**
   * The answer to STOP, START or HELP from a number no borrower holds, which the provider sends back in
   * its response to the webhook (Twilio: TwiML), since there is no borrower to queue a text for.
   */
  unknownNumberReply: string | null;
  /** Free-text replies opened for a person to read (they may be an opt-out or a complaint). */
  reviews: number;
  /** Cases waiting for the borrower that this reply moved back to `in_progress`. */
  casesResumed: number;
}

type Trx = Transaction<Database>;
const KEYWORD_REPLY = {
  opt_out: "confirmation.opted_out",
  opt_in: "confirmation.opted_in",
  help: "confirmation.help",
} as const;

/**
 * A reply from a phone (docs/product-rules.md §4.9): STOP and friends opt out with one
 * confirmation, START opts back in, HELP answers with bank name and hotline, from any number, known or
 * not. STOP suppresses the number itself, so a borrower the bank gives it later starts opted out. A
 * longer reply that reads like an opt-out or a complaint opens a review task for a person, and the
 * schedule texts that borrower no more until it is done.
 * Stored as an inbound message for each borrower on that number; retries of
 * the same provider message change nothing. `within` runs in the same transaction with the outcome
 * (the console's outbox audits the reply it typed there).
 */
export async function handleInboundSms(
  db: Kysely<Database>,
  sms: InboundSms,
  opts: { within?: (trx: Transaction<Database>, outcome: InboundOutcome) => Promise<void> } = {},
): Promise<InboundOutcome> {
  return db.transaction().execute(async (trx) => {
    const outcome = await storeAndAnswer(trx, sms);
    await opts.within?.(trx, outcome);
    return outcome;
  });
}

async function storeAndAnswer(trx: Trx, sms: InboundSms): Promise<InboundOutcome> {
  const now = sms.now ?? new Date();
  const from = parsePhoneNumberFromString(sms.from)?.number ?? sms.from;
  const classified = classifyInboundSms(sms.body);
  const { kind, keyword } = classified;
  await suppressOrRelease(trx, from, classified, now);
  const borrowers = await trx
    .selectFrom("borrowers")
    .leftJoin("contact_preferences", "contact_preferences.borrower_id", "borrowers.id")
    .select(["borrowers.id", "contact_preferences.sms_opted_out_at"])
    .where("borrowers.phone_e164", "=", from)
    .execute();
  if (borrowers.length === 0) {
    logger.info({ from: maskPhone(from), kind }, "inbound SMS from an unknown number");
    return {
      kind,
      borrowers: 0,
      replies: 0,
      reviews: 0,
      casesResumed: 0,
      unknownNumberReply: await unknownNumberReply(trx, classified),
    };
  }
  const outcome: InboundOutcome = {
    kind,
    borrowers: borrowers.length,
    replies: 0,
    reviews: 0,
    casesResumed: 0,
    unknownNumberReply: null,
  };
  for (const [i, b] of borrowers.entries()) {
    const storedId = await storeInbound(trx, sms, { borrowerId: b.id, from, index: i, now });
    if (!storedId) continue; // a webhook retry: already handled
    const source = { actor: "borrower" as const, via: `sms_keyword:${keyword ?? kind}` };
    if (kind === "opt_out" && !b.sms_opted_out_at) {
      await optOutOfSms(trx, { borrowerId: b.id, source, now });
      outcome.replies += await reply(trx, b.id, KEYWORD_REPLY.opt_out, now);
    } else if (kind === "opt_in" && b.sms_opted_out_at) {
      await optInToSms(trx, { borrowerId: b.id, source, now });
      outcome.replies += await reply(trx, b.id, KEYWORD_REPLY.opt_in, now);
    } else if (kind === "help" && i === 0) {
      outcome.replies += await reply(trx, b.id, KEYWORD_REPLY.help, now);
    } else if (classified.possibleOptOut || classified.possibleComplaint) {
      outcome.reviews += await openReview(trx, { borrowerId: b.id, messageId: storedId, classified, now });
    }
    // A keyword is an instruction to the sender, not an answer; any other text answers a waiting case.
    if (kind === "other")
      outcome.casesResumed += await resumeCasesOnReply(trx, {
        borrowerId: b.id,
        via: "sms",
        ref: storedId,
        now,
      });
  }
  return outcome;
}

async function storeInbound(
  trx: Trx,
  sms: InboundSms,
  at: { borrowerId: string; from: string; index: number; now: Date },
): Promise<string | null> {
  const stored = await trx
    .insertInto("messages")
    .values({
      id: timeOrderedId(),
      borrower_id: at.borrowerId,
      account_id: null,
      direction: "inbound",
      channel: "sms",
      body: sms.body.slice(0, 1600),
      to_address: "settle",
      from_address: at.from,
      provider: sms.provider,
      // One provider id can only be stored once per provider; further borrowers on the number get a suffix.
      provider_message_id: sms.providerMessageId
        ? at.index === 0
          ? sms.providerMessageId
          : `${sms.providerMessageId}#${at.index}`
        : null,
      status: "received",
      created_at: at.now,
    })
    .onConflict((oc) =>
      oc
        .columns(["provider", "provider_message_id"])
        .where("provider_message_id", "is not", null)
        .doNothing(),
    )
    .returning("id")
    .executeTakeFirst();
  return stored?.id ?? null;
}

const E164 = /^\+[1-9][0-9]{6,14}$/;

/** STOP suppresses the number (TCPA and CTIA treat an opt-out as the number's); START releases it. */
async function suppressOrRelease(trx: Trx, phone: string, c: InboundSmsClassification, now: Date) {
  if (!E164.test(phone)) return;
  if (c.kind === "opt_out")
    await trx
      .insertInto("sms_suppressions")
      .values({ phone_e164: phone, opted_out_at: now, via: `sms_keyword:${c.keyword}` })
      .onConflict((oc) => oc.column("phone_e164").doNothing())
      .execute();
  else if (c.kind === "opt_in")
    await trx.deleteFrom("sms_suppressions").where("phone_e164", "=", phone).execute();
}

/** The keyword's answer for a number we do not know, in the keyword's language; nothing for other text. */
async function unknownNumberReply(trx: Trx, c: InboundSmsClassification): Promise<string | null> {
  if (c.kind === "other") return null;
  const key = KEYWORD_REPLY[c.kind];
  const locale = keywordReplyLocale(c.keyword);
  const templateFor = await smsTemplateBodies(trx, [{ key, locale }]);
  const cfg = config();
  return fillSmsTemplate(templateFor(key, locale).body, {
    bank: cfg.BANK_SMS_NAME,
    hotline: cfg.BANK_HOTLINE,
  });
}

/** A reply for a person to read: one task per message, due now. */
async function openReview(
  trx: Trx,
  opts: { borrowerId: string; messageId: string; classified: InboundSmsClassification; now: Date },
): Promise<number> {
  const opened = await trx
    .insertInto("tasks")
    .values({
      kind: "inbound_review",
      borrower_id: opts.borrowerId,
      account_id: null,
      status: "open",
      due_at: opts.now,
      source_type: "message",
      source_id: opts.messageId,
      dedupe_key: `inbound_review:${opts.messageId}`,
      outcome: null,
    })
    .onConflict((oc) => oc.column("dedupe_key").doNothing())
    .returning("id")
    .executeTakeFirst();
  return opened ? 1 : 0;
}

async function reply(
  trx: Trx,
  borrowerId: string,
  templateKey: (typeof KEYWORD_REPLY)[keyof typeof KEYWORD_REPLY],
  now: Date,
) {
  const result = await queueSms(trx, {
    borrowerId,
    accountId: null,
    templateKey,
    purpose: "keyword_reply",
    now,
  });
  return result.status === "queued" ? 1 : 0;
}
