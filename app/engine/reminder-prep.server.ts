import type { Kysely } from "kysely";
import type { Database, Locale } from "../../db/schema";
import { assignVariant } from "../domain/ab-variant.server";
import type { ContactPolicy } from "../domain/contact-policy";
import type { ContactDecision } from "../domain/contact-decision";
import { amountAsked } from "../domain/decide-next-contact";
import { isoDateFromEpochDay, localEpochDay } from "../domain/local-time";
import { sendConstraintsFor } from "../domain/send-constraints";
import { proposeVisitSlot, type Interval } from "../domain/visit-slot";
import {
  defaultReminderVariants,
  REMINDER_STAGES,
  reminderTemplateKey,
  type ReminderStage,
} from "../domain/sms-templates";
import { smsAmount, smsDate, type QueueSmsInput } from "../messaging/outbound-sms.server";
import { sendableReminderVariants } from "../messaging/sms-template-store.server";
import type { AccountFacts } from "./contact-inputs.server";

/**
 * What the planner needs to turn a send decision into a reminder (split from planner.server.ts): the
 * sendable template variants, and a per-run memo of the local day, formatted dates and variant lists.
 */
/** Reminder variants each stage can send: shipped ones plus staff-added ones present in every language. */
export async function reminderVariants(db: Kysely<Database>): Promise<Map<ReminderStage, readonly string[]>> {
  const lists = await Promise.all(
    REMINDER_STAGES.map(async (stage) => [stage, await sendableReminderVariants(db, stage)] as const),
  );
  return new Map(lists);
}

/** Per-run memo of what many accounts share: local day per zone, formatted amounts and dates, variant lists. */
export class ReminderPrep {
  private readonly days = new Map<string, { iso: string; epochDay: number }>();
  private readonly dates = new Map<string, string>();
  private readonly offered = new Map<ContactPolicy, Map<string, readonly string[]>>();
  constructor(
    private readonly sendable: Map<ReminderStage, readonly string[]>,
    readonly now: Date,
  ) {}

  /** The borrower's local calendar day at the run's clock. */
  localDay(facts: AccountFacts): { iso: string; epochDay: number } {
    const zone = facts.input.borrower.timeZone;
    let day = this.days.get(zone);
    if (!day) {
      const epochDay = localEpochDay(this.now.getTime(), zone);
      this.days.set(zone, (day = { iso: isoDateFromEpochDay(epochDay), epochDay }));
    }
    return day;
  }

  /** A visit task's proposed slot (§4.19): inside the borrower's contact window, clear of their bookings. */
  visitSlot(facts: AccountFacts, kind: "call" | "visit", policy: ContactPolicy): Interval | null {
    if (kind !== "visit") return null;
    const { zone, window } = sendConstraintsFor(facts.input, policy);
    return proposeVisitSlot(this.now, zone, window, facts.appointments);
  }

  /** The A/B arms for a stage: the policy's chosen variants that can be sent, else every sendable one. */
  variants(template: ReminderStage, stage: string, policy: ContactPolicy): readonly string[] {
    // Keyed by the policy object too: a strategy experiment's arms may choose different variants.
    let byPolicy = this.offered.get(policy);
    if (!byPolicy) this.offered.set(policy, (byPolicy = new Map()));
    const key = `${template}\u0000${stage}`;
    let list = byPolicy.get(key);
    if (!list) {
      const sendable = this.sendable.get(template) ?? defaultReminderVariants(template);
      const chosen =
        policy.stages.find((s) => s.id === stage)?.variants?.filter((v) => sendable.includes(v)) ?? [];
      list = chosen.length ? chosen : sendable;
      byPolicy.set(key, list);
    }
    return list;
  }

  date(iso: string, locale: Locale): string {
    const key = `${iso}|${locale}`;
    let text = this.dates.get(key);
    if (text === undefined) this.dates.set(key, (text = smsDate(iso, locale)));
    return text;
  }

  /** The reminder a send decision asks for: A/B variant, template, figures in the borrower's language, daily dedupe key. */
  reminderInput(
    facts: AccountFacts,
    decision: Extract<ContactDecision, { action: "send" }>,
    policy: ContactPolicy,
  ) {
    const localDay = this.localDay(facts);
    const template = decision.template as ReminderStage;
    const variant = assignVariant(facts.accountId, template, this.variants(template, decision.stage, policy));
    const templateKey = reminderTemplateKey(template, variant);
    const locale = facts.locale as Locale;
    const { amountMinor, dueDate } = reminderFigures(facts, template, localDay.epochDay);
    const input: QueueSmsInput = {
      borrowerId: facts.borrowerId,
      accountId: facts.accountId,
      templateKey,
      purpose: "reminder",
      stage: decision.stage,
      variant,
      dedupeKey: `reminder:${facts.accountId}:${decision.stage}:${localDay.iso}`,
      recipient: facts.recipient,
      vars: { amount: smsAmount(amountMinor, facts.currency, locale), dueDate: this.date(dueDate, locale) },
      now: this.now,
    };
    return { templateKey, input };
  }
}

/**
 * An instalment reminder asks for the instalment; a stage reminder for what the decision checked was owed
 * (amountAsked: the overdue amount, or the minimum due before the due date), due within 7 days once overdue.
 */
function reminderFigures(facts: AccountFacts, template: ReminderStage, localEpochDay: number) {
  if (template === "instalment_due" && facts.nextInstalment) {
    return { amountMinor: facts.nextInstalment.amountMinor, dueDate: facts.nextInstalment.dueDate };
  }
  const amountMinor = amountAsked(facts.input.account);
  if ((template === "pre_due" || template === "due") && facts.dueDate) {
    return { amountMinor, dueDate: facts.dueDate };
  }
  return { amountMinor, dueDate: isoDateFromEpochDay(localEpochDay + 7) };
}
