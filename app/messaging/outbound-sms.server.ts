import { randomBytes } from "node:crypto";
import { sql, type Transaction } from "kysely";
import { timeOrderedId } from "../platform/ids.server";
import type { Database, Locale } from "../../db/schema";
import { config } from "../platform/config.server";
import { boundedMemo } from "../domain/memo";
import { formatMoney } from "../domain/money";
import { countSegments, type SmsEncoding } from "../domain/sms-segments";
import {
  fillSmsTemplate,
  smsTemplatePlaceholders,
  type SmsTemplateKey,
  type SmsVars,
} from "../domain/sms-templates";
import { generateLinkCode } from "../domain/link-code.server";
import { LINK_TTL_DAYS } from "./short-links.server";
import { smsTemplateBodies } from "./sms-template-store.server";
import { sealSmsLinkCode, smsLink } from "./sms-link-code.server";
import { recipientsOf, type KnownRecipient } from "./sms-recipients.server";
import { lacksOptOutNotice, noticeRequiredIn, withOptOutNotice } from "./opt-out-notice.server";
import { insertQueuedTexts, insertTextLinks, type PreparedText } from "./sms-queue-rows.server";
import { currentRequestId } from "../platform/request-context.server";
import { debtorOnlyRefusals } from "./debtor-only-sms.server";

type Trx = Transaction<Database>;

type SmsPurpose = "reminder" | "confirmation" | "keyword_reply";

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
  /**
   * The recipient as the caller read it moments ago (the planner, with the page of accounts it just
   * decided), instead of reading borrowers and accounts again here. Consent is checked on it now and
   * again by the dispatcher before the text goes out.
   */
  recipient?: KnownRecipient;
}

export type { KnownRecipient };

/*
 * A queued text is its message row (status `queued`, created_at): message_status_events records what
 * happens to it after that (sending, sent, delivered, failed, re-queued for a retry, cancelled). The
 * planner writes half a million texts a run at a million accounts; a separate row repeating the
 * message's own creation was a fifth of what it wrote (docs/product-rules.md §12).
 */
export type QueueSmsResult =
  { status: "queued"; messageId: string } | { status: "skipped"; reason: SkipReason | "duplicate" };

/** Why a text was not queued: consent, a wrong number, or a number debtor-only keeps out (§4.20). */
type SkipReason = "sms_opted_out" | "wrong_number" | "not_borrowers_number";

/**
 * The one way Settle queues a text, inside the caller's transaction: checks
 * consent, renders the template in the borrower's language with a fresh short
 * link when the template has one, counts segments, stores the message, and adds
 * the `sms:send` job in the same transaction (so no job without a row, no row without a job).
 * STOP/HELP replies are always sent (CTIA: answered even when not subscribed).
 */
export async function queueSms(trx: Trx, input: QueueSmsInput): Promise<QueueSmsResult> {
  return (await queueSmsBatch(trx, [input]))[0]!;
}

/** How a text addresses the borrower: the name as held, cut to what the templates are proven to fit. */
function salutation(fullName: string, locale: Locale): string {
  const max = locale === "en" ? 20 : 4;
  const name = fullName.trim();
  return [...name].length <= max ? name : [...name].slice(0, max).join("");
}

/** A text would have asked for nothing, or less: a bug upstream, never sent (docs/product-rules.md §4.12). */
export class NonPositiveSmsAmountError extends Error {
  override readonly name = "NonPositiveSmsAmountError";
}

/**
 * Money and dates as they appear inside an SMS in the borrower's language. Every amount a template shows
 * passes through here, so no text can say "pay HK$0.00" or a negative figure: that throws instead.
 */
export function smsAmount(minor: number, currency: string, locale: Locale): string {
  if (!Number.isSafeInteger(minor) || minor <= 0)
    throw new NonPositiveSmsAmountError(
      `an SMS amount must be a positive integer of minor units, got ${minor}`,
    );
  // Memoised: the planner formats one amount per text (docs/product-rules.md §12), and a book
  // repeats amounts.
  return amounts(`${minor}|${currency}|${locale}`, () => formatMoney({ minor, currency }, locale));
}
const amounts = boundedMemo<string>(50_000);

export function smsDate(isoDate: string, locale: Locale): string {
  const [y, m, d] = isoDate.split("-").map(Number);
  const format = dateFormats(
    locale,
    () => new Intl.DateTimeFormat(locale, { month: "long", day: "numeric", timeZone: "UTC" }),
  );
  return format.format(new Date(Date.UTC(y!, m! - 1, d!)));
}
const dateFormats = boundedMemo<Intl.DateTimeFormat>(100);

