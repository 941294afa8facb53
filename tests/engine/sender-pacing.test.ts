import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dispatchSmsBatch } from "../../app/engine/dispatcher.server";
import { realPace, slotSpacingUs, type Pace } from "../../app/engine/sender-pacing.server";
import { pacingConfig } from "../../app/engine/pacing-config.server";
import type { SmsProvider } from "../../app/messaging/providers/provider";
import { insertAccount } from "../support/builders";
import { createTestDatabase, type TestDatabase } from "../support/database";

/**
 * Per-sender send rates (docs/product-rules.md §4.22): several dispatchers share a sender's slots through
 * Postgres, on a fake clock. Each simulated worker runs the real dispatchSmsBatch against the test database;
 * time only moves when every worker is waiting for it (no real sleeping), so a run of minutes takes seconds.
 */

const START = new Date("2026-11-23T05:30:00Z").getTime(); // 13:30 in Hong Kong

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.destroy();
});

/** A shared fake clock: sleepers wake in time order, once every worker is asleep or done. */
class VirtualTime {
  now = START;
  private timers: Array<{ at: number; wake: () => void }> = [];
  private awake: number;
  constructor(
    workers: number,
    /** Extra ms a sleep oversleeps (a stalled process), by sleep number. */
    private readonly stall: (n: number) => number = () => 0,
  ) {
    this.awake = workers;
  }
  private sleeps = 0;
  sleep(ms: number): Promise<void> {
    const at = this.now + Math.max(0, ms) + this.stall(this.sleeps++);
    return new Promise((wake) => {
      this.timers.push({ at, wake });
      this.awake -= 1;
      this.advance();
    });
  }
  done() {
    this.awake -= 1;
    this.advance();
  }
  private advance() {
    if (this.awake > 0 || this.timers.length === 0) return;
    this.timers.sort((a, b) => a.at - b.at);
    const next = this.timers.shift()!;
    this.now = Math.max(this.now, next.at);
    this.awake += 1;
    setImmediate(next.wake);
  }
}

async function queuedTexts(n: number): Promise<string[]> {
  const account = await insertAccount(t.db);
  const rows = await t.db
    .insertInto("messages")
    .values(
      Array.from({ length: n }, (_, i) => ({
        borrower_id: account.borrower_id,
        account_id: account.id,
        direction: "outbound" as const,
        channel: "sms" as const,
        body: `Confirmation ${i}`,
        to_address: "+85291234567",
        provider: "stub",
        status: "queued" as const,
        scheduled_for: new Date(START),
      })),
    )
    .returning("id")
    .execute();
  return rows.map((r) => r.id);
}

/**
 * `workers` dispatchers drain `ids` in jobs of `perJob` texts; a text the pacing moves comes back when due.
 * Returns the fake time of every provider call.
 */
async function drain(
  ids: string[],
  opts: { workers: number; rate: number; perJob: number; time: VirtualTime },
) {
  const { time } = opts;
  const calls: Array<{ id: string; at: number }> = [];
  const provider: SmsProvider = {
    name: "twilio",
    async send(sms) {
      calls.push({ id: sms.messageId, at: time.now });
      return { providerMessageId: `SM${sms.messageId.replace(/-/g, "")}`, status: "sent" };
    },
  };
  const pace: Pace = {
    rateOf: (sender) => (sender === "default" ? opts.rate : null),
    now: () => time.now,
    sleep: (ms) => time.sleep(ms),
  };
  let ready = [...ids];
  const later: Array<{ id: string; at: number }> = [];
  const worker = async () => {
    for (;;) {
      const due = later.filter((l) => l.at <= time.now);
      ready.push(...due.map((d) => d.id));
      for (const d of due) later.splice(later.indexOf(d), 1);
      const job = ready.slice(0, opts.perJob);
      ready = ready.slice(opts.perJob);
      if (job.length === 0) {
        if (later.length === 0) return time.done();
        await time.sleep(Math.min(...later.map((l) => l.at)) - time.now);
        continue;
      }
      const outcomes = await dispatchSmsBatch(t.db, provider, job, new Date(time.now), { pace });
      for (const [i, outcome] of outcomes.entries()) {
        expect(["sent", "rescheduled"]).toContain(outcome.status);
        if (outcome.status === "rescheduled") later.push({ id: job[i]!, at: outcome.until.getTime() });
      }
    }
  };
  await Promise.all(Array.from({ length: opts.workers }, worker));
  return calls;
}

