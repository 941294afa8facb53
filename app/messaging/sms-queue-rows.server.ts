import { sql, type Transaction } from "kysely";
import type { Database, Locale, SmsEncoding } from "../../db/schema";
import { pgArray } from "../../db/pg-array";
import { timeOrderedId } from "../platform/ids.server";
import { hashLinkCode } from "../domain/link-code.server";

/** One text ready to store: its message row (body masked, code sealed) and the link it carries. */
export interface PreparedText {
  /** Its position in the caller's inputs. */
  index: number;
  messageId: string;
  /** The live link code, for its short_links row; never stored in the message. */
  code: string | null;
  borrowerId: string;
  /** The account the link opens; null when the text carries no link. */
  linkAccountId: string | null;
  now: Date;
  row: {
    account_id: string | null;
    stage: string | null;
    template_key: string;
    variant: string | null;
    locale: Locale;
    body: string;
    link_code_sealed: Buffer | null;
    to_address: string;
    segments: number;
    encoding: SmsEncoding;
    dedupe_key: string | null;
    scheduled_for: Date;
  };
}

/**
 * The message rows, in one statement: rows as typed arrays, one per column, expanded by unnest() (far
 * cheaper for Postgres to read than JSON rows, and one parameter per column whatever the row count). A
 * dedupe key already stored makes its text a no-op. Returns the ids inserted.
 */
export async function insertQueuedTexts(
  trx: Transaction<Database>,
  texts: readonly PreparedText[],
  provider: string,
): Promise<Set<string>> {
  const col = (pick: (p: PreparedText) => string | number | Date | null) => pgArray(texts.map(pick));
  const { rows } = await sql<{
    id: string;
  }>`insert into messages (id, borrower_id, account_id, direction, channel,
      stage, template_key, variant, locale, body, link_code_sealed, to_address, from_address, provider, status,
      segments, encoding, dedupe_key, scheduled_for, created_at)
    select id, borrower_id, account_id, 'outbound', 'sms', stage, template_key, variant, locale, body,
      decode(sealed, 'hex'), to_address, null, ${provider}::text, 'queued', segments, encoding, dedupe_key,
      scheduled_for, created_at
    from unnest(${col((p) => p.messageId)}::uuid[], ${col((p) => p.borrowerId)}::uuid[], ${col((p) => p.row.account_id)}::uuid[],
      ${col((p) => p.row.stage)}::text[], ${col((p) => p.row.template_key)}::text[], ${col((p) => p.row.variant)}::text[], ${col((p) => p.row.locale)}::text[],
      ${col((p) => p.row.body)}::text[], ${col((p) => p.row.link_code_sealed?.toString("hex") ?? null)}::text[], ${col((p) => p.row.to_address)}::text[],
      ${col((p) => p.row.segments)}::int[], ${col((p) => p.row.encoding)}::text[], ${col((p) => p.row.dedupe_key)}::text[],
      ${col((p) => p.row.scheduled_for)}::timestamptz[], ${col((p) => p.now)}::timestamptz[])
      as t(id, borrower_id, account_id, stage, template_key, variant, locale, body, sealed, to_address, segments,
        encoding, dedupe_key, scheduled_for, created_at)
    on conflict (dedupe_key) do nothing returning id`.execute(trx);
  return new Set(rows.map((r) => r.id));
}

/** The short_links rows of texts that carry a link: only the code's keyed hash is stored. */
export async function insertTextLinks(
  trx: Transaction<Database>,
  texts: readonly PreparedText[],
  opts: { hashKey: string; ttlDays: number },
): Promise<void> {
  const links = texts.filter((p) => p.code && p.linkAccountId);
  if (links.length === 0) return;
  const col = (pick: (p: PreparedText) => string | Date) => pgArray(links.map(pick));
  await sql`insert into short_links (id, code_hash, key_id, borrower_id, account_id, message_id, expires_at, created_at)
    select * from unnest(${col(() => timeOrderedId())}::uuid[], ${col((p) => hashLinkCode(p.code!, opts.hashKey))}::text[],
      ${col((p) => p.code![0]!)}::text[], ${col((p) => p.borrowerId)}::uuid[], ${col((p) => p.linkAccountId!)}::uuid[],
      ${col((p) => p.messageId)}::uuid[], ${col((p) => new Date(p.now.getTime() + opts.ttlDays * 86_400_000))}::timestamptz[],
      ${col((p) => p.now)}::timestamptz[])`.execute(trx);
}
