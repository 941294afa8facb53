import { describe, expect, it } from "vitest";
import { DateTime } from "luxon";
import {
  DEFAULT_CONTACT_POLICY,
  jurisdictionWindow,
  type Jurisdiction,
} from "../../app/domain/contact-policy";
import { decideNextContact, type ContactInput } from "../../app/domain/decide-next-contact";
import { sendBlocker, sendConstraintsFor } from "../../app/domain/send-constraints";
import {
  allowedSendHours,
  chooseSendHour,
  seededRandom,
  type HourEvidence,
} from "../../app/domain/send-time";

/**
 * Send-time optimisation against a known ground truth (docs/product-rules.md §4.13). Synthetic borrowers
 * each have a hidden hour at which they open and act; every round each gets one reminder, sent either
 * at the current schedule's time (the first permitted minute of the day, as decideNextContact dates it)
 * or at the hour the sampler picks from what it has seen so far. Both arms face the same coin for each
 * borrower and round, so the difference is the send hour alone. Fixed seed: the figures are exact.
 */

const SEED = "send-time-simulation-1";
const BORROWERS = 400;
const ROUNDS = 30;
const EXPLORATION = 0.1;
const policy = DEFAULT_CONTACT_POLICY;

interface Segment {
  jurisdiction: Jurisdiction;
  zone: string;
  locale: string;
  /** Where this segment's hidden hours cluster. */
  typicalHour: number;
}
const SEGMENTS: Segment[] = [
  { jurisdiction: "HK", zone: "Asia/Hong_Kong", locale: "zh-HK", typicalHour: 19 },
  { jurisdiction: "CN", zone: "Asia/Shanghai", locale: "zh-CN", typicalHour: 12 },
  { jurisdiction: "US", zone: "America/New_York", locale: "en", typicalHour: 17 },
  { jurisdiction: "UK", zone: "Europe/London", locale: "en", typicalHour: 10 },
];

interface Borrower {
  segment: number;
  hiddenHour: number;
  preferences: { windowStart?: string; windowEnd?: string };
  evidence: Record<number, { sent: number; acted: number }>;
}

/** Probability of opening and acting within 24 h of a text sent at `hour`: high near the hidden hour, low elsewhere. */
function actProbability(hour: number, hiddenHour: number): number {
  return 0.04 + 0.5 * Math.exp(-((hour - hiddenHour) ** 2) / 2);
}

function makeBorrowers(random: () => number): Borrower[] {
  return Array.from({ length: BORROWERS }, (_, i) => {
    const segment = i % SEGMENTS.length;
    // Most borrowers are like their segment, give or take two hours; a quarter are anybody's guess.
    const hiddenHour =
      random() < 0.75
        ? SEGMENTS[segment]!.typicalHour + Math.floor(random() * 5) - 2
        : 9 + Math.floor(random() * 11);
    // One in five has a preferred window, which the sampler must keep to.
    const preferences = random() < 0.2 ? { windowStart: "12:00", windowEnd: "18:30" } : {};
    return { segment, hiddenHour, preferences, evidence: {} };
  });
}

function contactInput(b: Borrower, now: Date): ContactInput {
  const s = SEGMENTS[b.segment]!;
  return {
    now,
    account: {
      status: "delinquent",
      dpd: 10,
      dueDate: "2026-02-01",
      balanceMinor: 500_00,
      overdueMinor: 120_00,
      minimumDueMinor: 120_00,
      processingMinor: 0,
      wrongNumber: false,
      dispute: false,
    },
    borrower: { timeZone: s.zone, jurisdiction: s.jurisdiction },
    preferences: { smsAllowed: true, smsOptedOut: false, ...b.preferences },
    history: { accountSmsSentAt: [], borrowerSmsSentAt: [] },
  };
}

function record(evidence: Record<number, { sent: number; acted: number }>, hour: number, acted: boolean) {
  const counts = (evidence[hour] ??= { sent: 0, acted: 0 });
  counts.sent += 1;
  if (acted) counts.acted += 1;
}

