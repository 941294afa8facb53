import type { Kysely, Transaction } from "kysely";
import type { Database } from "../../db/schema";
import { ProviderError, type ProviderAccepted, type SmsProvider } from "../messaging/providers/provider";
import { addSmsSendJobs } from "../messaging/outbound-sms.server";
import { recordOutboxTexts } from "../messaging/providers/outbox.server";
import {
  applyChanges,
  event,
  markAccepted,
  type StatusChange,
  type StatusEvent,
} from "./message-status.server";
import { outgoing } from "./sender-identity.server";
import { SLOT_GRACE_MS, type Pace } from "./sender-pacing.server";

/**
 * The dispatcher's provider calls (dispatcher.server.ts decides and claims): the outbox's inside the claim
 * transaction, a real provider's after `sending` is committed, each no earlier than its sender's slot
 * when the sender is paced (sender-pacing.server.ts). A text that misses its slot is not sent: it goes back
 * to the queue with a job for now, and gets a new slot.
 */

export type DispatchOutcome =
  | { status: "sent" | "delivered"; providerMessageId: string }
  | { status: "cancelled"; reason: string }
  | { status: "rescheduled"; until: Date; reason: string }
  | { status: "failed"; reason: string }
  | { status: "skipped"; reason: "not_queued" };

/** A batch entry whose provider call failed retryably: the message is `queued` again and only it is retried, with backoff. */
export type BatchDispatchOutcome = DispatchOutcome | { status: "retry"; error: unknown };

/** What a claimed text needs to go out. */
export interface SendableText {
  id: string;
  to_address: string;
  /** What the provider gets: the body with its link code back. */
  text?: string;
  from?: string;
  /** Epoch ms: its sender's slot, when the sender is paced. */
  slot?: number;
}

type SendResult = { accepted: ProviderAccepted } | { error: unknown } | { late: true };
type Trx = Transaction<Database>;

const SLOT_MISSED = "sender_slot_missed";

/**
 * The outbox records: sending and its record are this one transaction (a crash rolls both back). Its record
 * (outbox_texts) is the phone, so it keeps the text as sent, link and all; the message row keeps it masked.
 */
export async function sendThroughOutbox(
  trx: Trx,
  provider: SmsProvider,
  claim: { toSend: SendableText[]; changes: StatusChange[]; outcomes: Map<string, BatchDispatchOutcome> },
  events: StatusEvent[],
  now: Date,
  pace: Pace | null,
) {
  const results = await sendAll(provider, claim.toSend, 1, pace);
  const accepted: Array<{ msg: SendableText; accepted: ProviderAccepted }> = [];
  const late: SendableText[] = [];
  for (const [i, msg] of claim.toSend.entries()) {
    const result = results[i]!;
    if ("accepted" in result) accepted.push({ msg, accepted: result.accepted });
    else if ("late" in result) late.push(msg);
    else throw result.error; // the outbox records; it does not fail
  }
  await recordOutboxTexts(
    trx,
    accepted.map(({ msg }) => ({ messageId: msg.id, body: msg.text! })),
    now,
  );
  events.push(...late.map((msg) => event(msg.id, "queued", now, { reason: SLOT_MISSED })));
  await applyChanges(trx, claim.changes, events);
  await requeue(trx, late, now, claim.outcomes);
  await markAccepted(trx, accepted, now);
  for (const a of accepted)
    claim.outcomes.set(a.msg.id, {
      status: a.accepted.status,
      providerMessageId: a.accepted.providerMessageId,
    });
}

/** Calls the provider for texts committed as `sending`, then records what it said in one transaction. */
export async function sendClaimed(
  db: Kysely<Database>,
  provider: SmsProvider,
  claimed: SendableText[],
  opts: { parallel: number; pace: Pace | null; outcomes: Map<string, BatchDispatchOutcome> },
) {
  const { outcomes } = opts;
  const results = await sendAll(provider, claimed, opts.parallel, opts.pace);
  const accepted: Array<{ msg: SendableText; accepted: ProviderAccepted }> = [];
  const changes: StatusChange[] = [];
  const late: SendableText[] = [];
  for (const [i, msg] of claimed.entries()) {
    const result = results[i]!;
    if ("accepted" in result) {
      accepted.push({ msg, accepted: result.accepted });
      outcomes.set(msg.id, {
        status: result.accepted.status,
        providerMessageId: result.accepted.providerMessageId,
      });
      continue;
    }
    if ("late" in result) {
      late.push(msg);
      changes.push({ id: msg.id, status: "queued", detail: { reason: SLOT_MISSED } });
      continue;
    }
    const { error } = result;
    const kind = error instanceof ProviderError ? error.kind : "ambiguous";
    const detail = {
      reason: kind,
      error: error instanceof Error ? error.message.slice(0, 300) : String(error),
    };
    if (kind === "retryable") {
      changes.push({ id: msg.id, status: "queued", detail }); // graphile-worker retries this entry with exponential backoff
      outcomes.set(msg.id, { status: "retry", error });
    } else {
      changes.push({ id: msg.id, status: "failed", detail });
      outcomes.set(msg.id, { status: "failed", reason: kind });
    }
  }
  const at = new Date(opts.pace?.now() ?? Date.now());
  await db.transaction().execute(async (trx) => {
    await markAccepted(trx, accepted, at);
    await applyChanges(
      trx,
      changes,
      changes.map((c) => event(c.id, c.status, at, c.detail)),
    );
    await requeue(trx, late, at, outcomes);
  });
}

/** Texts that missed their slot: still queued, with a job for now (they get a new slot). */
async function requeue(
  trx: Trx,
  late: SendableText[],
  at: Date,
  outcomes: Map<string, BatchDispatchOutcome>,
) {
  if (late.length === 0) return;
  await addSmsSendJobs(
    trx,
    late.map((msg) => ({ messageId: msg.id, runAt: at })),
    { keyWithRunAt: true },
  );
  for (const msg of late) outcomes.set(msg.id, { status: "rescheduled", until: at, reason: SLOT_MISSED });
}

/** Each text's provider call, up to `parallel` at once; paced texts in slot order, each within its slot. */
async function sendAll(
  provider: SmsProvider,
  messages: SendableText[],
  parallel: number,
  pace: Pace | null,
): Promise<SendResult[]> {
  const results: SendResult[] = new Array(messages.length);
  const inFlight = new Set<Promise<void>>();
  const order = [...messages.keys()].sort((a, b) => (messages[a]!.slot ?? 0) - (messages[b]!.slot ?? 0));
  for (const i of order) {
    const msg = messages[i]!;
    while (inFlight.size >= Math.max(1, parallel)) await Promise.race(inFlight);
    if (pace && msg.slot !== undefined) {
      const wait = msg.slot - pace.now();
      if (wait > 0) await pace.sleep(wait);
      // Sent late, a text could share a second with the slots after it: it waits for a new slot instead.
      if (pace.now() > msg.slot + SLOT_GRACE_MS) {
        results[i] = { late: true };
        continue;
      }
    }
    const call: Promise<void> = provider.send(outgoing(msg)).then(
      (accepted) => void (results[i] = { accepted }),
      (error: unknown) => void (results[i] = { error }),
    );
    const tracked = call.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
  }
  await Promise.all(inFlight);
  return results;
}
