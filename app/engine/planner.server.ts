import { randomUUID } from "node:crypto";
import { DateTime } from "luxon";
import type { Kysely } from "kysely";
import type { Database, Locale } from "../../db/schema";
import { assignVariant } from "../domain/ab-variant.server";
import { DEFAULT_CONTACT_POLICY, parseContactPolicy, type ContactPolicy } from "../domain/contact-policy";
import { decideNextContact, InvalidContactInput, type ContactDecision } from "../domain/decide-next-contact";
import { defaultReminderVariants, reminderTemplateKey, type ReminderStage } from "../domain/sms-templates";
import { logger } from "../services/logger.server";
import { insertJsonRows, queueSmsBatch, smsAmount, smsDate, type QueueSmsInput } from "../services/outbound-sms.server";
import { loadAccountFacts, type AccountFacts } from "./contact-inputs.server";

/** One line of `schedule:run --json` (DESIGN §10). */
export interface DecisionLine {
  account: string;
  action: "send" | "defer" | "suppress";
  reason: string;
  channel: "sms" | null;
  template: string | null;
  at: string | null;
}

export interface ScheduleRunResult {
  runId: string;
  decided: number;
  queued: number;
  skipped: number;
  byReason: Record<string, number>;
}

/** The active policy from the database (supervisors edit it), else the DESIGN defaults. */
export async function activeContactPolicy(db: Kysely<Database>): Promise<ContactPolicy> {
  const row = await db.selectFrom("contact_policies").select(["policy", "version"]).where("active", "=", true).executeTakeFirst();
  if (!row) return DEFAULT_CONTACT_POLICY;
  const parsed = parseContactPolicy(row.policy);
  if (parsed.ok) return parsed.policy;
  logger.error({ version: row.version, errors: parsed.errors }, "active contact policy is invalid; using defaults");
  return DEFAULT_CONTACT_POLICY;
}

type Decided = ContactDecision | { action: "suppress"; reason: "invalid_contact_data" };

/** The pure decision, with bad stored data (e.g. an unknown time zone) recorded instead of crashing the run. */
export function decideFor(facts: AccountFacts, policy: ContactPolicy): Decided {
  try {
    return decideNextContact(facts.input, policy);
  } catch (error) {
    if (error instanceof InvalidContactInput) return { action: "suppress", reason: "invalid_contact_data" };
    throw error;
  }
}

/**
 * The planner (DESIGN §4): walks every account in id order, in batches loaded
 * set-based, decides each, stores every decision with its reason, and queues
 * due reminders (one transaction per batch, set-based; idempotent per account,
 * stage and local day, so a retried or concurrent run sends nothing twice).
 */
export async function runSchedule(
  db: Kysely<Database>,
  opts: { now?: Date; dryRun?: boolean; batchSize?: number; onDecision?: (line: DecisionLine) => void } = {},
): Promise<ScheduleRunResult> {
  const now = opts.now ?? new Date();
  const policy = await activeContactPolicy(db);
  const runId = randomUUID();
  const result: ScheduleRunResult = { runId, decided: 0, queued: 0, skipped: 0, byReason: {} };
  let afterId: string | null = null;
  for (;;) {
    const batch = await loadAccountFacts(db, { now, afterId, limit: opts.batchSize ?? 2_000 });
    if (batch.length === 0) break;
    afterId = batch[batch.length - 1]!.accountId;
    const decided = batch.map((facts) => ({ facts, decision: decideFor(facts, policy) }));
    if (!opts.dryRun) await persistDecisions(db, runId, now, policy, decided, result);
    for (const { facts, decision } of decided) {
      result.decided += 1;
      result.byReason[decision.reason] = (result.byReason[decision.reason] ?? 0) + 1;
      opts.onDecision?.(toLine(facts, decision, now));
    }
  }
  return result;
}

/** Re-decides one account now (the dispatcher's send-time check, and tests). */
export async function decideForAccount(db: Kysely<Database>, accountId: string, now: Date, opts: { excludeMessageId?: string } = {}) {
  const [facts] = await loadAccountFacts(db, { now, accountIds: [accountId], excludeMessageId: opts.excludeMessageId });
  if (!facts) return null;
  return { facts, decision: decideFor(facts, await activeContactPolicy(db)) };
}

export function toLine(facts: AccountFacts, decision: Decided, now: Date): DecisionLine {
  const send = decision.action === "send" ? decision : null;
  return {
    account: facts.accountRef,
    action: decision.action,
    reason: decision.reason,
    channel: send ? "sms" : null,
    template: send ? send.template : null,
    at: send ? now.toISOString() : decision.action === "defer" ? decision.until.toISOString() : null,
  };
}

