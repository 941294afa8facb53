import { sql, type Kysely, type Transaction } from "kysely";
import type { Database, Locale } from "../../db/schema";
import { SUPPORTED_LOCALES } from "../i18n/config";
import { slotOfTemplateKey, type TemplateSlot } from "../domain/sms-template-check";
import {
  defaultReminderVariants,
  getSmsTemplate,
  type ReminderStage,
  type SmsTemplateKey,
} from "../domain/sms-templates";

/**
 * Staff-edited SMS templates (sms_templates, docs/product-rules.md §8.8): the active row for a
 * (stage or confirmation kind, locale, variant) replaces the shipped default.
 * queueSms reads here; the console's editor writes through app/staff/sms-templates.server.ts.
 */
type Db = Kysely<Database> | Transaction<Database>;

export async function activeTemplateRow(
  db: Db,
  slot: Pick<TemplateSlot, "stage" | "variant">,
  locale: Locale,
) {
  return db
    .selectFrom("sms_templates")
    .select(["id", "body", "version"])
    .where("stage", "=", slot.stage)
    .where("locale", "=", locale)
    .where("variant", "=", slot.variant)
    .where("active", "=", true)
    .executeTakeFirst();
}

/**
 * The body a text with this key is rendered from: the active edited row, else
 * the shipped default. Throws `unknown_template` (like getSmsTemplate) when
 * neither exists, e.g. an added variant with no row in this locale.
 */
export async function smsTemplateBody(
  db: Db,
  key: SmsTemplateKey,
  locale: Locale,
): Promise<{ body: string; version: number | null }> {
  const slot = slotOfTemplateKey(key);
  const row = slot ? await activeTemplateRow(db, slot, locale) : undefined;
  if (row) return { body: row.body, version: row.version };
  return { body: getSmsTemplate(locale, key), version: null };
}

/**
 * Variants of a reminder stage that can be sent in every language: the shipped
 * ones plus staff-added ones with an active row in all locales. (For the
 * planner's A/B assignment, which today offers only the shipped variants.)
 */
export async function sendableReminderVariants(db: Db, stage: ReminderStage): Promise<string[]> {
  const { rows } = await sql<{ variant: string }>`
    select variant from sms_templates
    where stage = ${stage} and active
    group by variant
    having count(distinct locale) = ${SUPPORTED_LOCALES.length}
  `.execute(db);
  return [...new Set([...defaultReminderVariants(stage), ...rows.map((r) => r.variant)])].sort();
}

/**
 * `smsTemplateBody` for many (key, locale) pairs with one query (the planner's
 * batches, docs/product-rules.md §12). Returns a lookup that answers exactly like
 * smsTemplateBody, throwing `unknown_template` only when asked for a pair with
 * neither an active row nor a shipped default.
 */
export async function smsTemplateBodies(
  db: Db,
  pairs: Iterable<{ key: SmsTemplateKey; locale: Locale }>,
): Promise<(key: SmsTemplateKey, locale: Locale) => { body: string; version: number | null }> {
  const stages: string[] = [];
  const locales: string[] = [];
  const variants: string[] = [];
  const seen = new Set<string>();
  for (const { key, locale } of pairs) {
    const slot = slotOfTemplateKey(key);
    if (!slot || seen.has(`${key}\u0000${locale}`)) continue;
    seen.add(`${key}\u0000${locale}`);
    stages.push(slot.stage);
    locales.push(locale);
    variants.push(slot.variant);
  }
  const rows = stages.length
    ? (
        await sql<{ stage: string; locale: string; variant: string; body: string; version: number }>`
          select t.stage, t.locale, t.variant, t.body, t.version from sms_templates t
          where t.active and (t.stage, t.locale, t.variant) in (
            select * from unnest(${stages}::text[], ${locales}::text[], ${variants}::text[]))
        `.execute(db)
      ).rows
    : [];
  const active = new Map(rows.map((r) => [`${r.stage}\u0000${r.locale}\u0000${r.variant}`, r]));
  const answers = new Map<string, { body: string; version: number | null }>();
  return (key, locale) => {
    const k = `${key}\u0000${locale}`;
    let answer = answers.get(k);
    if (!answer) {
      const slot = slotOfTemplateKey(key);
      const row = slot ? active.get(`${slot.stage}\u0000${locale}\u0000${slot.variant}`) : undefined;
      answer = row
        ? { body: row.body, version: row.version }
        : { body: getSmsTemplate(locale, key), version: null };
      answers.set(k, answer);
    }
    return answer;
  };
}
