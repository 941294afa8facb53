import { sql, type Kysely, type Transaction } from "kysely";
import type { Task } from "graphile-worker";
import type { Database, MessageStatus } from "../../db/schema";
import type { SmsProvider } from "../messaging/providers/provider";
import { addSmsSendJobs } from "../messaging/outbound-sms.server";
import { textToSend } from "../messaging/sms-link-code.server";
import { UnsealError } from "../platform/secret-box.server";
import { applyChanges, event, json, type StatusChange } from "./message-status.server";
import { loadAccountFacts } from "./contact-inputs.server";
import { contactPolicies, decideFor } from "./planner.server";
import { countSms } from "../platform/metrics.server";
import { applyJurisdictionRules } from "./sender-identity.server";
import { vetoConfirmations } from "./confirmation-veto.server";
import {
  sendClaimed,
  sendThroughOutbox,
  type BatchDispatchOutcome,
  type DispatchOutcome,
} from "./dispatch-send.server";
import { assignSlots, realPace, type Pace } from "./sender-pacing.server";

const KEYWORD_REPLIES = new Set(["confirmation.opted_out", "confirmation.opted_in", "confirmation.help"]);
// Deferrals that only move the send (the message is still wanted later); any other "no" cancels it.
const RESCHEDULE = new Set(["quiet_hours", "cap_account_daily", "cap_borrower_weekly", "cap_min_gap"]);
/** Provider calls in flight per batch (the provider is called only after `sending` is committed). */
export const PROVIDER_PARALLEL = 16;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Trx = Transaction<Database>;
type Decided = ReturnType<typeof decideFor>;
type Claimed = {
  id: string;
  status: MessageStatus;
  account_id: string | null;
  borrower_id: string;
  template_key: string | null;
  to_address: string;
  /** As stored: the link code masked. */
  body: string;
  link_code_sealed: Buffer | null;
  /** What the provider gets: the body with its link code back (revealTexts). */
  text?: string;
  /** The sender for this text's jurisdiction, if one is set (assignSenders). */
  from?: string;
  /** Epoch ms: its sender's send slot, when the sender is paced (assignSlots). */
  slot?: number;
};
/** Provider calls in flight per batch, and the sender pacing (null: none). */
type SendOpts = { parallel: number; pace: Pace | null };

/**
 * The `sms:send` job for one message (jobs queued before batching carry `{ messageId }`). A
 * retryable provider failure puts the message back in the queue and throws, so graphile-worker
 * retries the job with backoff.
 */
export async function dispatchSms(
  db: Kysely<Database>,
  provider: SmsProvider,
  messageId: string,
  now = new Date(),
): Promise<DispatchOutcome> {
  const [outcome] = await dispatchSmsBatch(db, provider, [messageId], now);
  if (outcome!.status === "retry") throw outcome!.error;
  return outcome!;
}

/**
 * Sends a batch of queued texts; one outcome per id, in input order. Re-checks every decision at
 * send time (a payment a minute ago cancels the text) set-based: the accounts' facts in one
 * loadAccountFacts call and the pure decideFor. Exactly once: the message rows are locked and must
 * still be `queued`; the outbox records and marks them in one transaction; a real provider is
 * called only after `sending` is committed, and a message found in `sending` after a crash is never
 * sent again (a duplicate collection text is worse than a late one: it is parked as failed/in doubt).
 * A retryable provider error puts only that message back in the queue (outcome `retry`); the
 * others of the batch are recorded as sent, so a retry never sends them again.
 *
 * Reminders are capped per borrower (daily, weekly, minimum gap), so two reminders of one borrower
 * in a batch are decided in turn, each seeing the one before as sent, as if sent one by one.
 */
