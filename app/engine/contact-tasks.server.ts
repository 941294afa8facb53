import { DateTime } from "luxon";
import { sql, type Transaction } from "kysely";
import type { Database } from "../../db/schema";
import { pgArray } from "../../db/pg-array";
import type { ContactDecision } from "../domain/decide-next-contact";
import { boundedMemo } from "../domain/memo";
import type { AccountFacts } from "./contact-inputs.server";
import type { Interval } from "../domain/visit-slot";

/**
 * What a run writes besides texts (docs/product-rules.md §4.15): call and visit tasks for agents, each with
 * the decision's reason and rule, and `email:send` jobs for email decisions.
 */

/** A task's "why": the decision's reason code and the rule that chose the channel. */
export function taskReason(decision: Extract<ContactDecision, { action: "send" }>): string {
  return (decision.rule ? `${decision.reason}: ${decision.rule}` : decision.reason).slice(0, 300);
}

/**
 * Email decisions become `email:send` jobs carrying the stored decision's id (the email task reads the
 * decision, renders and sends; issue #18 item 4). One job per decision: the job key is the decision's id.
 */
export async function queueEmailJobs(trx: Transaction<Database>, runId: string, accounts: string[]) {
  if (accounts.length === 0) return;
  await sql`select count(*) from graphile_worker.add_jobs(array(
      select json_populate_record(null::graphile_worker.job_spec, json_build_object(
               'identifier', 'email:send', 'max_attempts', 5, 'job_key', 'email:' || d.id::text,
               'payload', json_build_object('accountId', d.account_id, 'decisionId', d.id::text)))
        from contact_decisions d
       where d.run_id = ${runId}::uuid and d.account_id = any(${pgArray(accounts)}::uuid[])
         and d.action = 'send' and d.channel = 'email'))`.execute(trx);
}

/**
 * Late accounts get a call task, serious ones a visit offer (docs/product-rules.md §4.11), at most one open
 * per account per (local ISO) week; a visit task only while none is open for the account (§4.19): one
 * visit is planned at a time, and its outcome decides the next.
 */
/** Escalation tasks as typed arrays (a multi-row VALUES of thousands of rows costs Postgres more to parse than to write). */
export async function insertEscalationTasks(
  trx: Transaction<Database>,
  tasks: Array<ReturnType<typeof escalationTask>>,
) {
  const col = (pick: (t: (typeof tasks)[number]) => string | Date | null) => pgArray(tasks.map(pick));
  await sql`insert into tasks (kind, borrower_id, account_id, status, due_at, source_type, dedupe_key, reason, slot_start, slot_end)
    select * from unnest(${col((t) => t.kind)}::text[], ${col((t) => t.borrower_id)}::uuid[], ${col((t) => t.account_id)}::uuid[],
      ${col((t) => t.status)}::text[], ${col((t) => t.due_at)}::timestamptz[], ${col((t) => t.source_type)}::text[], ${col((t) => t.dedupe_key)}::text[],
      ${col((t) => t.reason)}::text[], ${col((t) => t.slot_start)}::timestamptz[], ${col((t) => t.slot_end)}::timestamptz[])
      as t(kind, borrower_id, account_id, status, due_at, source_type, dedupe_key, reason, slot_start, slot_end)
     where t.kind <> 'visit' or not exists (
       select 1 from tasks o where o.account_id = t.account_id and o.kind = 'visit' and o.status = 'open')
    on conflict (dedupe_key) do nothing`.execute(trx);
}

export function escalationTask(
  facts: AccountFacts,
  kind: "call" | "visit",
  now: Date,
  localDay: { iso: string },
  reason: string,
  slot: Interval | null = null,
) {
  return {
    slot_start: slot?.start ?? null,
    slot_end: slot?.end ?? null,
    reason,
    kind,
    borrower_id: facts.borrowerId,
    account_id: facts.accountId,
    status: "open" as const,
    due_at: now,
    source_type: "schedule_escalation",
    dedupe_key: `escalation:${kind}:${facts.accountId}:${isoWeek(localDay.iso)}`,
  };
}

/** "2026-W48" for a local calendar date (luxon's kkkk-'W'WW), memoised: a run sees a handful of dates. */
function isoWeek(isoDate: string): string {
  return isoWeeks(isoDate, () => DateTime.fromISO(isoDate, { zone: "UTC" }).toFormat("kkkk-'W'WW"));
}
const isoWeeks = boundedMemo<string>(1_000);