// Texts made only of these characters (GSM 03.38 basic set, one unit each; "£" and "¥" for GBP and CN¥
// amounts) are GSM-7; texts with a CJK character and no surrogate pair are UCS-2 with one unit per UTF-16
// code unit. Anything else goes to the full calculator.
const PLAIN_GSM = /^[A-Za-z0-9 \n\r@$_!"#%&'()*+,\-./:;<=>?£¥]*$/;
const CJK = /[\u3400-\u9fff]/;
const SURROGATE = /[\ud800-\udfff]/;

/**
 * countSegments with a fast path for the two shapes reminder texts take
 * (docs/product-rules.md §12: the planner counts 1M texts).
 */
export function smsSegments(body: string): { segments: number; encoding: SmsEncoding } {
  if (PLAIN_GSM.test(body))
    return { encoding: "GSM-7", segments: body.length <= 160 ? 1 : Math.ceil(body.length / 153) };
  if (CJK.test(body) && !SURROGATE.test(body))
    return { encoding: "UCS-2", segments: body.length <= 70 ? 1 : Math.ceil(body.length / 67) };
  const full = countSegments(body);
  return { encoding: full.encoding, segments: full.segments };
}

const BATCH_ROWS = 5_000; // texts per set of multi-row INSERTs (each a handful of array or JSON parameters)

/**
 * `queueSms` for many texts at once, set-based, inside the caller's transaction
 * (the planner's path: docs/product-rules.md §12 allows no per-row round trips). Same rules and
 * the same result per input, in input order: consent checks, rendering from the
 * active template, one short link per message that carries one, the dedupe key
 * making a repeat a `duplicate` no-op, and an `sms:send`
 * job per message. A fixed number of statements per 5,000 texts (BATCH_ROWS).
 */
export async function queueSmsBatch(trx: Trx, inputs: readonly QueueSmsInput[]): Promise<QueueSmsResult[]> {
  const results: QueueSmsResult[] = [];
  for (let i = 0; i < inputs.length; i += BATCH_ROWS)
    results.push(...(await queueSmsChunk(trx, inputs.slice(i, i + BATCH_ROWS))));
  return results;
}

async function queueSmsChunk(trx: Trx, inputs: readonly QueueSmsInput[]): Promise<QueueSmsResult[]> {
  if (inputs.length === 0) return [];
  const recipients = await recipientsOf(trx, inputs);
  const render = await textRenderer(trx, inputs, recipients);
  const notTheirs = await debtorOnlyRefusals(trx, recipients);
  const results: QueueSmsResult[] = new Array(inputs.length);
  const prepared: PreparedText[] = [];
  for (const [index, input] of inputs.entries()) {
    const refused = refusal(input, recipients[index]!, notTheirs(index));
    if (refused) results[index] = { status: "skipped", reason: refused };
    else prepared.push(render(input, index));
  }
  if (prepared.length === 0) return results;

  const cfg = config();
  const inserted = await insertQueuedTexts(trx, prepared, cfg.SMS_PROVIDER);
  for (const p of prepared)
    results[p.index] = inserted.has(p.messageId)
      ? { status: "queued", messageId: p.messageId }
      : { status: "skipped", reason: "duplicate" };
  const queued = prepared.filter((p) => inserted.has(p.messageId));
  if (queued.length === 0) return results;
  await insertTextLinks(trx, queued, { hashKey: cfg.linkHashKey, ttlDays: LINK_TTL_DAYS });
  await addSmsSendJobs(
    trx,
    queued.map((p) => ({ messageId: p.messageId, runAt: p.row.scheduled_for })),
  );
  return results;
}

/**
 * Why a text must not be queued. Keyword replies are answered whatever the consent (CTIA), and go to the
 * phone that texted the keyword; every other text is about the debt, so debtor-only applies to it.
 */
function refusal(input: QueueSmsInput, who: KnownRecipient, notTheirs: boolean): SkipReason | null {
  if (input.purpose === "keyword_reply") return null;
  if (who.smsRefused) return "sms_opted_out";
  if (who.account?.wrongNumber) return "wrong_number";
  if (notTheirs) return "not_borrowers_number";
  return null;
}

/**
 * Renders the chunk's texts: every template it may need read in one query (the active edited row, else
 * the shipped default), and 64 random bits per link code drawn in one call. The stored body has the link's
 * code masked and the code sealed beside it (sms-link-code.server.ts); segments are counted on the text
 * the borrower gets.
 */
async function textRenderer(trx: Trx, inputs: readonly QueueSmsInput[], recipients: KnownRecipient[]) {
  const cfg = config();
  const templateFor = await smsTemplateBodies(
    trx,
    inputs.map((input, i) => ({ key: input.templateKey, locale: recipients[i]!.locale })),
  );
  const lacking = (input: QueueSmsInput, i: number) =>
    lacksOptOutNotice(
      input.templateKey,
      templateFor(input.templateKey, recipients[i]!.locale).body,
      recipients[i]!.locale,
    );
  const noticeRequired = await noticeRequiredIn(trx, inputs.some(lacking));
  // Templates are parsed once per body (sms-templates.ts), so asking per text costs a lookup.
  const carriesLink = (body: string) => smsTemplatePlaceholders(body).includes("link");
  const random = randomBytes(8 * inputs.length);
  const baseUrl = cfg.publicBaseUrl.replace(/\/$/, "");
  return (input: QueueSmsInput, index: number): PreparedText => {
    const now = input.now ?? new Date();
    const who = recipients[index]!;
    const account = who.account;
    const messageId = timeOrderedId();
    const template = templateFor(input.templateKey, who.locale);
    const code =
      carriesLink(template.body) && account
        ? generateLinkCode(cfg.linkSigningKeys, random.subarray(8 * index, 8 * index + 8))
        : null;
    const link = code ? smsLink(baseUrl, code) : null;
    const filled = fillSmsTemplate(template.body, {
      bank: cfg.BANK_SMS_NAME,
      hotline: cfg.BANK_HOTLINE,
      name: salutation(who.fullName, who.locale),
      last4: account?.last4,
      link: link?.sent,
      ...input.vars,
    });
    const text =
      lacking(input, index) && noticeRequired(who.jurisdiction)
        ? withOptOutNotice(filled, who.locale)
        : filled;
    const segments = smsSegments(text);
    return {
      index,
      messageId,
      code,
      borrowerId: input.borrowerId,
      linkAccountId: account ? input.accountId : null,
      now,
      row: {
        account_id: input.accountId,
        stage: input.stage ?? null,
        template_key: input.templateKey,
        variant: input.variant ?? null,
        locale: who.locale,
        // Every occurrence: a staff-edited template may show the link twice.
        body: link ? text.split(link.sent).join(link.stored) : text,
        link_code_sealed: code ? sealSmsLinkCode(messageId, code) : null,
        to_address: who.phoneE164,
        segments: segments.segments,
        encoding: segments.encoding,
        dedupe_key: input.dedupeKey ?? null,
        scheduled_for: input.scheduledFor ?? now,
      },
    };
  };
}

/**
 * Texts per `sms:send` job: the dispatcher claims, re-decides, sends and records a job's texts set-based
 * (docs/product-rules.md §12).
 */
export const SMS_SEND_BATCH = 100;

/**
 * The `sms:send` jobs for queued texts, added inside the caller's transaction (so no job without
 * its rows). graphile-worker batch jobs: the payload is an array of `{ messageId }` entries, up to
 * SMS_SEND_BATCH texts per job, one job per due time; the task reports each entry's outcome, so a
 * retry carries only the texts that failed retryably (dispatcher.server.ts). The job key is
 * `sms:<first message id>` (plus `:<due time>` for a reschedule); adding a keyed job again while it
 * waits merges the payloads, and the dispatcher ignores a message id it already has.
 */
export async function addSmsSendJobs(
  trx: Trx,
  texts: ReadonlyArray<{ messageId: string; runAt: Date }>,
  opts: { keyWithRunAt?: boolean } = {},
) {
  const byRunAt = new Map<number, string[]>();
  for (const text of texts) {
    const ids = byRunAt.get(text.runAt.getTime());
    if (ids) ids.push(text.messageId);
    else byRunAt.set(text.runAt.getTime(), [text.messageId]);
  }
  const specs: Array<{
    identifier: string;
    payload: Array<{ messageId: string; requestId?: string }>;
    run_at: string;
    max_attempts: number;
    job_key: string;
  }> = [];
  const requestId = currentRequestId(); // texts a request queues (a confirmation) carry its id to the send
  for (const [runAt, ids] of byRunAt) {
    const at = new Date(runAt).toISOString();
    for (let i = 0; i < ids.length; i += SMS_SEND_BATCH) {
      const batch = ids.slice(i, i + SMS_SEND_BATCH);
      specs.push({
        identifier: "sms:send",
        payload: batch.map((messageId) => (requestId ? { messageId, requestId } : { messageId })),
        run_at: at,
        max_attempts: 8,
        job_key: opts.keyWithRunAt ? `sms:${batch[0]}:${at}` : `sms:${batch[0]}`,
      });
    }
  }
  if (specs.length === 0) return;
  await sql`select count(*) from graphile_worker.add_jobs(
      array(select json_populate_recordset(null::graphile_worker.job_spec, ${JSON.stringify(specs)}::json))
    )`.execute(trx);
}