export async function dispatchSmsBatch(
  db: Kysely<Database>,
  provider: SmsProvider,
  messageIds: readonly string[],
  now = new Date(),
  opts: { parallel?: number; pace?: Pace | null } = {},
): Promise<BatchDispatchOutcome[]> {
  const send: SendOpts = {
    parallel: opts.parallel ?? PROVIDER_PARALLEL,
    pace: opts.pace === undefined ? realPace(now) : opts.pace,
  };
  const outcomes = new Map<string, BatchDispatchOutcome>();
  const ids = [...new Set(messageIds.filter((id) => UUID.test(id)))];
  const rows = ids.length
    ? await db
        .selectFrom("messages")
        .select(["id", "status", "account_id", "borrower_id", "template_key"])
        .where("id", "in", ids)
        .execute()
    : [];
  const byId = new Map(rows.map((r) => [r.id, r]));
  const rounds: string[][] = [[]];
  const remindersOf = new Map<string, number>();
  for (const id of ids) {
    const row = byId.get(id);
    if (!row) continue;
    let round = 0;
    if (row.status === "queued" && needsDecision(row)) {
      round = remindersOf.get(row.borrower_id) ?? 0;
      remindersOf.set(row.borrower_id, round + 1);
    }
    (rounds[round] ??= []).push(id);
  }
  for (const round of rounds) {
    if (round.length) await dispatchRound(db, provider, round, byId, now, send, outcomes);
  }
  return messageIds.map((id) => outcomes.get(id) ?? { status: "skipped", reason: "not_queued" });
}

/** graphile-worker's `sms:send` task: a batch job (array payload) reports each entry, so a retry carries only the failed ones. */
export function createSmsSendTask(
  db: Kysely<Database>,
  provider: () => SmsProvider,
  clock: () => Date = () => new Date(),
): Task {
  return async (payload) => {
    if (!Array.isArray(payload)) {
      const sender = provider();
      const messageId = (payload as { messageId?: string } | null)?.messageId ?? "";
      countSms(sender.name, "send", [(await dispatchSms(db, sender, messageId, clock())).status]);
      return;
    }
    const ids = payload.map((entry) =>
      typeof (entry as { messageId?: unknown })?.messageId === "string"
        ? (entry as { messageId: string }).messageId
        : "",
    );
    const sender = provider();
    const outcomes = await dispatchSmsBatch(db, sender, ids, clock());
    countSms(
      sender.name,
      "send",
      outcomes.map((o) => o.status),
    );
    return outcomes.map((outcome) => {
      if (outcome.status !== "retry") return Promise.resolve(outcome);
      const failed = Promise.reject(outcome.error);
      failed.catch(() => undefined); // graphile-worker settles the list itself
      return failed;
    });
  };
}

function needsDecision(row: { template_key: string | null; account_id: string | null }) {
  return (row.template_key ?? "").startsWith("reminder.") && row.account_id !== null;
}

async function dispatchRound(
  db: Kysely<Database>,
  provider: SmsProvider,
  ids: string[],
  seen: Map<string, { status: MessageStatus; account_id: string | null; template_key: string | null }>,
  now: Date,
  send: SendOpts,
  outcomes: Map<string, BatchDispatchOutcome>,
) {
  // Decisions first, on pool connections and outside the claim transaction (it holds one connection, not eight).
  const wanted = new Set(
    ids.flatMap((id) => {
      const row = seen.get(id)!;
      return row.status === "queued" && needsDecision(row) ? [row.account_id!] : [];
    }),
  );
  const decisions = await decideAccounts(db, [...wanted], now);
  const claimed = await db
    .transaction()
    .execute((trx) => claimRound(trx, { db, provider, ids, decisions, now, outcomes, pace: send.pace }));
  if (claimed.length > 0) await sendClaimed(db, provider, claimed, { ...send, outcomes });
}

/** What one round's claim transaction decides: status changes, moved sends, and the texts to send. */
interface Claim {
  changes: StatusChange[];
  rescheduled: Array<{ id: string; until: Date; reason: string }>;
  toSend: Claimed[];
  outcomes: Map<string, BatchDispatchOutcome>;
}

