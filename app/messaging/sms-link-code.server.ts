import { sql, type Kysely } from "kysely";
import type { Database } from "../../db/schema";
import { pgArray } from "../../db/pg-array";
import { config } from "../platform/config.server";
import { sealBytes, unsealBytes } from "../platform/secret-box.server";

/**
 * A text's link code lives in the stored body only as a fixed mask (docs/product-rules.md §3.1): whoever
 * reads messages (every staff role on the timeline, a copy of the database) never gets a live link. The
 * code itself is kept sealed beside the body until the dispatcher sends the text (sms:send puts it back),
 * and is dropped when the text leaves the queue (migration 0025). Segments are counted on the real text
 * before masking, so the stored count is what the borrower was charged for.
 */
const MASKED_LINK_CODE = "••••••";
const MASKED_PATH = `/r/${MASKED_LINK_CODE}`;
const CODE_IN_TEXT = /\/r\/([0-9A-Za-z]{16})/;

const key = () => ({ secret: config().smsLinkEncryptionKey, purpose: "sms-link-code" });
// Bound to the message: a sealed code copied onto another text does not open there.
const context = (messageId: string) => `messages.link_code_sealed:${messageId}`;

export function sealSmsLinkCode(messageId: string, code: string): Buffer {
  return sealBytes(code, key(), context(messageId));
}

/** A link as the text shows it, and as the text is stored. */
export function smsLink(baseUrl: string, code: string): { sent: string; stored: string } {
  return { sent: `${baseUrl}/r/${code}`, stored: `${baseUrl}${MASKED_PATH}` };
}

/**
 * The text to hand the provider: the stored body with its code back in place of the mask. Throws
 * UnsealError when the sealed code does not open (altered, copied from another text, or the key changed).
 */
export function textToSend(msg: { id: string; body: string; link_code_sealed: Buffer | null }): string {
  if (!msg.link_code_sealed) return msg.body;
  const code = unsealBytes(msg.link_code_sealed, key(), context(msg.id));
  return msg.body.split(MASKED_PATH).join(`/r/${code}`);
}

/**
 * Texts queued before migration 0025 still carry their code in the body: seal it and mask the body (run at
 * start-up and by `db:migrate`, after the migrations; a no-op once none is left). Returns how many.
 */
export async function sealQueuedLinkCodes(db: Kysely<Database>): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const rows = await trx
      .selectFrom("messages")
      .select(["id", "body"])
      .where("status", "=", "queued")
      .where("direction", "=", "outbound")
      .where("link_code_sealed", "is", null)
      .where("body", "~", CODE_IN_TEXT.source)
      .forUpdate()
      .execute();
    if (rows.length === 0) return 0;
    const codes = rows.map((r) => CODE_IN_TEXT.exec(r.body)![1]!);
    await sql`update messages m set body = v.body, link_code_sealed = decode(v.sealed, 'hex')
      from unnest(${pgArray(rows.map((r) => r.id))}::uuid[], ${pgArray(rows.map((r) => r.body.replace(CODE_IN_TEXT, MASKED_PATH)))}::text[],
        ${pgArray(rows.map((r, i) => sealSmsLinkCode(r.id, codes[i]!).toString("hex")))}::text[]) as v(id, body, sealed)
      where m.id = v.id`.execute(trx);
    return rows.length;
  });
}
