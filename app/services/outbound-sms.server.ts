import { randomUUID } from "node:crypto";
import { sql, type Insertable, type Transaction } from "kysely";
import type { Database, Locale } from "../../db/schema";
import { config } from "../config.server";
import { formatMoney } from "../domain/money";
import { countSegments, type SmsEncoding } from "../domain/sms-segments";
import { fillSmsTemplate, smsTemplatePlaceholders, type SmsTemplateKey, type SmsVars } from "../domain/sms-templates";
import { generateLinkCode, hashLinkCode } from "../domain/link-code.server";
import { createShortLink, LINK_TTL_DAYS } from "./short-links.server";
import { smsTemplateBody } from "./sms-template-store.server";

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
  // A staff-edited template (sms_templates, active row) replaces the shipped default; the editor
  // guarantees it uses the default's placeholders, but the link is decided from the body actually sent.
  const template = await smsTemplateBody(trx, input.templateKey, locale);
  const needsLink = smsTemplatePlaceholders(template.body).includes("link");
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
  const body = fillSmsTemplate(template.body, {
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
  // Memoised (the planner formats one amount per text, DESIGN §12); formatMoney builds an Intl formatter per call.
  const key = `${minor}|${currency}|${locale}`;
  let text = amountCache.get(key);
  if (text === undefined) {
    text = formatMoney({ minor, currency }, locale);
    if (amountCache.size > 50_000) amountCache.clear();
    amountCache.set(key, text);
  }
  return text;
}
const amountCache = new Map<string, string>();

export function smsDate(isoDate: string, locale: Locale): string {
  const [y, m, d] = isoDate.split("-").map(Number);
  let format = dateFormats.get(locale);
  if (!format) dateFormats.set(locale, (format = new Intl.DateTimeFormat(locale, { month: "long", day: "numeric", timeZone: "UTC" })));
  return format.format(new Date(Date.UTC(y!, m! - 1, d!)));
}
const dateFormats = new Map<string, Intl.DateTimeFormat>();

// Texts made only of these characters are GSM-7 with one unit each; texts with a CJK character and no
// surrogate pair are UCS-2 with one unit per UTF-16 code unit. Anything else goes to the full calculator.
const PLAIN_GSM = /^[A-Za-z0-9 \n\r@$_!"#%&'()*+,\-./:;<=>?]*$/;
const CJK = /[\u3400-\u9fff]/;
const SURROGATE = /[\ud800-\udfff]/;

/** countSegments with a fast path for the two shapes reminder texts take (DESIGN §12: the planner counts 1M texts). */
export function smsSegments(body: string): { segments: number; encoding: SmsEncoding } {
  if (PLAIN_GSM.test(body)) return { encoding: "GSM-7", segments: body.length <= 160 ? 1 : Math.ceil(body.length / 153) };
  if (CJK.test(body) && !SURROGATE.test(body)) return { encoding: "UCS-2", segments: body.length <= 70 ? 1 : Math.ceil(body.length / 67) };
  const full = countSegments(body);
  return { encoding: full.encoding, segments: full.segments };
}

/**
 * Many rows in one statement with one parameter: Postgres expands a JSON array into the table's row
 * type (columns left out take their defaults), which is far cheaper than binding thousands of values.
 */
export async function insertJsonRows<T extends keyof Database & string>(trx: Trx, table: T, rows: ReadonlyArray<Insertable<Database[T]> | Record<string, unknown>>) {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!);
  const list = sql.join(columns.map((c) => sql.ref(c)));
  await sql`insert into ${sql.table(table)} (${list})
    select ${list} from json_populate_recordset(null::${sql.table(table)}, ${jsonRows(rows)}::json)`.execute(trx);
}

function jsonRows(rows: ReadonlyArray<object>): string {
  return JSON.stringify(rows, (_key, value) => (value instanceof Date ? value.toISOString() : value));
}

const BATCH_ROWS = 2_000; // rows per multi-row INSERT (Postgres allows 65,535 bind parameters per statement)

/**
 * `queueSms` for many texts at once, set-based, inside the caller's transaction
 * (the planner's path: DESIGN §12 allows no per-row round trips). Same rules and
 * the same result per input, in input order: consent checks, rendering from the
 * active template, one short link per message that carries one, the dedupe key
 * making a repeat a `duplicate` no-op, a `queued` status event and an `sms:send`
 * job per message. A fixed number of statements per 2,000 texts.
 */
export async function queueSmsBatch(trx: Trx, inputs: readonly QueueSmsInput[]): Promise<QueueSmsResult[]> {
  const results: QueueSmsResult[] = [];
  for (let i = 0; i < inputs.length; i += BATCH_ROWS) results.push(...(await queueSmsChunk(trx, inputs.slice(i, i + BATCH_ROWS))));
  return results;
}

async function queueSmsChunk(trx: Trx, inputs: readonly QueueSmsInput[]): Promise<QueueSmsResult[]> {
  if (inputs.length === 0) return [];
  const cfg = config();
  const none = "00000000-0000-0000-0000-000000000000";
  const borrowerIds = [...new Set(inputs.map((i) => i.borrowerId))];
  const accountIds = [...new Set(inputs.flatMap((i) => (i.accountId ? [i.accountId] : [])))];
  const [whoRows, accountRows] = await Promise.all([
    trx
      .selectFrom("borrowers")
      .leftJoin("contact_preferences", "contact_preferences.borrower_id", "borrowers.id")
      .select([
        "borrowers.id",
        "borrowers.full_name",
        "borrowers.phone_e164",
        "borrowers.locale",
        "contact_preferences.preferred_locale",
        "contact_preferences.sms_allowed",
        "contact_preferences.sms_opted_out_at",
      ])
      .where("borrowers.id", "in", borrowerIds)
      .execute(),
    trx
      .selectFrom("accounts")
      .select(["id", "borrower_id", "last4", "wrong_number_at"])
      .where("id", "in", accountIds.length ? accountIds : [none])
      .execute(),
  ]);
  const whoBy = new Map(whoRows.map((w) => [w.id, w]));
  const accountBy = new Map(accountRows.map((a) => [a.id, a]));
  const templates = new Map<string, Promise<{ body: string }>>();
  const templateFor = (key: SmsTemplateKey, locale: Locale) => {
    const k = `${key}\u0000${locale}`;
    let t = templates.get(k);
    if (!t) templates.set(k, (t = smsTemplateBody(trx, key, locale)));
    return t;
  };
  const baseUrl = cfg.publicBaseUrl.replace(/\/$/, "");

  const results: QueueSmsResult[] = new Array(inputs.length);
  const prepared: Array<{ index: number; messageId: string; code: string | null; accountId: string | null; borrowerId: string; now: Date; input: QueueSmsInput; row: Insertable<Database["messages"]> }> = [];
  for (const [index, input] of inputs.entries()) {
    const now = input.now ?? new Date();
    const who = whoBy.get(input.borrowerId);
    if (!who) throw new Error(`borrower ${input.borrowerId} not found`);
    const account = input.accountId ? accountBy.get(input.accountId) : null;
    if (input.accountId && (!account || account.borrower_id !== input.borrowerId)) throw new Error(`account ${input.accountId} not found for borrower`);
    if (input.purpose !== "keyword_reply") {
      if (who.sms_opted_out_at || who.sms_allowed === false) {
        results[index] = { status: "skipped", reason: "sms_opted_out" };
        continue;
      }
      if (account?.wrong_number_at) {
        results[index] = { status: "skipped", reason: "wrong_number" };
        continue;
      }
    }
    const locale: Locale = who.preferred_locale ?? who.locale;
    const messageId = randomUUID();
    const template = await templateFor(input.templateKey, locale);
    const code = smsTemplatePlaceholders(template.body).includes("link") && account ? generateLinkCode(cfg.linkSigningKeys) : null;
    const body = fillSmsTemplate(template.body, {
      bank: cfg.BANK_SMS_NAME,
      hotline: cfg.BANK_HOTLINE,
      name: salutation(who.full_name, locale),
      last4: account?.last4,
      link: code ? `${baseUrl}/r/${code}` : undefined,
      ...input.vars,
    });
    const segments = smsSegments(body);
    prepared.push({
      index,
      messageId,
      code,
      accountId: account?.id ?? null,
      borrowerId: input.borrowerId,
      now,
      input,
      row: {
        id: messageId,
        borrower_id: input.borrowerId,
        account_id: input.accountId,
        direction: "outbound",
        channel: "sms",
        stage: input.stage ?? null,
        template_key: input.templateKey,
        variant: input.variant ?? null,
        locale,
        body,
        to_address: who.phone_e164,
        from_address: null,
        provider: cfg.SMS_PROVIDER,
        status: "queued",
        segments: segments.segments,
        encoding: segments.encoding,
        dedupe_key: input.dedupeKey ?? null,
        scheduled_for: input.scheduledFor ?? now,
        created_at: now,
      },
    });
  }
  if (prepared.length === 0) return results;
  const messageColumns = sql.join(Object.keys(prepared[0]!.row).map((c) => sql.ref(c)));

  const inserted = new Set(
    (
      await sql<{ id: string }>`insert into messages (${messageColumns}) select ${messageColumns}
        from json_populate_recordset(null::messages, ${jsonRows(prepared.map((p) => p.row))}::json)
        on conflict (dedupe_key) do nothing returning id`.execute(trx)
    ).rows.map((r) => r.id),
  );
  const queued = prepared.filter((p) => inserted.has(p.messageId));
  for (const p of prepared) results[p.index] = inserted.has(p.messageId) ? { status: "queued", messageId: p.messageId } : { status: "skipped", reason: "duplicate" };
  if (queued.length === 0) return results;

  const links = queued.filter((p) => p.code && p.accountId);
  if (links.length) {
    await insertJsonRows(
      trx,
      "short_links",
      links.map((p) => ({
          code_hash: hashLinkCode(p.code!),
          key_id: p.code![0]!,
          borrower_id: p.borrowerId,
          account_id: p.accountId!,
          message_id: p.messageId,
        expires_at: new Date(p.now.getTime() + LINK_TTL_DAYS * 86_400_000),
        created_at: p.now,
      })),
    );
  }
  await insertJsonRows(
    trx,
    "message_status_events",
    queued.map((p) => ({ message_id: p.messageId, status: "queued", occurred_at: p.now, detail: { purpose: p.input.purpose } })),
  );
  const specs = queued.map((p) => ({
    identifier: "sms:send",
    payload: { messageId: p.messageId },
    run_at: (p.input.scheduledFor ?? p.now).toISOString(),
    max_attempts: 8,
    job_key: `sms:${p.messageId}`,
  }));
  await sql`select count(*) from graphile_worker.add_jobs(
      array(select json_populate_recordset(null::graphile_worker.job_spec, ${JSON.stringify(specs)}::json))
    )`.execute(trx);
  return results;
}