/** The most provider calls in any one-second window [t, t + 1 s). */
function busiestSecond(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= 1_000) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

async function sentOnce(ids: string[]) {
  const rows = await t.db
    .selectFrom("message_status_events")
    .select(["message_id", "status"])
    .where("message_id", "in", ids)
    .where("status", "=", "sent")
    .execute();
  const statuses = await t.db.selectFrom("messages").select("status").where("id", "in", ids).execute();
  return { sentEvents: rows.length, distinct: new Set(rows.map((r) => r.message_id)).size, statuses };
}

describe("per-sender send rate", () => {
  it("a burst of 150 texts over four workers never exceeds 10 a second, each sent once, none lost", async () => {
    await t.db.deleteFrom("sms_sender_slots").execute();
    const ids = await queuedTexts(150);
    const time = new VirtualTime(4);
    const calls = await drain(ids, { workers: 4, rate: 10, perJob: 25, time });

    expect(calls.map((c) => c.id).sort()).toEqual([...ids].sort()); // every text, each once
    expect(busiestSecond(calls.map((c) => c.at))).toBeLessThanOrEqual(10);
    // Paced, not throttled to a trickle: the burst takes about 150 / 10 s (the slots' 2% grace margin).
    const span = Math.max(...calls.map((c) => c.at)) - START;
    expect(span).toBeGreaterThanOrEqual(14_000);
    expect(span).toBeLessThan(16_500);
    const once = await sentOnce(ids);
    expect(once).toMatchObject({ sentEvents: 150, distinct: 150 });
    expect(once.statuses.every((s) => s.status === "sent")).toBe(true);
  });

  it("a worker that wakes late sends nothing late: those texts get a new slot, and the rate still holds", async () => {
    await t.db.deleteFrom("sms_sender_slots").execute();
    const ids = await queuedTexts(60);
    // Every seventh sleep oversleeps by 300 ms (a stalled process): its text has missed its slot.
    const time = new VirtualTime(3, (n) => (n % 7 === 3 ? 300 : 0));
    const calls = await drain(ids, { workers: 3, rate: 5, perJob: 10, time });

    expect(calls.map((c) => c.id).sort()).toEqual([...ids].sort());
    expect(busiestSecond(calls.map((c) => c.at))).toBeLessThanOrEqual(5);
    const missed = await t.db
      .selectFrom("message_status_events")
      .select("message_id")
      .where("message_id", "in", ids)
      .where("status", "=", "queued")
      .execute();
    expect(missed.length).toBeGreaterThan(0); // the stall did make texts miss their slots
    expect(await sentOnce(ids)).toMatchObject({ sentEvents: 60, distinct: 60 });
  });

  it("spacing: a slot is (1 s + the grace) / rate, never shorter; unset rates pace nothing", () => {
    expect(slotSpacingUs(10)).toBe(102_000);
    expect(slotSpacingUs(3)).toBe(340_000);
    expect(realPace(new Date(), {})).toBeNull();
    expect(realPace(new Date(), { "*": 1, "#Bank": 30 })!.rateOf("#Bank")).toBe(30);
    expect(realPace(new Date(), { "*": 1, "#Bank": 30 })!.rateOf("default")).toBe(1);
  });

  it("settings: rates per sender as JSON, the spread's texts an hour from the calls and the call-back ratio", () => {
    expect(pacingConfig({ SMS_SENDER_RATES: '{"default": 1, "#SettleBank": 30}' }).senderRates).toEqual({
      default: 1,
      "#SettleBank": 30,
    });
    expect(() => pacingConfig({ SMS_SENDER_RATES: "30" })).toThrow(/SMS_SENDER_RATES/);
    expect(() => pacingConfig({ SMS_SENDER_RATES: '{"default": 0}' })).toThrow(/SMS_SENDER_RATES/);
    expect(() => pacingConfig({ SMS_SENDER_RATES: "{oops" })).toThrow(/SMS_SENDER_RATES: must be JSON/);
    expect(pacingConfig({}).textsPerHour).toBeNull();
    expect(pacingConfig({ INBOUND_CALLS_PER_HOUR: "40" }).textsPerHour).toBe(2_000); // 2% call back by default
    expect(pacingConfig({ INBOUND_CALLS_PER_HOUR: "40", CALLBACKS_PER_TEXT: "0.1" }).textsPerHour).toBe(400);
    expect(() => pacingConfig({ CALLBACKS_PER_TEXT: "2" })).toThrow(/CALLBACKS_PER_TEXT/);
  });
});
