import { randomUUID } from "node:crypto";
import { sql, type Kysely, type Transaction } from "kysely";
import type { Database } from "../../db/schema";
import {
  DEFAULT_CONTACT_POLICY,
  parseContactPolicy,
  type Channel,
  type ContactPolicy,
} from "../domain/contact-policy";
import { decideNextContact, InvalidContactInput, type ContactDecision } from "../domain/decide-next-contact";
import { logger } from "../platform/logger.server";
import { pgArray } from "../../db/pg-array";
import { queueSmsBatch, type QueueSmsInput } from "../messaging/outbound-sms.server";
import { loadAccountFacts, type AccountFacts } from "./contact-inputs.server";
import { ReminderPrep, reminderVariants } from "./reminder-prep.server";
import { escalationTask, insertEscalationTasks, queueEmailJobs, taskReason } from "./contact-tasks.server";
import {
  policyChooser,
  runningExperiment,
  type PolicyChoice,
  type PolicyChooser,
} from "./experiment-policy.server";
import { sendTimeEvidenceLoader, timeSend, type SendTimeEvidence, type TimedSend } from "./send-time.server";
import { loadSendSpread, spreadSends, type CapacityWait, type SendSpread } from "./send-spread.server";

/** One line of `schedule:run --json` (docs/product-rules.md §11.1). */
export interface DecisionLine {
  account: string;
  action: "send" | "defer" | "suppress";
  reason: string;
  channel: Channel | null;
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

/**
 * The active policy from the database (supervisors edit it), else the built-in defaults
 * (docs/product-rules.md §4.2).
 */
export async function activeContactPolicy(db: Kysely<Database>): Promise<ContactPolicy> {
  const row = await db
    .selectFrom("contact_policies")
    .select(["policy", "version"])
    .where("active", "=", true)
    .executeTakeFirst();
  if (!row) return DEFAULT_CONTACT_POLICY;
  const parsed = parseContactPolicy(row.policy);
  if (parsed.ok) return parsed.policy;
  logger.error(
    { version: row.version, errors: parsed.errors },
    "active contact policy is invalid; using defaults",
  );
  return DEFAULT_CONTACT_POLICY;
}

/** The champion and, while a strategy experiment runs, each account's arm (docs/product-rules.md §4.18). */
export async function contactPolicies(db: Kysely<Database>): Promise<PolicyChooser> {
  const [champion, experiment] = await Promise.all([activeContactPolicy(db), runningExperiment(db)]);
  return policyChooser(champion, experiment);
}

type Decided =
  ContactDecision | { action: "suppress"; reason: "invalid_contact_data" } | TimedSend | CapacityWait;

/** The pure decision, with bad stored data (e.g. an unknown time zone) recorded instead of crashing the run. */
export function decideFor(facts: AccountFacts, policy: ContactPolicy): Decided {
  try {
    return decideNextContact(facts.input, policy);
  } catch (error) {
    if (error instanceof InvalidContactInput) return { action: "suppress", reason: "invalid_contact_data" };
    throw error;
  }
}

/** The decision, with a due reminder moved to its learned hour when the policy enables it (§4.13). */
function decideWhen(
  facts: AccountFacts,
  policy: ContactPolicy,
  evidence: SendTimeEvidence | null,
  now: Date,
): Decided {
  const decision = decideFor(facts, policy);
  // Evidence is loaded when either arm learns send times; only the arm whose policy does uses it.
  return decision.action === "send" && evidence && policy.sendTimeOptimisation
    ? timeSend(facts, decision, policy, evidence, now)
    : decision;
}

/**
 * The planner (docs/product-rules.md §4.7): walks every account in id order, in batches loaded
 * set-based, decides each, stores every decision with its reason, and queues
 * due reminders (one transaction per batch, set-based; idempotent per account,
 * stage and local day, so a retried or concurrent run sends nothing twice).
 *
 * Pipelined (docs/product-rules.md §12): while earlier batches are written, the next one is
 * loaded and decided, so Node and Postgres work side by side, and up to
 * WRITERS batch transactions run at once (one Postgres backend each). Batches
 * hold disjoint accounts and every text its own dedupe key, so they cannot
 * conflict; a batch's lines and counts are reported, in account order, once its
 * transaction committed, and the first failure stops the run. The next batch's
 * facts never depend on the batches being written: the history counts only
 * texts handed to the provider, and the planner hands over none.
 */
export async function runSchedule(
  db: Kysely<Database>,
  opts: { now?: Date; dryRun?: boolean; batchSize?: number; onDecision?: (line: DecisionLine) => void } = {},
): Promise<ScheduleRunResult> {
  const now = opts.now ?? new Date();
  const limit = opts.batchSize ?? DEFAULT_BATCH;
  const [chooser, variants] = await Promise.all([contactPolicies(db), reminderVariants(db)]);
  // The hours' room for texts (§4.22, when configured), placed in the champion's windows: an experiment's
  // challenger runs under the same jurisdiction profiles, and its texts share the same call centre.
  const spread = opts.dryRun ? null : await loadSendSpread(db, chooser.champion, now);
  const runId = randomUUID();
  const result: ScheduleRunResult = { runId, decided: 0, queued: 0, skipped: 0, byReason: {} };
  const prep = new ReminderPrep(variants, now);
  // The send-time evidence (only when a policy enables it) is read with the page, ahead of deciding it.
  const evidence = sendTimeEvidenceLoader(db, sendTimePolicy(chooser), now);
  const load = (afterId: string | null) =>
    quiet(
      loadAccountFacts(db, { now, afterId, limit }).then(async (facts) =>
        Object.assign(facts, { evidence: evidence && facts.length ? await evidence(facts) : null }),
      ),
    );
  const report = (decided: DecidedBatch) => {
    for (const { facts, decision } of decided) {
      result.decided += 1;
      result.byReason[decision.reason] = (result.byReason[decision.reason] ?? 0) + 1;
      opts.onDecision?.(toLine(facts, decision, now));
    }
  };
  let loading: ReturnType<typeof load> = load(null);
  // Batches being written (each its own transaction, on its own connection), oldest first, and the
  // reporting chain that keeps lines and counts in account order whatever order they commit in.
  const writing: Array<Promise<void>> = [];
  let reported: Promise<void> = Promise.resolve();
  const failure: { error?: unknown; happened: boolean } = { happened: false };
  try {
    for (;;) {
      const batch = await loading;
      if (failure.happened) throw failure.error;
      if (batch.length === 0) break;
      loading =
        batch.length < limit
          ? Promise.resolve(Object.assign([], { evidence: null }))
          : load(batch[batch.length - 1]!.accountId);
      const decided: DecidedBatch = batch.map((facts) => {
        const choice = chooser.choose(facts.accountId);
        return { facts, choice, decision: decideWhen(facts, choice.policy, batch.evidence, now) };
      });
      if (opts.dryRun) {
        report(decided);
        continue;
      }
      const planned = planBatch(prep, decided);
      if (writing.length >= WRITERS) await writing.shift();
      const written = persistDecisions(db, { runId, now, spread }, planned, result);
      written.catch((error: unknown) => {
        if (!failure.happened) Object.assign(failure, { error, happened: true });
      });
      writing.push(written);
      reported = quiet(reported.then(() => written).then(() => report(decided)));
    }
    await Promise.all(writing);
    await reported;
  } finally {
    // On failure, let whatever is still in flight settle before the caller may close the pool.
    await Promise.allSettled([loading, ...writing, reported]);
  }
  return result;
}

/**
 * Batch transactions in flight at once. Two kept two cores about 92% busy at a million accounts (a
 * writer waiting on its commit left a core idle); three keep them about 95% busy, 3% faster in all.
 */
const WRITERS = 3;

/** Accounts per batch (one transaction each). Large enough to amortise round trips, small enough to keep transactions short. */
const DEFAULT_BATCH = 5_000;

type DecidedBatch = Array<{ facts: AccountFacts; choice: PolicyChoice; decision: Decided }>;

/** The policy whose send-time settings decide whether evidence is loaded: the champion's, else the challenger's. */
function sendTimePolicy({ champion, experiment }: PolicyChooser): ContactPolicy {
  return !champion.sendTimeOptimisation && experiment?.challenger.sendTimeOptimisation
    ? experiment.challenger
    : champion;
}

/** A promise that is awaited later: mark it handled now so a failure while it waits is not an unhandled rejection. */
function quiet<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}

