import { sql, type Kysely, type Transaction } from "kysely";
import type { Database, Locale } from "../../db/schema";
import { SUPPORTED_LOCALES, type SupportedLocale } from "../i18n/config";
import {
  checkSmsTemplate,
  expectedPlaceholders,
  hasDefaultTemplate,
  templateKeyOfSlot,
  VARIANT_PATTERN,
  type TemplateProblem,
  type TemplateSlot,
} from "../domain/sms-template-check";
import {
  CONFIRMATION_KINDS,
  defaultReminderVariants,
  getSmsTemplate,
  REMINDER_STAGES,
  reminderTemplateKey,
  type ReminderStage,
  type SmsPlaceholder,
} from "../domain/sms-templates";
import { appendAudit } from "../platform/audit.server";
import { activeTemplateRow } from "../messaging/sms-template-store.server";
import { formatStaffDateTime } from "./format";
import type { StaffIdentity } from "./session.server";

/**
 * The SMS template editor (docs/product-rules.md §8.8): every reminder stage x variant and
 * every confirmation, in each language, shows the body queueSms will use (the
 * active sms_templates row, else the shipped default). A save is a new version
 * that becomes the active row, checked by checkSmsTemplate and audited in the
 * same transaction. Staff can add an A/B variant to a stage (in every language at once).
 */
type Trx = Transaction<Database>;
/** A stage's variants, shipped ones included (policy stages allow at most 8). */
const MAX_VARIANTS_PER_STAGE = 8;
const HISTORY_LIMIT = 20;

const slotLock = (stage: string) =>
  sql`select pg_advisory_xact_lock(hashtext(${`settle:sms_templates:${stage}`}))`;

interface TemplateListEntry {
  stage: string;
  variant: string;
  locale: SupportedLocale;
  /** 0: the shipped default is in use. */
  version: number;
  body: string;
  segments: number | null;
  encoding: string | null;
  ok: boolean;
}

export interface TemplateGroup {
  kind: TemplateSlot["kind"];
  stage: string;
  variants: Array<{ variant: string; added: boolean; entries: TemplateListEntry[] }>;
}

/** Variants staff added to each reminder stage (any locale). */
async function addedVariants(db: Kysely<Database> | Trx): Promise<Map<string, string[]>> {
  const rows = await db
    .selectFrom("sms_templates")
    .select(["stage", "variant"])
    .distinct()
    .where("stage", "in", [...REMINDER_STAGES])
    .orderBy("stage")
    .orderBy("variant")
    .execute();
  const out = new Map<string, string[]>();
  for (const r of rows) {
    if (defaultReminderVariants(r.stage as ReminderStage).includes(r.variant)) continue;
    out.set(r.stage, [...(out.get(r.stage) ?? []), r.variant]);
  }
  return out;
}

export async function listTemplates(db: Kysely<Database>): Promise<TemplateGroup[]> {
  const [active, added] = await Promise.all([
    db
      .selectFrom("sms_templates")
      .select(["stage", "variant", "locale", "version", "body"])
      .where("active", "=", true)
      .execute(),
    addedVariants(db),
  ]);
  const stored = new Map(active.map((r) => [`${r.stage}|${r.variant}|${r.locale}`, r]));
  const entries = (slot: TemplateSlot): TemplateListEntry[] =>
    SUPPORTED_LOCALES.map((locale) => {
      const row = stored.get(`${slot.stage}|${slot.variant}|${locale}`);
      const body =
        row?.body ?? (hasDefaultTemplate(slot) ? getSmsTemplate(locale, templateKeyOfSlot(slot)) : "");
      const check = checkSmsTemplate({ body, locale, slot });
      return {
        stage: slot.stage,
        variant: slot.variant,
        locale,
        version: row?.version ?? 0,
        body,
        segments: check.worstCase?.segments ?? null,
        encoding: check.worstCase?.encoding ?? null,
        ok: check.ok,
      };
    });
  return [
    ...REMINDER_STAGES.map((stage): TemplateGroup => {
      const shipped = defaultReminderVariants(stage);
      const variants = [...shipped, ...(added.get(stage) ?? [])];
      return {
        kind: "reminder",
        stage,
        variants: variants.map((variant) => ({
          variant,
          added: !shipped.includes(variant),
          entries: entries({ kind: "reminder", stage, variant }),
        })),
      };
    }),
    ...CONFIRMATION_KINDS.map((stage): TemplateGroup => ({
      kind: "confirmation",
      stage,
      variants: [
        { variant: "A", added: false, entries: entries({ kind: "confirmation", stage, variant: "A" }) },
      ],
    })),
  ];
}