/**
 * Locks the round's messages and settles each: parked when found mid-send, skipped when no longer
 * queued, cancelled or rescheduled by its decision, or claimed for sending. The outbox sends inside
 * this transaction; for a real provider the claimed texts are returned, committed as `sending`.
 */
async function claimRound(
  trx: Trx,
  opts: {
    db: Kysely<Database>;
    provider: SmsProvider;
    ids: string[];
    decisions: Map<string, Decided>;
    now: Date;
    outcomes: Map<string, BatchDispatchOutcome>;
    pace: Pace | null;
  },
): Promise<Claimed[]> {
  const { provider, now } = opts;
  const locked: Claimed[] = await trx
    .selectFrom("messages")
    .select([
      "id",
      "status",
      "account_id",
      "borrower_id",
      "template_key",
      "to_address",
      "body",
      "link_code_sealed",
    ])
    .where("id", "in", opts.ids)
    .orderBy("id")
    .forUpdate()
    .execute();
  const claim: Claim = { changes: [], rescheduled: [], toSend: [], outcomes: opts.outcomes };
  const prefsFor: Claimed[] = [];
  const toDecide: Claimed[] = [];
  for (const msg of locked) {
    if (msg.status === "sending") {
      claim.changes.push({
        id: msg.id,
        status: "failed",
        detail: { reason: "in_doubt_after_interrupted_send" },
      });
      claim.outcomes.set(msg.id, { status: "failed", reason: "in_doubt_after_interrupted_send" });
    } else if (msg.status !== "queued")
      claim.outcomes.set(msg.id, { status: "skipped", reason: "not_queued" });
    else if (KEYWORD_REPLIES.has(msg.template_key ?? "")) claim.toSend.push(msg);
    else if (needsDecision(msg)) toDecide.push(msg);
    else prefsFor.push(msg);
  }
  if (prefsFor.length) await vetoOptedOut(trx, prefsFor, claim);
  await applyDecisions(opts.db, toDecide, opts.decisions, now, claim);
  revealTexts(claim);
  await senderRules(opts.db, claim);
  if (opts.pace) await paceSenders(opts.db, claim, opts.pace);
  await reschedule(trx, claim.rescheduled);
  const events = [
    ...claim.rescheduled.map((r) =>
      event(r.id, "queued", now, { rescheduledTo: r.until.toISOString(), reason: r.reason }),
    ),
    ...claim.changes.map((c) => event(c.id, c.status, now, c.detail)),
  ];

  if (provider.name === "outbox" && claim.toSend.length) {
    await sendThroughOutbox(trx, provider, claim, events, now, opts.pace);
    return [];
  }
  for (const msg of claim.toSend) {
    const detail = msg.from ? { from: msg.from } : {};
    claim.changes.push({ id: msg.id, status: "sending", detail });
    events.push(event(msg.id, "sending", now, detail));
  }
  await applyChanges(trx, claim.changes, events);
  return claim.toSend;
}

/**
 * Puts each text's link code back in place of its mask (sealed until now; the status the send records
 * drops it, migration 0025). A code that does not open (altered, or the key changed) fails its text for good:
 * sent without it, the text would ask the borrower to open a link that is not there.
 */
function revealTexts(claim: Claim) {
  const ready: Claimed[] = [];
  for (const msg of claim.toSend) {
    try {
      ready.push({ ...msg, text: textToSend(msg) });
    } catch (error) {
      if (!(error instanceof UnsealError)) throw error;
      claim.changes.push({ id: msg.id, status: "failed", detail: { reason: "link_code_unreadable" } });
      claim.outcomes.set(msg.id, { status: "failed", reason: "link_code_unreadable" });
    }
  }
  claim.toSend = ready;
}

/** Senders per jurisdiction; a text its jurisdiction requires an opt-out notice in, and lacks one, fails for good. */
async function senderRules(db: Kysely<Database>, claim: Claim) {
  const { lackingNotice } = await applyJurisdictionRules(db, claim.toSend);
  if (lackingNotice.size === 0) return;
  claim.toSend = claim.toSend.filter((msg) => !lackingNotice.has(msg.id));
  for (const id of lackingNotice) {
    claim.changes.push({ id, status: "failed", detail: { reason: "opt_out_notice_missing" } });
    claim.outcomes.set(id, { status: "failed", reason: "opt_out_notice_missing" });
  }
}

