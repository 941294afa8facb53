import { randomUUID } from "node:crypto";
import { sql, type Transaction } from "kysely";
import type { Database, Locale } from "../../db/schema";
import { config } from "../config.server";
import { formatMoney } from "../domain/money";
import { countSegments } from "../domain/sms-segments";
import { renderSms, requiredSmsVars, type SmsTemplateKey, type SmsVars } from "../domain/sms-templates";
import { createShortLink } from "./short-links.server";

type Trx = Transaction<Database>;

export type SmsPurpose = "reminder" | "confirmation" | "keyword_reply";

export interface QueueSmsInput {
  borrowerId: string;
  accountId: string | null;
  templateKey: SmsTemplateKey;
  purpose: SmsPurpose;
  /** Template values beyond the ones filled here (bank, name, last4, hotline, link). */
  vars?: SmsVars;
  stage?: string | null;
  variant?: string | null;
  /** Makes queueing idempotent, e.g. `reminder:<account>:<stage>:<local day>`. */
  dedupeKey?: string | null;
  scheduledFor?: Date;
  now?: Date;
}

export type QueueSmsResult =
  | { status: "queued"; messageId: string }
  | { status: "skipped"; reason: "sms_opted_out" | "wrong_number" | "duplicate" };

/**
 * The one way Settle queues a text, inside the caller's transaction: checks
 * consent, renders the template in the borrower's language with a fresh short
 * link when the template has one, counts segments, stores the message, and adds
 * the `sms:send` job in the same transaction (so no job without a row, no row without a job).
 * STOP/HELP replies are always sent (CTIA: answered even when not subscribed).
 */
export async function queueSms(trx: Trx, input: QueueSmsInput): Promise<QueueSmsResult> {
  const now = input.now ?? new Date();
  const cfg = config();
  const who = await trx
    .selectFrom("borrowers")
    .leftJoin("contact_preferences", "contact_preferences.borrower_id", "borrowers.id")
    .select([
      "borrowers.full_name",
      "borrowers.phone_e164",
      "borrowers.locale",
      "contact_preferences.preferred_locale",
      "contact_preferences.sms_allowed",
      "contact_preferences.sms_opted_out_at",
    ])
    .where("borrowers.id", "=", input.borrowerId)
    .executeTakeFirstOrThrow();
  const account = input.accountId
    ? await trx
        .selectFrom("accounts")
        .select(["id", "last4", "wrong_number_at", "currency"])
        .where("id", "=", input.accountId)
        .where("borrower_id", "=", input.borrowerId)
        .executeTakeFirstOrThrow()
    : null;

  if (input.purpose !== "keyword_reply") {
    if (who.sms_opted_out_at || who.sms_allowed === false) return { status: "skipped", reason: "sms_opted_out" };
    if (account?.wrong_number_at) return { status: "skipped", reason: "wrong_number" };
  }
  const locale: Locale = who.preferred_locale ?? who.locale;
  const messageId = randomUUID();
  const needsLink = requiredSmsVars(input.templateKey).includes("link");
  let link: string | undefined;
  // The message row must exist before a link can point at it. The dedupe key makes a concurrent
  // or repeated attempt a no-op instead of an error that would abort the caller's transaction.
  const inserted = await trx
    .insertInto("messages")
    .values({
      id: messageId,
      borrower_id: input.borrowerId,
      account_id: input.accountId,
      direction: "outbound",
      channel: "sms",
      stage: input.stage ?? null,
      template_key: input.templateKey,
      variant: input.variant ?? null,
      locale,
      body: "(rendering)",
      to_address: who.phone_e164,
      from_address: null,
      provider: cfg.SMS_PROVIDER,
      status: "queued",
      dedupe_key: input.dedupeKey ?? null,
      scheduled_for: input.scheduledFor ?? now,
      created_at: now,
    })
    .onConflict((oc) => oc.column("dedupe_key").doNothing())
    .returning("id")
    .executeTakeFirst();
  if (!inserted) return { status: "skipped", reason: "duplicate" };
  if (needsLink && account) {
    link = (
      await createShortLink(trx, { accountId: account.id, messageId, keys: cfg.linkSigningKeys, baseUrl: cfg.publicBaseUrl, now })
    ).url;
  }
  const body = renderSms(locale, input.templateKey, {
    bank: cfg.BANK_SMS_NAME,
    hotline: cfg.BANK_HOTLINE,
    name: salutation(who.full_name, locale),
    last4: account?.last4,
    link,
    ...input.vars,
  });
  const segments = countSegments(body);
  await trx
    .updateTable("messages")
    .set({ body, segments: segments.segments, encoding: segments.encoding })
    .where("id", "=", messageId)
    .execute();
  await trx
    .insertInto("message_status_events")
    .values({ message_id: messageId, status: "queued", occurred_at: now, detail: JSON.stringify({ purpose: input.purpose }) })
    .execute();
  await sql`select graphile_worker.add_job(
      'sms:send',
      json_build_object('messageId', ${messageId}::text),
      run_at := ${input.scheduledFor ?? now}::timestamptz,
      max_attempts := 8,
      job_key := ${`sms:${messageId}`}::text
    )`.execute(trx);
  return { status: "queued", messageId };
}

/** How a text addresses the borrower: the name as held, cut to what the templates are proven to fit. */
export function salutation(fullName: string, locale: Locale): string {
  const max = locale === "en" ? 20 : 4;
  const name = fullName.trim();
  return [...name].length <= max ? name : [...name].slice(0, max).join("");
}

/** Money and dates as they appear inside an SMS in the borrower's language. */
export function smsAmount(minor: number, currency: string, locale: Locale): string {
  return formatMoney({ minor, currency }, locale);
}
export function smsDate(isoDate: string, locale: Locale): string {
  const [y, m, d] = isoDate.split("-").map(Number);
  return new Intl.DateTimeFormat(locale, { month: "long", day: "numeric", timeZone: "UTC" }).format(new Date(Date.UTC(y!, m! - 1, d!)));
}