function simulate() {
  const population = seededRandom(`${SEED}:borrowers`);
  const coins = seededRandom(`${SEED}:outcomes`);
  const borrowers = makeBorrowers(population);
  const segmentEvidence = SEGMENTS.map(() => ({}) as Record<number, { sent: number; acted: number }>);
  const totals = { fixed: 0, bandit: 0, oracle: 0, sends: 0, outsideWindow: 0 };
  const byRound: Array<{ fixed: number; bandit: number }> = [];
  // The reminder falls due at local midnight, three days apart; the planner first sees it at 00:05.
  const midnights = SEGMENTS.map((s) =>
    Array.from({ length: ROUNDS }, (_, round) =>
      DateTime.fromISO("2026-03-02T00:05", { zone: s.zone })
        .plus({ days: 3 * round })
        .toJSDate(),
    ),
  );
  for (let round = 0; round < ROUNDS; round++) {
    const tally = { fixed: 0, bandit: 0 };
    borrowers.forEach((b, i) => {
      const s = SEGMENTS[b.segment]!;
      const waiting = decideNextContact(contactInput(b, midnights[b.segment]![round]!), policy);
      if (waiting.action !== "defer" || waiting.reason !== "quiet_hours")
        throw new Error(`expected a quiet-hours deferral, got ${waiting.action}/${waiting.reason}`);
      // The current schedule sends at the first permitted minute; the sampler decides from then on.
      const fixedAt = waiting.until.getTime();
      const constraints = sendConstraintsFor(contactInput(b, waiting.until), policy);
      const choice = chooseSendHour({
        constraints,
        now: fixedAt,
        borrower: b.evidence as HourEvidence,
        segment: segmentEvidence[b.segment]!,
        explorationShare: EXPLORATION,
        random: seededRandom(`${SEED}:${i}:${round}`),
      });
      totals.sends += 1;
      if (!withinLegalAndPreferred(choice.at, b) || sendBlocker(choice.at, constraints) !== null)
        totals.outsideWindow += 1;
      const coin = coins();
      const fixedHour = DateTime.fromMillis(fixedAt, { zone: s.zone }).hour;
      if (coin < actProbability(fixedHour, b.hiddenHour)) tally.fixed += 1;
      const acted = coin < actProbability(choice.hour, b.hiddenHour);
      if (acted) tally.bandit += 1;
      // The best any policy could do: always the allowed hour nearest the hidden one.
      if (
        coin < Math.max(...allowedSendHours(constraints.window).map((h) => actProbability(h, b.hiddenHour)))
      )
        totals.oracle += 1;
      record(b.evidence, choice.hour, acted);
      record(segmentEvidence[b.segment]!, choice.hour, acted);
    });
    totals.fixed += tally.fixed;
    totals.bandit += tally.bandit;
    byRound.push(tally);
  }
  return { totals, byRound };
}

/** Read on the borrower's clock with luxon: inside the jurisdiction's legal window and any preferred window. */
function withinLegalAndPreferred(at: number, b: Borrower): boolean {
  const s = SEGMENTS[b.segment]!;
  const local = DateTime.fromMillis(at, { zone: s.zone });
  const minute = local.hour * 60 + local.minute;
  const legal = jurisdictionWindow(policy, s.jurisdiction);
  if (minute < legal.startMinute || minute >= legal.endMinute) return false;
  const { windowStart, windowEnd } = b.preferences;
  if (!windowStart || !windowEnd) return true;
  const hhmm = `${String(local.hour).padStart(2, "0")}:${String(local.minute).padStart(2, "0")}`;
  return hhmm >= windowStart && hhmm < windowEnd;
}

// Measured for this seed: 2,869 opens-and-acts against the fixed schedule's 1,462 over all 30 rounds
// (x1.96), 1,049 against 484 over the last ten (x2.17); an oracle that always knew the hidden hour gets
// 5,559. The assertions sit a safe margin below (docs/product-rules.md §4.13).
const MARGIN_ALL_ROUNDS = 1.7;
const MARGIN_LAST_TEN = 1.9;

describe("send-time optimisation against a known ground truth", () => {
  const { totals, byRound } = simulate();
  const sum = (rounds: typeof byRound) =>
    rounds.reduce((a, r) => ({ fixed: a.fixed + r.fixed, bandit: a.bandit + r.bandit }), {
      fixed: 0,
      bandit: 0,
    });

  it(`beats the fixed schedule on opens-and-acts by x${MARGIN_ALL_ROUNDS} over ${ROUNDS} rounds, x${MARGIN_LAST_TEN} over the last ten`, () => {
    expect(totals.bandit / totals.fixed).toBeGreaterThanOrEqual(MARGIN_ALL_ROUNDS);
    const lastTen = sum(byRound.slice(-10));
    expect(lastTen.bandit / lastTen.fixed).toBeGreaterThanOrEqual(MARGIN_LAST_TEN);
    // It learns: the last ten rounds do better than the first ten.
    expect(lastTen.bandit).toBeGreaterThan(sum(byRound.slice(0, 10)).bandit);
    expect(totals.bandit).toBeLessThan(totals.oracle);
  });

  it("never sends outside the legal window or the borrower's preferred one", () => {
    expect(totals.sends).toBe(BORROWERS * ROUNDS);
    expect(totals.outsideWindow).toBe(0);
  });
});