/** Whether a slot can be edited: shipped, or a variant staff added to the stage. */
export async function slotExists(db: Kysely<Database> | Trx, slot: TemplateSlot): Promise<boolean> {
  if (hasDefaultTemplate(slot)) return true;
  const row = await db
    .selectFrom("sms_templates")
    .select("id")
    .where("stage", "=", slot.stage)
    .where("variant", "=", slot.variant)
    .limit(1)
    .executeTakeFirst();
  return Boolean(row);
}

export interface TemplateEditorView {
  /** 0: the shipped default is in use. */
  version: number;
  body: string;
  defaultBody: string | null;
  placeholders: SmsPlaceholder[];
  savedAt: string | null;
  savedBy: string | null;
  history: Array<{ version: number; active: boolean; savedAt: string; savedBy: string | null; body: string }>;
}

export async function loadTemplateEditor(
  db: Kysely<Database>,
  slot: TemplateSlot,
  locale: Locale,
  display: { locale: string; timeZone: string },
): Promise<TemplateEditorView | null> {
  if (!(await slotExists(db, slot))) return null;
  const rows = await db
    .selectFrom("sms_templates as t")
    .leftJoin("staff_users as s", "s.id", "t.created_by_staff_id")
    .select(["t.version", "t.active", "t.body", "t.created_at", "s.display_name"])
    .where("t.stage", "=", slot.stage)
    .where("t.variant", "=", slot.variant)
    .where("t.locale", "=", locale)
    .orderBy("t.version", "desc")
    .limit(HISTORY_LIMIT)
    .execute();
  const when = (d: Date) => formatStaffDateTime(d, display.locale, display.timeZone);
  const active = rows.find((r) => r.active);
  const defaultBody = hasDefaultTemplate(slot) ? getSmsTemplate(locale, templateKeyOfSlot(slot)) : null;
  return {
    version: active?.version ?? 0,
    body: active?.body ?? defaultBody ?? (await baseBody(db, slot.stage as ReminderStage, locale)),
    defaultBody,
    placeholders: expectedPlaceholders(slot),
    savedAt: active ? when(active.created_at) : null,
    savedBy: active?.display_name ?? null,
    history: rows.map((r) => ({
      version: r.version,
      active: r.active,
      savedAt: when(r.created_at),
      savedBy: r.display_name,
      body: r.body,
    })),
  };
}

export type SaveTemplateResult =
  | { status: "saved"; version: number }
  | { status: "unchanged"; version: number }
  | { status: "invalid"; problems: TemplateProblem[] }
  /** Someone saved another version since the editor was opened at `baseVersion`. */
  | { status: "conflict"; currentVersion: number }
  | { status: "not_found" };