/** Each paced text gets its sender's slot; one with none within the horizon waits for when one is free. */
async function paceSenders(db: Kysely<Database>, claim: Claim, pace: Pace) {
  const deferred = await assignSlots(db, claim.toSend, pace);
  if (deferred.length === 0) return;
  const moved = new Set(deferred.map((d) => d.id));
  claim.toSend = claim.toSend.filter((msg) => !moved.has(msg.id));
  for (const { id, until } of deferred) {
    claim.rescheduled.push({ id, until, reason: "sender_rate" });
    claim.outcomes.set(id, { status: "rescheduled", until, reason: "sender_rate" });
  }
}

/** Texts that need no decision (confirmations): consent and debtor-only at send time (confirmation-veto). */
async function vetoOptedOut(trx: Trx, prefsFor: Claimed[], claim: Claim) {
  const { send, vetoed } = await vetoConfirmations(trx, prefsFor);
  claim.toSend.push(...send);
  for (const { msg, reason } of vetoed) {
    claim.changes.push({ id: msg.id, status: "cancelled", detail: { reason } });
    claim.outcomes.set(msg.id, { status: "cancelled", reason });
  }
}

/** Each reminder's send-time decision: send, move (a deferral that only moves it), or cancel. */
async function applyDecisions(
  db: Kysely<Database>,
  toDecide: Claimed[],
  decisions: Map<string, Decided>,
  now: Date,
  claim: Claim,
) {
  // A row that was not queued when the batch was read but is now (rare) is decided here.
  const late = [...new Set(toDecide.map((m) => m.account_id!).filter((a) => !decisions.has(a)))];
  if (late.length)
    for (const [account, decision] of await decideAccounts(db, late, now)) decisions.set(account, decision);
  for (const msg of toDecide) {
    const decision = decisions.get(msg.account_id!);
    // A send on another channel (the borrower's texts are refused or fail: a call is due) is no text.
    if (!decision || (decision.action === "send" && decision.channel === "sms"))
      claim.toSend.push(msg); // an account the facts do not cover: as before, no veto
    else if (decision.action === "defer" && RESCHEDULE.has(decision.reason)) {
      claim.rescheduled.push({ id: msg.id, until: decision.until, reason: decision.reason });
      claim.outcomes.set(msg.id, { status: "rescheduled", until: decision.until, reason: decision.reason });
    } else {
      claim.changes.push({ id: msg.id, status: "cancelled", detail: { reason: decision.reason } });
      claim.outcomes.set(msg.id, { status: "cancelled", reason: decision.reason });
    }
  }
}

/** Moves deferred texts to their new time and queues a job for each then. */
async function reschedule(trx: Trx, rescheduled: Claim["rescheduled"]) {
  if (!rescheduled.length) return;
  await sql`update messages m set scheduled_for = v.scheduled_for
    from json_populate_recordset(null::messages, ${json(rescheduled.map((r) => ({ id: r.id, scheduled_for: r.until })))}::json) v
    where m.id = v.id`.execute(trx);
  await addSmsSendJobs(
    trx,
    rescheduled.map((r) => ({ messageId: r.id, runAt: r.until })),
    { keyWithRunAt: true },
  );
}

/** The send-time decision per account: facts loaded set-based, the active policy, the pure rule. */
async function decideAccounts(
  db: Kysely<Database>,
  accountIds: string[],
  now: Date,
): Promise<Map<string, Decided>> {
  if (accountIds.length === 0) return new Map();
  const [facts, policies] = await Promise.all([
    loadAccountFacts(db, { now, accountIds }),
    contactPolicies(db),
  ]);
  return new Map(facts.map((f) => [f.accountId, decideFor(f, policies.choose(f.accountId).policy)]));
}
