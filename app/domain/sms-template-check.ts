import type { SupportedLocale } from "../i18n/config";
import { countSegments, type SegmentCount } from "./sms-segments";
import {
  CONFIRMATION_KINDS,
  defaultReminderVariants,
  fillSmsTemplate,
  OPT_OUT_INSTRUCTION,
  REMINDER_STAGES,
  reminderTemplateKey,
  requiredSmsVars,
  SmsTemplateError,
  smsTemplatePlaceholders,
  WORST_CASE_VARS,
  type ConfirmationKind,
  type ReminderStage,
  type SmsPlaceholder,
  type SmsTemplateKey,
} from "./sms-templates";

/**
 * The rules a staff-edited SMS template must meet before it can be sent
 * (docs/product-rules.md §1.2, §4.12, §8.8): the same placeholders as the shipped default (so
 * every caller's values still fit), the opt-out instruction in every reminder,
 * and at most 2 parts when rendered with the longest values we promise to fit.
 * Pure, so the editor runs it live in the browser and the server runs it again on save.
 */
export const MAX_TEMPLATE_SEGMENTS = 2;
/** The database's limit on a stored body. */
export const MAX_TEMPLATE_LENGTH = 1600;
/** A/B variant names: a capital letter, then up to 7 capitals or digits ("A", "B", "C2"). */
export const VARIANT_PATTERN = /^[A-Z][A-Z0-9]{0,7}$/;
/** Invisible controls (line breaks aside) never belong in a text; Postgres cannot even store U+0000. */
const CONTROL_CHARACTERS = /[\u0000-\u0009\u000B\u000C\u000E-\u001F\u007F\u202A-\u202E\u2066-\u2069]/;

/**
 * Where a template lives in `sms_templates`: reminders by (stage, variant),
 * confirmations by (kind, "A"). Stage and kind names never overlap.
 */
export type TemplateSlot =
  | { kind: "reminder"; stage: ReminderStage; variant: string }
  | { kind: "confirmation"; stage: ConfirmationKind; variant: "A" };

function isReminderStage(value: unknown): value is ReminderStage {
  return (REMINDER_STAGES as readonly unknown[]).includes(value);
}

function isConfirmationKind(value: unknown): value is ConfirmationKind {
  return (CONFIRMATION_KINDS as readonly unknown[]).includes(value);
}

/** The slot of a template key, or null for a key that cannot be stored. */
export function slotOfTemplateKey(key: string): TemplateSlot | null {
  const [group, first, second, ...rest] = key.split(".");
  if (rest.length) return null;
  if (
    group === "reminder" &&
    isReminderStage(first) &&
    second !== undefined &&
    VARIANT_PATTERN.test(second)
  ) {
    return { kind: "reminder", stage: first, variant: second };
  }
  if (group === "confirmation" && isConfirmationKind(first) && second === undefined)
    return { kind: "confirmation", stage: first, variant: "A" };
  return null;
}

/** A slot from the editor's (stage, variant) pair; null when it names no template. */
export function slotOf(stage: string, variant: string): TemplateSlot | null {
  if (isReminderStage(stage) && VARIANT_PATTERN.test(variant)) return { kind: "reminder", stage, variant };
  if (isConfirmationKind(stage) && variant === "A") return { kind: "confirmation", stage, variant: "A" };
  return null;
}

export function templateKeyOfSlot(slot: TemplateSlot): SmsTemplateKey {
  return slot.kind === "reminder"
    ? reminderTemplateKey(slot.stage, slot.variant)
    : `confirmation.${slot.stage}`;
}

/** Whether the shipped defaults have this slot (variants added by staff have none). */
export function hasDefaultTemplate(slot: TemplateSlot): boolean {
  return slot.kind === "confirmation" || defaultReminderVariants(slot.stage).includes(slot.variant);
}

/**
 * The placeholders a slot's body must use: those of its default, or for an
 * added variant those of the stage's first default variant (the planner fills
 * every variant of a stage with the same values).
 */
export function expectedPlaceholders(slot: TemplateSlot): SmsPlaceholder[] {
  if (hasDefaultTemplate(slot)) return requiredSmsVars(templateKeyOfSlot(slot));
  const base = defaultReminderVariants(slot.stage as ReminderStage)[0] ?? "A";
  return requiredSmsVars(reminderTemplateKey(slot.stage as ReminderStage, base));
}

export type TemplateProblem =
  | { code: "empty" }
  | { code: "too_long"; max: number }
  | { code: "control_characters" }
  | { code: "malformed" }
  | { code: "unknown_placeholder"; placeholder: string }
  | { code: "missing_placeholder"; placeholder: string }
  | { code: "extra_placeholder"; placeholder: string }
  | { code: "opt_out_missing"; instruction: string }
  | { code: "too_many_segments"; segments: number; max: number };

export interface TemplateCheck {
  ok: boolean;
  problems: TemplateProblem[];
  /** The body rendered with WORST_CASE_VARS; null when the body cannot be rendered. */
  preview: string | null;
  /** Parts of `preview` (the worst case the editor promises). */
  worstCase: SegmentCount | null;
  /** Parts of the body as typed, placeholders and all (a quick size indication). */
  raw: SegmentCount;
}

export function checkSmsTemplate(input: {
  body: string;
  locale: SupportedLocale;
  slot: TemplateSlot;
}): TemplateCheck {
  const { body, locale, slot } = input;
  const problems: TemplateProblem[] = [];
  if (body.trim() === "") problems.push({ code: "empty" });
  if ([...body].length > MAX_TEMPLATE_LENGTH) problems.push({ code: "too_long", max: MAX_TEMPLATE_LENGTH });
  if (CONTROL_CHARACTERS.test(body)) problems.push({ code: "control_characters" });

  let used: SmsPlaceholder[] | null = null;
  try {
    used = smsTemplatePlaceholders(body);
  } catch (error) {
    if (!(error instanceof SmsTemplateError)) throw error;
    problems.push(
      error.code === "unknown_placeholder"
        ? { code: "unknown_placeholder", placeholder: error.placeholder ?? "" }
        : { code: "malformed" },
    );
  }

  const expected = expectedPlaceholders(slot);
  if (used) {
    for (const p of expected)
      if (!used.includes(p)) problems.push({ code: "missing_placeholder", placeholder: p });
    for (const p of used)
      if (!expected.includes(p)) problems.push({ code: "extra_placeholder", placeholder: p });
  }

  const instruction = OPT_OUT_INSTRUCTION[locale];
  const lacksNotice = !body.toLowerCase().includes(instruction.toLowerCase());
  if (slot.kind === "reminder" && lacksNotice) problems.push({ code: "opt_out_missing", instruction });
  // A confirmation without the notice gets it added for borrowers whose jurisdiction requires one (US Reg F
  // 1006.6(e), docs/product-rules.md §4.14): the worst case is the text with it.
  const noticeAdded = slot.kind === "confirmation" && slot.stage !== "opted_out" && lacksNotice;

  let preview: string | null = null;
  let worstCase: SegmentCount | null = null;
  if (used && body.trim() !== "") {
    // Only the placeholders actually used need values; WORST_CASE_VARS has them all.
    const filled = fillSmsTemplate(body, WORST_CASE_VARS[locale]);
    preview = noticeAdded ? `${filled} ${instruction}` : filled;
    worstCase = countSegments(preview);
    if (worstCase.segments > MAX_TEMPLATE_SEGMENTS)
      problems.push({ code: "too_many_segments", segments: worstCase.segments, max: MAX_TEMPLATE_SEGMENTS });
  }
  return { ok: problems.length === 0, problems, preview, worstCase, raw: countSegments(body) };
}