/** Re-decides one account now (the dispatcher's send-time check, and tests). */
export async function decideForAccount(
  db: Kysely<Database>,
  accountId: string,
  now: Date,
  opts: { excludeMessageId?: string } = {},
) {
  const [facts] = await loadAccountFacts(db, {
    now,
    accountIds: [accountId],
    excludeMessageId: opts.excludeMessageId,
  });
  if (!facts) return null;
  return { facts, decision: decideFor(facts, (await contactPolicies(db)).choose(accountId).policy) };
}

function toLine(facts: AccountFacts, decision: Decided, now: Date): DecisionLine {
  const send = decision.action === "send" ? decision : null;
  return {
    account: facts.accountRef,
    action: decision.action,
    reason: decision.reason,
    channel: channelOf(decision),
    template: send ? send.template : null,
    at: send ? now.toISOString() : decision.action === "defer" ? decision.until.toISOString() : null,
  };
}

/** The channel a decision is about: a send's, or the one a deferral or refusal named. */
function channelOf(decision: Decided): Channel | null {
  return "channel" in decision && decision.channel ? decision.channel : null;
}

interface PlannedBatch {
  quiet: Array<{ facts: AccountFacts; decision: Exclude<Decided, { action: "send" }> }>;
  sends: Array<{
    facts: AccountFacts;
    decision: Extract<ContactDecision, { action: "send" }>;
    templateKey: string;
    input: QueueSmsInput;
  }>;
  tasks: Array<ReturnType<typeof escalationTask>>;
  /** Each account's arm while an experiment runs, recorded the first time it is decided (§4.18). */
  assignments: Array<{ experimentId: string; accountId: string; arm: string; inArrears: boolean }>;
  /** Call, visit and email decisions: stored as decisions; calls and visits open tasks, emails queue a job. */
  others: Array<{ facts: AccountFacts; decision: Extract<ContactDecision, { action: "send" }> }>;
}

