import {
  ESCALATIONS,
  parseContactPolicy,
  STAGE_IDS,
  type ContactPolicy,
  type StageId,
} from "../domain/contact-policy";
import {
  channelField,
  channelFormValues,
  escalationFieldForPath,
  escalationFormValues,
  readEscalation,
  readStageChannels,
} from "./policy-channels-form";

/**
 * The contact-policy editor's form (docs/product-rules.md §8.7) as flat text fields, and
 * back to a policy checked by parseContactPolicy. Its errors (paths such as
 * `stages.2.everyDays`) are mapped to the field that produced them, so they
 * show next to it. Pure: shared by the route's action and its component.
 *
 * Field names: `stage.<id>.enabled|fromDpd|toDpd|everyDays|tone|escalation|variants`, the stage's
 * channels and the policy's `escalation.*` (app/staff/policy-channels-form.ts), `window.start|end`,
 * `caps.<cap>` (`caps.connectedCallsPerDay` blank: no cap of its own), `promiseGraceDays`,
 * `hardshipPauseDays`, `cases.<sla>`, `plans.<limit>`,
 * `sendTimeExplorationPercent` (blank: send-time optimisation off), `jurisdictions` (the profiles as JSON text).
 */
export const TONES = ["gentle", "neutral", "firm"] as const;
export const CAP_FIELDS = [
  "smsPerAccountPerDay",
  "smsPerBorrowerPer7Days",
  "minHoursBetweenReminders",
  "callsPerDay",
  "callsPer7Days",
  "connectedCallsPerDay",
] as const;
export const CASE_SLA_FIELDS = [
  "complaintAckWorkingDays",
  "complaintResponseDays",
  "hardshipReviewDays",
] as const;
/** The automatic plan approval limits (§7.3): amounts in whole units of the account's currency. */
export const PLAN_FIELDS = [
  "largeBalance",
  "maxMonthsSmall",
  "maxMonthsLarge",
  "minInstalment",
  "maxDaysToFirstPayment",
  "brokenPlanLookbackDays",
  "maxInstalmentMoveDays",
] as const;
/** Sections of whole-number fields, named `<section>.<field>` in the form. */
const WHOLE_SECTIONS = { cases: CASE_SLA_FIELDS, plans: PLAN_FIELDS } as const;
const STAGE_FIELDS = ["fromDpd", "toDpd", "everyDays", "tone", "escalation", "variants"] as const;
/** Problems that belong to no single field. */
export const FORM_LEVEL = "_form";

export type PolicyFormValues = Record<string, string>;
/** A translation key of the "console" namespace, or parseContactPolicy's own (English) message with its path. */
export type PolicyProblem = { key: string } | { text: string; path: string };
export type PolicyFieldErrors = Record<string, PolicyProblem[]>;

export const stageField = (id: StageId, field: (typeof STAGE_FIELDS)[number] | "enabled") =>
  `stage.${id}.${field}`;

export function policyFormValues(policy: ContactPolicy): PolicyFormValues {
  const values: PolicyFormValues = {
    "window.start": policy.contactWindow.start,
    "window.end": policy.contactWindow.end,
    promiseGraceDays: String(policy.promiseGraceDays),
    hardshipPauseDays: String(policy.hardshipPauseDays),
    sendTimeExplorationPercent: policy.sendTimeOptimisation
      ? String(Math.round(policy.sendTimeOptimisation.explorationShare * 100))
      : "",
    jurisdictions: JSON.stringify(policy.jurisdictions, null, 2),
  };
  for (const cap of CAP_FIELDS) values[`caps.${cap}`] = String(policy.caps[cap] ?? "");
  Object.assign(values, escalationFormValues(policy.escalation));
  for (const [section, fields] of Object.entries(WHOLE_SECTIONS)) {
    const numbers = policy[section as keyof typeof WHOLE_SECTIONS] as Record<string, number>;
    for (const field of fields) values[`${section}.${field}`] = String(numbers[field]);
  }
  for (const stage of policy.stages) {
    values[stageField(stage.id, "enabled")] = "on";
    values[stageField(stage.id, "fromDpd")] = String(stage.fromDpd);
    values[stageField(stage.id, "toDpd")] = String(stage.toDpd);
    values[stageField(stage.id, "everyDays")] = String(stage.everyDays);
    values[stageField(stage.id, "tone")] = stage.tone;
    values[stageField(stage.id, "escalation")] = stage.escalation;
    values[stageField(stage.id, "variants")] = (stage.variants ?? []).join(", ");
    Object.assign(values, channelFormValues(stage));
  }
  for (const id of STAGE_IDS) {
    if (values[stageField(id, "enabled")]) continue;
    // A stage the policy leaves out: offered switched off, with neutral starting values.
    values[stageField(id, "tone")] = "neutral";
    values[stageField(id, "escalation")] = "none";
    Object.assign(values, channelFormValues({ id, escalation: "none" }));
  }
  return values;
}

const WHOLE = /^-?\d{1,9}$/;
const DECIMAL = /^\d{1,6}(\.\d{1,2})?$/;

export type ReadPolicyResult = { ok: true; policy: ContactPolicy } | { ok: false; errors: PolicyFieldErrors };

