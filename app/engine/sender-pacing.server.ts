import { sql, type Kysely } from "kysely";
import type { Database } from "../../db/schema";
import { pacingConfig } from "./pacing-config.server";

/**
 * Per-sender send rates (docs/product-rules.md §4.22). Providers take a limited number of texts per second
 * from one number or sender ID; past it they queue or refuse. Every worker process shares one row per sender
 * in `sms_sender_slots` (migration 0155), the next free send slot, and reserves the slots for a round of
 * texts by moving it forward in one UPDATE, so two processes never get the same slot. A text is handed to
 * the provider no earlier than its slot and at most SLOT_GRACE_MS after it; slots are spaced
 * (1 s + SLOT_GRACE_MS) / rate apart, so any second holds at most `rate` provider calls even when a call
 * starts late. A text that misses its slot by more is put back in the queue, never sent late, and texts
 * with no slot within SLOT_HORIZON_MS are moved to when one should be free: paced texts are delayed, never
 * dropped.
 */

/** How the dispatcher reads the time and waits: the real clock in production, a fake one in tests. */
export interface Pace {
  /** Texts per second for a sender, or null when it is not paced. */
  rateOf(sender: string): number | null;
  /** Epoch ms. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** How late a provider call may start after its slot (ms). */
export const SLOT_GRACE_MS = 20;
/** How far ahead a round reserves slots: the longest a job holds texts waiting for their slots (ms). */
const SLOT_HORIZON_MS = 2_000;

/** The rate key of a text: its sender, or `default` for the provider's own. */
const senderKey = (from: string | undefined) => from ?? "default";

/** The configured pacing on the real clock, counted from the job's `now`; null when no rate is set. */
export function realPace(jobNow: Date, rates = pacingConfig().senderRates): Pace | null {
  if (Object.keys(rates).length === 0) return null;
  const offset = jobNow.getTime() - Date.now();
  return {
    rateOf: (sender) => rates[sender] ?? rates["*"] ?? null,
    now: () => Date.now() + offset,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
}

/** Microseconds between two slots of a sender sending `rate` texts a second (rounded up: never faster). */
export function slotSpacingUs(rate: number): number {
  return Math.ceil((1_000_000 + SLOT_GRACE_MS * 1_000) / rate);
}

interface PacedText {
  id: string;
  from?: string;
  /** Epoch ms: the slot this text may be handed to the provider in (set by assignSlots). */
  slot?: number;
}

/**
 * Gives each text of a round a slot of its sender, in order. Returns the texts that got none within the
 * horizon, each with the time its sender should next have one (rounded up to the second, so they share jobs).
 */
export async function assignSlots(
  db: Kysely<Database>,
  texts: PacedText[],
  pace: Pace,
): Promise<Array<{ id: string; until: Date }>> {
  const bySender = new Map<string, PacedText[]>();
  for (const text of texts) {
    const key = senderKey(text.from);
    if (pace.rateOf(key) === null) continue;
    const list = bySender.get(key);
    if (list) list.push(text);
    else bySender.set(key, [text]);
  }
  const deferred: Array<{ id: string; until: Date }> = [];
  for (const [sender, list] of bySender) {
    const spacingUs = slotSpacingUs(pace.rateOf(sender)!);
    const nowUs = Math.floor(pace.now() * 1_000);
    const { startUs, granted } = await reserveSlots(db, { sender, count: list.length, nowUs, spacingUs });
    for (const [i, text] of list.entries()) {
      const slotUs = startUs + i * spacingUs;
      if (i < granted) text.slot = slotUs / 1_000;
      else deferred.push({ id: text.id, until: new Date(Math.ceil(slotUs / 1e6) * 1_000) });
    }
  }
  return deferred;
}

/**
 * Reserves up to `count` consecutive slots of one sender that start within the horizon: one statement,
 * the row locked for its duration, so concurrent reservations (any process) queue behind each other.
 */
async function reserveSlots(
  db: Kysely<Database>,
  r: { sender: string; count: number; nowUs: number; spacingUs: number },
): Promise<{ startUs: number; granted: number }> {
  const reserve = () =>
    sql<{ start_us: number; granted: number }>`
    with b as (
      select greatest(next_free_us, ${r.nowUs}::bigint) as start from sms_sender_slots where sender = ${r.sender} for update
    ), g as (
      select start, case when start > ${r.nowUs + SLOT_HORIZON_MS * 1_000}::bigint then 0::bigint
        else least(${r.count}::bigint, (${r.nowUs + SLOT_HORIZON_MS * 1_000}::bigint - start) / ${r.spacingUs}::bigint + 1) end as granted
      from b
    )
    update sms_sender_slots s set next_free_us = g.start + g.granted * ${r.spacingUs}::bigint
      from g where s.sender = ${r.sender}
    returning g.start as start_us, g.granted`.execute(db);
  let { rows } = await reserve();
  if (rows.length === 0) {
    await sql`insert into sms_sender_slots (sender, next_free_us) values (${r.sender}, 0)
      on conflict (sender) do nothing`.execute(db);
    ({ rows } = await reserve());
  }
  const row = rows[0]!;
  return { startUs: Number(row.start_us), granted: Number(row.granted) };
}