/** The pure part of persisting a batch (reminder inputs, escalation tasks), done while the previous batch is written. */
function planBatch(prep: ReminderPrep, decided: DecidedBatch): PlannedBatch {
  const planned: PlannedBatch = { quiet: [], sends: [], tasks: [], others: [], assignments: [] };
  for (const { facts, choice, decision } of decided) {
    if (choice.experimentId && choice.arm) {
      const { experimentId, arm } = choice;
      planned.assignments.push({
        experimentId,
        accountId: facts.accountId,
        arm,
        inArrears: facts.overdueMinor > 0,
      });
    }
    if (decision.action !== "send") {
      planned.quiet.push({ facts, decision });
      continue;
    }
    const reason = taskReason(decision);
    const task = (kind: "call" | "visit") =>
      escalationTask(
        facts,
        kind,
        prep.now,
        prep.localDay(facts),
        reason,
        prep.visitSlot(facts, kind, choice.policy),
      );
    if (decision.channel !== "sms") {
      planned.others.push({ facts, decision });
      if (decision.channel !== "email") planned.tasks.push(task(decision.channel));
      continue;
    }
    planned.sends.push({ facts, decision, ...prep.reminderInput(facts, decision, choice.policy) });
    if (decision.escalation !== "none")
      planned.tasks.push(task(decision.escalation === "call_task" ? "call" : "visit"));
  }
  return planned;
}

async function persistDecisions(
  db: Kysely<Database>,
  { runId, now, spread }: { runId: string; now: Date; spread: SendSpread | null },
  planned: PlannedBatch,
  result: ScheduleRunResult,
) {
  // One transaction and a fixed number of statements per batch (docs/product-rules.md §12): every decision,
  // every due text (rendered for the recipient the page was read with, linked, job added: queueSmsBatch;
  // the dispatcher decides each reminder again, consent included, before it goes out), every escalation.
  await db.transaction().execute(async (trx) => {
    if (spread) await spreadSends(trx, spread, planned); // each text at its instant, or a wait for tomorrow
    const { quiet, sends, tasks, others, assignments } = planned;
    const queued = await queueSmsBatch(
      trx,
      sends.map((s) => s.input),
    );
    const rows = [
      ...quiet.map(({ facts, decision }) => ({
        account_id: facts.accountId,
        action: decision.action,
        reason: decision.reason,
        channel: channelOf(decision),
        template_key: null,
        stage: decision.action === "defer" ? (decision.stage ?? null) : null,
        act_at: decision.action === "defer" ? decision.until : null,
        detail: "sendTime" in decision ? { sendTime: decision.sendTime } : EMPTY_DETAIL,
      })),
      ...others.map(({ facts, decision }) => ({
        account_id: facts.accountId,
        action: "send" as const,
        reason: decision.reason,
        channel: decision.channel,
        template_key: null,
        stage: decision.stage,
        act_at: now,
        detail: { rule: decision.rule },
      })),
      ...sends.map(({ facts, decision, templateKey }, i) => {
        const outcome = queued[i]!;
        return {
          account_id: facts.accountId,
          action: "send" as const,
          reason: decision.reason,
          channel: "sms" as const,
          template_key: templateKey,
          stage: decision.stage,
          act_at: now,
          detail: {
            ...(outcome.status === "queued" ? { messageId: outcome.messageId } : { skipped: outcome.reason }),
            ...("sendTime" in decision ? { sendTime: decision.sendTime } : {}),
          },
        };
      }),
    ];
    await insertDecisionRows(trx, runId, now, rows);
    if (tasks.length) await insertEscalationTasks(trx, tasks);
    if (assignments.length) await recordAssignments(trx, now, assignments);
    const emails = others.filter((o) => o.decision.channel === "email").map((o) => o.facts.accountId);
    await queueEmailJobs(trx, runId, emails);
    for (const outcome of queued) {
      if (outcome.status === "queued") result.queued += 1;
      else result.skipped += 1;
    }
  });
}