export function readPolicyForm(values: PolicyFormValues): ReadPolicyResult {
  const errors: PolicyFieldErrors = {};
  const unreadable = new Set<string>();
  const add = (field: string, problem: PolicyProblem) => (errors[field] ??= []).push(problem);
  const text = (field: string) => (values[field] ?? "").trim();
  const number = (field: string, pattern: RegExp, key: string): number | undefined => {
    const raw = text(field);
    if (pattern.test(raw)) return Number(raw);
    add(field, { key: raw === "" ? "console:policy.errors.required" : key });
    unreadable.add(field);
    return undefined;
  };
  const whole = (field: string) => number(field, WHOLE, "console:policy.errors.wholeNumber");

  const enabled = STAGE_IDS.filter((id) => values[stageField(id, "enabled")] === "on");
  if (enabled.length === 0) add("stages", { key: "console:policy.errors.noStages" });
  const stages = enabled.map((id) => readStage(id, { values, text, whole, add }));

  const caps: Record<string, number | undefined> = {};
  for (const cap of CAP_FIELDS) {
    // A blank connected-calls cap is none of its own: only calls per day binds.
    if (cap === "connectedCallsPerDay" && text(`caps.${cap}`) === "") continue;
    caps[cap] =
      cap === "minHoursBetweenReminders"
        ? number(`caps.${cap}`, DECIMAL, "console:policy.errors.number")
        : whole(`caps.${cap}`);
  }

  let jurisdictions: unknown;
  try {
    jurisdictions = JSON.parse(text("jurisdictions"));
  } catch {
    add("jurisdictions", { key: "console:policy.errors.json" });
    unreadable.add("jurisdictions");
  }

  const candidate = {
    stages,
    contactWindow: { start: text("window.start"), end: text("window.end") },
    caps,
    promiseGraceDays: whole("promiseGraceDays"),
    hardshipPauseDays: whole("hardshipPauseDays"),
    ...Object.fromEntries(
      Object.entries(WHOLE_SECTIONS).map(([section, fields]) => [
        section,
        Object.fromEntries(fields.map((field) => [field, whole(`${section}.${field}`)])),
      ]),
    ),
    ...sendTimeOptimisation(text("sendTimeExplorationPercent"), add),
    escalation: readEscalation(values, add),
    jurisdictions,
  };

  const parsed = parseContactPolicy(candidate);
  // Postgres jsonb cannot hold U+0000 (it can arrive typed, or as \u0000 in the JSON text).
  if (parsed.ok && JSON.stringify(parsed.policy).includes("\\u0000"))
    add(FORM_LEVEL, { key: "console:policy.errors.nul" });
  if (parsed.ok && Object.keys(errors).length === 0) return { ok: true, policy: parsed.policy };
  if (!parsed.ok) {
    for (const e of parsed.errors) {
      const field = fieldForPath(e.path, enabled);
      // A field we could not even read already says so; zod's "Required" would repeat it.
      if (unreadable.has(field) || (field === "stages" && errors.stages)) continue;
      add(field, { text: e.message, path: e.path });
    }
  }
  return { ok: false, errors };
}

interface StageReader {
  values: PolicyFormValues;
  text(field: string): string;
  whole(field: string): number | undefined;
  add(field: string, problem: PolicyProblem): void;
}

function readStage(id: StageId, { values, text, whole, add }: StageReader) {
  const variants = text(stageField(id, "variants"))
    .split(",")
    .map((v) => v.trim())
    .filter(Boolean);
  const escalation = text(stageField(id, "escalation"));
  const channels = readStageChannels(values, { id, escalation }, add);
  return {
    id,
    fromDpd: whole(stageField(id, "fromDpd")),
    toDpd: whole(stageField(id, "toDpd")),
    everyDays: whole(stageField(id, "everyDays")),
    tone: text(stageField(id, "tone")),
    channel: "sms",
    escalation,
    ...(channels ? { channels } : {}),
    ...(variants.length ? { variants } : {}),
  };
}

/** Blank: off. Otherwise the share of choices kept for exploration, as a whole percentage from 0 to 100. */
function sendTimeOptimisation(raw: string, add: (field: string, problem: PolicyProblem) => void) {
  if (raw === "") return {};
  const percent = /^\d{1,3}$/.test(raw) ? Number(raw) : NaN;
  if (!(percent <= 100)) {
    add("sendTimeExplorationPercent", { key: "console:policy.errors.percent" });
    return {};
  }
  return { sendTimeOptimisation: { explorationShare: percent / 100 } };
}

/** The form field an error path of parseContactPolicy belongs to. */
export function fieldForPath(path: string, stageOrder: readonly StageId[]): string {
  const stage = /^stages\.(\d+)(?:\.([A-Za-z]+))?/.exec(path);
  if (stage) {
    const id = stageOrder[Number(stage[1])];
    const field = stage[2];
    if (id && field === "channels") return channelField(id, 1);
    return id && field && (STAGE_FIELDS as readonly string[]).includes(field)
      ? stageField(id, field as (typeof STAGE_FIELDS)[number])
      : FORM_LEVEL;
  }
  if (path === "stages") return "stages";
  if (path === "contactWindow.start") return "window.start";
  if (path.startsWith("contactWindow")) return "window.end";
  const cap = /^caps\.([A-Za-z0-9]+)$/.exec(path)?.[1];
  if (cap && (CAP_FIELDS as readonly string[]).includes(cap)) return `caps.${cap}`;
  if (path === "promiseGraceDays" || path === "hardshipPauseDays") return path;
  const [, section, field] = /^(cases|plans)\.([A-Za-z]+)$/.exec(path) ?? [];
  if (
    section &&
    (WHOLE_SECTIONS[section as keyof typeof WHOLE_SECTIONS] as readonly string[]).includes(field!)
  )
    return `${section}.${field}`;
  const escalation = escalationFieldForPath(path);
  if (escalation) return escalation;
  if (path.startsWith("sendTimeOptimisation")) return "sendTimeExplorationPercent";
  if (path === "jurisdictions" || path.startsWith("jurisdictions.")) return "jurisdictions";
  return FORM_LEVEL;
}

export { ESCALATIONS, STAGE_IDS };