export async function saveSmsTemplate(
  db: Kysely<Database>,
  input: {
    staff: Pick<StaffIdentity, "id">;
    slot: TemplateSlot;
    locale: SupportedLocale;
    body: string;
    baseVersion: number;
    now?: Date;
  },
): Promise<SaveTemplateResult> {
  const now = input.now ?? new Date();
  const { slot, locale, body } = input;
  const check = checkSmsTemplate({ body, locale, slot });
  if (!check.ok) return { status: "invalid", problems: check.problems };
  return db.transaction().execute(async (trx): Promise<SaveTemplateResult> => {
    await slotLock(slot.stage).execute(trx);
    if (!(await slotExists(trx, slot))) return { status: "not_found" };
    const active = await activeTemplateRow(trx, slot, locale);
    const currentVersion = active?.version ?? 0;
    if (currentVersion !== input.baseVersion) return { status: "conflict", currentVersion };
    const current =
      active?.body ?? (hasDefaultTemplate(slot) ? getSmsTemplate(locale, templateKeyOfSlot(slot)) : null);
    if (current === body) return { status: "unchanged", version: currentVersion };

    const version = (await maxVersion(trx, slot, locale)) + 1;
    if (active)
      await trx.updateTable("sms_templates").set({ active: false }).where("id", "=", active.id).execute();
    const row = await trx
      .insertInto("sms_templates")
      .values({
        stage: slot.stage,
        locale,
        variant: slot.variant,
        body,
        version,
        active: true,
        created_by_staff_id: input.staff.id,
        created_at: now,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await appendAudit(
      trx,
      {
        actorType: "staff",
        actorId: input.staff.id,
        action: "sms_template.saved",
        subjectType: "sms_template",
        subjectId: row.id,
        detail: {
          key: templateKeyOfSlot(slot),
          locale,
          version,
          previousVersion: currentVersion,
          segments: check.worstCase?.segments ?? null,
          encoding: check.worstCase?.encoding ?? null,
          // Template text is not personal data, and what the bank said is evidence
          // (docs/product-rules.md §8.8).
          body,
        },
      },
      now,
    );
    return { status: "saved", version };
  });
}

export type AddVariantResult =
  { status: "added" } | { status: "exists" } | { status: "too_many"; max: number } | { status: "invalid" };

/**
 * A new A/B variant for a reminder stage, in every language at once (so no
 * borrower can be assigned a variant missing in their language), starting as a
 * copy of the stage's first variant. Staff then edit each language.
 */
export async function addReminderVariant(
  db: Kysely<Database>,
  input: { staff: Pick<StaffIdentity, "id">; stage: ReminderStage; variant: string; now?: Date },
): Promise<AddVariantResult> {
  const now = input.now ?? new Date();
  const { stage, variant } = input;
  if (!(REMINDER_STAGES as readonly string[]).includes(stage) || !VARIANT_PATTERN.test(variant))
    return { status: "invalid" };
  return db.transaction().execute(async (trx): Promise<AddVariantResult> => {
    await slotLock(stage).execute(trx);
    const existing = [...defaultReminderVariants(stage), ...((await addedVariants(trx)).get(stage) ?? [])];
    if (existing.includes(variant)) return { status: "exists" };
    if (existing.length >= MAX_VARIANTS_PER_STAGE) return { status: "too_many", max: MAX_VARIANTS_PER_STAGE };
    const ids: string[] = [];
    for (const locale of SUPPORTED_LOCALES) {
      const row = await trx
        .insertInto("sms_templates")
        .values({
          stage,
          locale,
          variant,
          body: await baseBody(trx, stage, locale),
          version: 1,
          active: true,
          created_by_staff_id: input.staff.id,
          created_at: now,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      ids.push(row.id);
    }
    await appendAudit(
      trx,
      {
        actorType: "staff",
        actorId: input.staff.id,
        action: "sms_template.variant_added",
        subjectType: "sms_template",
        subjectId: ids[0],
        detail: { stage, variant, locales: [...SUPPORTED_LOCALES] },
      },
      now,
    );
    return { status: "added" };
  });
}

/** What a new variant starts from: the stage's first shipped variant as it is sent today. */
async function baseBody(db: Kysely<Database> | Trx, stage: ReminderStage, locale: Locale): Promise<string> {
  const first = defaultReminderVariants(stage)[0] ?? "A";
  const row = await activeTemplateRow(db, { stage, variant: first }, locale);
  return row?.body ?? getSmsTemplate(locale, reminderTemplateKey(stage, first));
}

async function maxVersion(trx: Trx, slot: TemplateSlot, locale: Locale): Promise<number> {
  const { max } = await trx
    .selectFrom("sms_templates")
    .select((eb) => eb.fn.max("version").as("max"))
    .where("stage", "=", slot.stage)
    .where("variant", "=", slot.variant)
    .where("locale", "=", locale)
    .executeTakeFirstOrThrow();
  return max ?? 0;
}
