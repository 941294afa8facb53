import { sql, type Kysely, type Transaction } from "kysely";
import type { Database } from "../../db/schema";
import type { ContactPolicy } from "../domain/contact-policy";
import type { ContactDecision } from "../domain/decide-next-contact";
import { sendConstraintsFor } from "../domain/send-constraints";
import { hourOf, placeInSpread } from "../domain/send-spread";
import { pgArray } from "../../db/pg-array";
import type { QueueSmsInput } from "../messaging/outbound-sms.server";
import type { AccountFacts } from "./contact-inputs.server";
import { pacingConfig } from "./pacing-config.server";

/**
 * The planner's daily spread (docs/product-rules.md §4.22, the pure rule in app/domain/send-spread.ts):
 * with INBOUND_CALLS_PER_HOUR set, each due text is queued for an instant of the borrower's window that
 * keeps every clock hour under the call centre's capacity, its slots used kept in `sms_hour_loads` (migration 0155)
 * across batches and runs. Unset, the planner reads nothing more and queues every text for now.
 */

/** A due text left for tomorrow's window: today's hours in the borrower's window are full. */
export type CapacityWait = { action: "defer"; reason: "inbound_capacity"; until: Date; stage: string };

export interface SendSpread {
  policy: ContactPolicy;
  now: Date;
  perHour: number;
  /** Slots used per hour (epoch ms of its start), this run's included. */
  loads: Map<number, number>;
}

const DAY_MS = 86_400_000;

/** The spread for one planner run, with the hours' counts so far; null when no capacity is configured. */
export async function loadSendSpread(
  db: Kysely<Database>,
  policy: ContactPolicy,
  now: Date,
  perHour = pacingConfig().textsPerHour,
): Promise<SendSpread | null> {
  if (perHour === null) return null;
  const rows = await db
    .selectFrom("sms_hour_loads")
    .select(["hour", "slots_used"])
    .where("hour", ">=", new Date(hourOf(now.getTime())))
    .where("hour", "<", new Date(now.getTime() + 2 * DAY_MS))
    .execute();
  return { policy, now, perHour, loads: new Map(rows.map((r) => [r.hour.getTime(), r.slots_used])) };
}

type Send = Extract<ContactDecision, { action: "send" }>;

/**
 * Places a batch's due texts, inside the batch's transaction: each new text gets its instant
 * (`scheduledFor`); one already queued today (its dedupe key exists) is left to be skipped as before and
 * takes no room; one with no room today becomes a CapacityWait in `quiet`. The hours' counts are
 * written in the same transaction. Batches are placed one at a time in JavaScript, so a run never
 * overfills an hour.
 */
export async function spreadSends<F extends { facts: AccountFacts; decision: Send; input: QueueSmsInput }>(
  trx: Transaction<Database>,
  spread: SendSpread,
  planned: { sends: F[]; quiet: Array<{ facts: AccountFacts; decision: CapacityWait | object }> },
) {
  const keys = planned.sends.flatMap((s) => (s.input.dedupeKey ? [s.input.dedupeKey] : []));
  const queued = keys.length
    ? await sql<{ dedupe_key: string }>`select dedupe_key from messages
        where dedupe_key = any(${pgArray(keys)}::text[])`.execute(trx)
    : { rows: [] };
  const already = new Set(queued.rows.map((r) => r.dedupe_key));
  const kept: F[] = [];
  const added = new Set<number>();
  for (const send of planned.sends) {
    if (send.input.dedupeKey && already.has(send.input.dedupeKey)) {
      kept.push(send);
      continue;
    }
    const { zone, window } = sendConstraintsFor(send.facts.input, spread.policy);
    const place = placeInSpread({
      now: spread.now.getTime(),
      zone,
      window,
      perHour: spread.perHour,
      loads: spread.loads,
    });
    if (place.at === null) {
      const wait: CapacityWait = {
        action: "defer",
        reason: "inbound_capacity",
        until: new Date(place.retryAt),
        stage: send.decision.stage,
      };
      planned.quiet.push({ facts: send.facts, decision: wait });
      continue;
    }
    send.input = { ...send.input, scheduledFor: new Date(place.at) };
    added.add(hourOf(place.at));
    kept.push(send);
  }
  planned.sends = kept;
  if (added.size === 0) return;
  const hours = [...added];
  // The greater wins: a concurrent batch of the run may have written a later slot first.
  await sql`insert into sms_hour_loads (hour, slots_used)
    select * from unnest(${pgArray(hours.map((h) => new Date(h)))}::timestamptz[], ${pgArray(hours.map((h) => spread.loads.get(h)!))}::int[])
    on conflict (hour) do update set slots_used = greatest(sms_hour_loads.slots_used, excluded.slots_used)`.execute(
    trx,
  );
}
