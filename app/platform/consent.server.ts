import type { Kysely, Transaction } from "kysely";
import type { ActorType, ConsentAction, ConsentChannel, ConsentMethod, Database } from "../../db/schema";
import { textVersion, type ConsentText } from "../i18n/text-version.server";

/**
 * The consent ledger (docs/product-rules.md §10.11): one append-only row per change of a borrower's
 * consent to a channel, written in the transaction of the change. What was agreed or withdrawn, when, how
 * (portal, the link's landing, an SMS keyword, staff on the phone, the bank, the system) and under which
 * wording (the text's key and a hash of it in the borrower's language).
 */
type Db = Kysely<Database> | Transaction<Database>;

export interface ConsentChange {
  borrowerId: string;
  channel: ConsentChannel;
  action: ConsentAction;
  method: ConsentMethod;
  /** The wording shown; null when the borrower was shown none of ours (the bank's own records). */
  text: ConsentText | null;
  actorType: ActorType;
  actorId?: string | null;
  detail?: Record<string, unknown>;
}

export async function recordConsent(db: Db, changes: ConsentChange[], now: Date): Promise<void> {
  if (changes.length === 0) return;
  const ids = [...new Set(changes.map((c) => c.borrowerId))];
  const locales = await db
    .selectFrom("borrowers as b")
    .leftJoin("contact_preferences as p", "p.borrower_id", "b.id")
    .select(["b.id", "b.locale", "p.preferred_locale"])
    .where("b.id", "in", ids)
    .execute();
  const localeOf = new Map(locales.map((r) => [r.id, r.preferred_locale ?? r.locale]));
  await db
    .insertInto("consent_events")
    .values(
      changes.map((c) => ({
        borrower_id: c.borrowerId,
        channel: c.channel,
        action: c.action,
        method: c.method,
        text_version: c.text ? textVersion(c.text, localeOf.get(c.borrowerId) ?? "en") : null,
        actor_type: c.actorType,
        actor_id: c.actorId ?? null,
        detail: JSON.stringify(c.detail ?? {}),
        occurred_at: now,
      })),
    )
    .execute();
}

/** A borrower's ledger, newest first (`limit`: the most recent part). */
export async function consentHistory(db: Db, borrowerId: string, limit?: number) {
  let query = db
    .selectFrom("consent_events")
    .selectAll()
    .where("borrower_id", "=", borrowerId)
    .orderBy("occurred_at", "desc")
    .orderBy("id", "desc");
  if (limit) query = query.limit(limit);
  return query.execute();
}