async function persistDecisions(
  db: Kysely<Database>,
  runId: string,
  now: Date,
  policy: ContactPolicy,
  decided: Array<{ facts: AccountFacts; decision: Decided }>,
  result: ScheduleRunResult,
) {
  // One transaction and a fixed number of statements per batch (DESIGN §12): every decision,
  // every due text (consent re-checked, rendered, linked, job added: queueSmsBatch), every escalation.
  const quiet = decided.filter((d) => d.decision.action !== "send");
  const sends = decided.flatMap(({ facts, decision }) => (decision.action === "send" ? [{ facts, decision, ...reminderInput(facts, decision, policy, now) }] : []));
  await db.transaction().execute(async (trx) => {
    const queued = await queueSmsBatch(
      trx,
      sends.map((s) => s.input),
    );
    const rows = [
      ...quiet.map(({ facts, decision }) => ({
        run_id: runId,
        account_id: facts.accountId,
        decided_at: now,
        action: decision.action,
        reason: decision.reason,
        channel: null,
        template_key: null,
        stage: decision.action === "defer" ? (decision.stage ?? null) : null,
        act_at: decision.action === "defer" ? decision.until : null,
        detail: {},
      })),
      ...sends.map(({ facts, decision, templateKey }, i) => {
        const outcome = queued[i]!;
        return {
          run_id: runId,
          account_id: facts.accountId,
          decided_at: now,
          action: "send" as const,
          reason: decision.reason,
          channel: "sms" as const,
          template_key: templateKey,
          stage: decision.stage,
          act_at: now,
          detail: outcome.status === "queued" ? { messageId: outcome.messageId } : { skipped: outcome.reason },
        };
      }),
    ];
    await insertJsonRows(trx, "contact_decisions", rows);
    const tasks = sends.flatMap(({ facts, decision }) => (decision.escalation !== "none" ? [escalationTask(facts, decision.escalation, now)] : []));
    if (tasks.length) await trx.insertInto("tasks").values(tasks).onConflict((oc) => oc.column("dedupe_key").doNothing()).execute();
    for (const outcome of queued) {
      if (outcome.status === "queued") result.queued += 1;
      else result.skipped += 1;
    }
  });
}

/** The reminder a send decision asks for: A/B variant, template, figures in the borrower's language, daily dedupe key. */
function reminderInput(facts: AccountFacts, decision: Extract<ContactDecision, { action: "send" }>, policy: ContactPolicy, now: Date) {
  const zone = facts.input.borrower.timeZone;
  const localDay = DateTime.fromJSDate(now, { zone }).toISODate()!;
  const template = decision.template as ReminderStage;
  const stagePolicy = policy.stages.find((s) => s.id === decision.stage);
  const variants = stagePolicy?.variants?.filter((v) => defaultReminderVariants(template).includes(v)) ?? [];
  const variant = assignVariant(facts.accountId, template, variants.length ? variants : defaultReminderVariants(template));
  const templateKey = reminderTemplateKey(template, variant);
  const locale = facts.locale as Locale;
  const { amountMinor, dueDate } = reminderFigures(facts, template, localDay);
  const input: QueueSmsInput = {
    borrowerId: facts.borrowerId,
    accountId: facts.accountId,
    templateKey,
    purpose: "reminder",
    stage: decision.stage,
    variant,
    dedupeKey: `reminder:${facts.accountId}:${decision.stage}:${localDay}`,
    vars: { amount: smsAmount(amountMinor, facts.currency, locale), dueDate: smsDate(dueDate, locale) },
    now,
  };
  return { templateKey, input };
}

/** Before and on the due date: the minimum due by the due date. Overdue: the overdue amount, asked for within 7 days. */
function reminderFigures(facts: AccountFacts, template: ReminderStage, localDay: string) {
  if (template === "instalment_due" && facts.nextInstalment) {
    return { amountMinor: facts.nextInstalment.amountMinor, dueDate: facts.nextInstalment.dueDate };
  }
  if ((template === "pre_due" || template === "due") && facts.dueDate) {
    return { amountMinor: facts.minimumDueMinor || facts.overdueMinor, dueDate: facts.dueDate };
  }
  const payBy = DateTime.fromISO(localDay).plus({ days: 7 }).toISODate()!;
  return { amountMinor: facts.overdueMinor || facts.minimumDueMinor, dueDate: payBy };
}

/** Late accounts get a call task, serious ones a visit offer (DESIGN §4), at most one open per account per week. */
function escalationTask(facts: AccountFacts, escalation: "call_task" | "visit_offer", now: Date) {
  const kind = escalation === "call_task" ? ("call" as const) : ("visit" as const);
  const week = DateTime.fromJSDate(now, { zone: facts.input.borrower.timeZone }).toFormat("kkkk-'W'WW");
  return {
    kind,
    borrower_id: facts.borrowerId,
    account_id: facts.accountId,
    status: "open" as const,
    due_at: now,
    source_type: "schedule_escalation",
    dedupe_key: `escalation:${kind}:${facts.accountId}:${week}`,
  };
}