const EMPTY_DETAIL = {};

/**
 * Decision rows as typed arrays, one per column, expanded by unnest(): the
 * run id and the decision time are the same for the whole run and sent once.
 * A repeat of an account's latest decision increments that row instead.
 */
async function insertDecisionRows(
  trx: Transaction<Database>,
  runId: string,
  now: Date,
  rows: Array<{
    account_id: string;
    action: string;
    reason: string;
    channel: string | null;
    template_key: string | null;
    stage: string | null;
    act_at: Date | null;
    detail: object;
  }>,
) {
  if (rows.length === 0) return;
  const col = (pick: (r: (typeof rows)[number]) => string | Date | null) => pgArray(rows.map(pick));
  // A decision equal to the account's latest stored one (same action, reason, channel, template, stage,
  // time and detail) counts as a repeat of that row; any other is a new row (migration 0005).
  await sql`
    with t as (
      select * from unnest(${col((r) => r.account_id)}::uuid[], ${col((r) => r.action)}::text[], ${col((r) => r.reason)}::text[],
        ${col((r) => r.channel)}::text[], ${col((r) => r.template_key)}::text[], ${col((r) => r.stage)}::text[],
        ${col((r) => r.act_at)}::timestamptz[], ${col((r) => (r.detail === EMPTY_DETAIL ? "{}" : JSON.stringify(r.detail)))}::jsonb[])
        as t(account_id, action, reason, channel, template_key, stage, act_at, detail)
    ), repeated as (
      update contact_decisions c
         set repeats = c.repeats + 1, last_decided_at = greatest(c.last_decided_at, ${now}::timestamptz)
        from t cross join lateral (
          select l.id, l.action, l.reason, l.channel, l.template_key, l.stage, l.act_at, l.detail
            from contact_decisions l where l.account_id = t.account_id
           order by l.decided_at desc, l.id desc limit 1
        ) latest
       where c.id = latest.id
         and latest.action = t.action and latest.reason = t.reason
         and latest.channel is not distinct from t.channel and latest.template_key is not distinct from t.template_key
         and latest.stage is not distinct from t.stage and latest.act_at is not distinct from t.act_at
         and latest.detail = t.detail
      returning c.account_id
    )
    insert into contact_decisions (run_id, account_id, decided_at, last_decided_at, action, reason, channel, template_key, stage, act_at, detail)
    select ${runId}::uuid, t.account_id, ${now}::timestamptz, ${now}::timestamptz, t.action, t.reason, t.channel, t.template_key, t.stage, t.act_at, t.detail
      from t where not exists (select 1 from repeated r where r.account_id = t.account_id)`.execute(trx);
}

/** The first decision during an experiment records the account's arm; later ones leave it (§4.18). */
async function recordAssignments(trx: Transaction<Database>, now: Date, rows: PlannedBatch["assignments"]) {
  const col = (pick: (r: (typeof rows)[number]) => string) => pgArray(rows.map(pick));
  await sql`
    insert into policy_experiment_assignments (experiment_id, account_id, arm, in_arrears, assigned_at)
    select e, a, arm, arrears, ${now}::timestamptz
      from unnest(${col((r) => r.experimentId)}::uuid[], ${col((r) => r.accountId)}::uuid[],
        ${col((r) => r.arm)}::text[], ${col((r) => String(r.inArrears))}::boolean[]) as t(e, a, arm, arrears)
    on conflict (experiment_id, account_id) do nothing`.execute(trx);
}
