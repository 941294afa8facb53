import {
  CHANNELS,
  ESCALATIONS,
  escalationChannels,
  type Channel,
  type ContactPolicy,
  type ContactStage,
  type Escalation,
  type StageId,
} from "../domain/contact-policy";

/**
 * The contact policy's channels and escalation (docs/product-rules.md §4.15) as the editor's flat fields:
 * per stage, one select per place in the order (`stage.<id>.channel.1` .. `.4`, blank for none), and the
 * policy's `escalation.undeliveredTexts|ignoredReminders` (blank: never) and `escalation.whenRefused`.
 * Without them a save wrote every stage without its channels and the default escalation, undoing a bank's
 * channel setup. Pure, like the rest of the form (app/staff/policy-form.ts).
 */
export const CHANNEL_PLACES = [1, 2, 3, 4] as const;
export const WHEN_REFUSED = ["next_channel", "stop"] as const;
const COUNTS = { undeliveredTexts: 20, ignoredReminders: 50 } as const;
export const ESCALATION_COUNT_FIELDS = Object.keys(COUNTS) as Array<keyof typeof COUNTS>;

export const channelField = (id: StageId, place: number) => `stage.${id}.channel.${place}`;
/**
 * Hidden: the stage lists its channels itself. A stage without a list follows its escalation task, and is
 * saved that way again while the form shows exactly those channels, so a save changes nothing it was not asked to.
 */
export const listedField = (id: StageId) => `stage.${id}.channelsListed`;

type Add = (field: string, problem: { key: string }) => void;

export function channelFormValues(stage: Pick<ContactStage, "id" | "channels" | "escalation">) {
  const values: Record<string, string> = {};
  const channels = stage.channels ?? escalationChannels(stage.escalation);
  for (const place of CHANNEL_PLACES) values[channelField(stage.id, place)] = channels[place - 1] ?? "";
  if (stage.channels) values[listedField(stage.id)] = "1";
  return values;
}

export function escalationFormValues(escalation: ContactPolicy["escalation"]) {
  const values: Record<string, string> = { "escalation.whenRefused": escalation.whenRefused };
  for (const field of ESCALATION_COUNT_FIELDS)
    values[`escalation.${field}`] = escalation[field] === null ? "" : String(escalation[field]);
  return values;
}

/**
 * A stage's channels in the order chosen (blank places skipped), or undefined when the stage had no list
 * and the form still shows what its escalation task implies. Each channel once; at least one.
 */
export function readStageChannels(
  values: Record<string, string>,
  stage: { id: StageId; escalation: string },
  add: Add,
): Channel[] | undefined {
  const chosen: Channel[] = [];
  for (const place of CHANNEL_PLACES) {
    const field = channelField(stage.id, place);
    const raw = (values[field] ?? "").trim();
    if (raw === "") continue;
    const channel = CHANNELS.find((c) => c === raw);
    if (!channel) add(field, { key: "console:policy.errors.unknownChannel" });
    else if (chosen.includes(channel)) add(field, { key: "console:policy.errors.duplicateChannel" });
    else chosen.push(channel);
  }
  if (chosen.length === 0) {
    const anyTyped = CHANNEL_PLACES.some((p) => (values[channelField(stage.id, p)] ?? "").trim() !== "");
    if (!anyTyped) add(channelField(stage.id, 1), { key: "console:policy.errors.noChannel" });
    return undefined;
  }
  const implied = isEscalation(stage.escalation) ? escalationChannels(stage.escalation) : null;
  const same = implied !== null && implied.join() === chosen.join();
  return values[listedField(stage.id)] === "1" || !same ? chosen : undefined;
}

export function readEscalation(values: Record<string, string>, add: Add) {
  const count = (field: keyof typeof COUNTS): number | null => {
    const raw = (values[`escalation.${field}`] ?? "").trim();
    if (raw === "") return null;
    const n = /^\d{1,3}$/.test(raw) ? Number(raw) : NaN;
    if (n >= 1 && n <= COUNTS[field]) return n;
    add(`escalation.${field}`, { key: `console:policy.errors.${field}` });
    return null;
  };
  const refused = (values["escalation.whenRefused"] ?? "").trim();
  const whenRefused = WHEN_REFUSED.find((w) => w === refused);
  if (!whenRefused) add("escalation.whenRefused", { key: "console:policy.errors.whenRefused" });
  return {
    undeliveredTexts: count("undeliveredTexts"),
    ignoredReminders: count("ignoredReminders"),
    whenRefused: whenRefused ?? "next_channel",
  };
}

/** The field an error path under `escalation` belongs to; the form checks them first, so this is a fallback. */
export function escalationFieldForPath(path: string): string | null {
  const field = /^escalation\.([A-Za-z]+)/.exec(path)?.[1];
  if (field === "whenRefused" || ESCALATION_COUNT_FIELDS.some((f) => f === field))
    return `escalation.${field}`;
  return null;
}

const isEscalation = (value: string): value is Escalation => ESCALATIONS.some((e) => e === value);
