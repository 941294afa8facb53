import { localClockMinute, type LocalWindow } from "./local-time";
import { nextPermittedTime, sendBlocker, type SendConstraints } from "./send-constraints";

/**
 * Send-time optimisation (docs/product-rules.md §4.13): a Beta-Bernoulli Thompson sampler over the local
 * hours a borrower may be texted in, rewarded by "opened the link and acted within 24 h". Pure: the
 * evidence and the random source are inputs, so the planner, the simulation and the tests agree.
 *
 * The hours come from `sendConstraintsFor` (the legal window narrowed by the jurisdiction and the
 * borrower's preferred window), and the send instant from `nextPermittedTime` on that hour's slice of the
 * window: the sampler can only ever move a text later inside the window, never out of it.
 */

/** Texts sent at one local hour, and how many of them the borrower opened and acted on within 24 h. */
interface HourCounts {
  sent: number;
  acted: number;
}

/** Counts by local hour (0-23); a missing hour has no evidence. */
export type HourEvidence = Readonly<Partial<Record<number, HourCounts>>>;

export interface SendHourInput {
  constraints: SendConstraints;
  /** Epoch ms: the hour is chosen among those not yet over on the borrower's clock. */
  now: number;
  /** This borrower's own sends and outcomes. */
  borrower: HourEvidence;
  /** Borrowers like them (same jurisdiction, stage and language): the prior. */
  segment: HourEvidence;
  /** Share of choices drawn uniformly from the allowed hours, whatever the evidence says (0-1). */
  explorationShare: number;
  /** Uniform [0, 1); seeded by the caller, so one borrower's choice is stable for a day. */
  random: () => number;
}

type SendHourWhy = "learned" | "exploring" | "prior";

export interface SendHourChoice {
  /** Local hour (0-23) the text goes out in. */
  hour: number;
  /** Epoch ms: the earliest permitted instant in that hour (now, when the hour is the current one). */
  at: number;
  why: SendHourWhy;
  /** The evidence behind the chosen hour, for the agent's "why" line. */
  evidence: { sent: number; acted: number; segmentSent: number; segmentActed: number };
}

/** The segment counts weigh at most this many texts per hour, so a borrower's own evidence can overrule it. */
const SEGMENT_PRIOR_WEIGHT = 20;

/** Local hours with at least one minute inside the window, ascending. */
export function allowedSendHours(window: LocalWindow): number[] {
  const hours: number[] = [];
  for (let hour = 0; hour < 24; hour++) {
    if (hourSlot(window, hour)) hours.push(hour);
  }
  return hours;
}

/** The part of the window inside one local hour, or null when they do not meet. */
function hourSlot(window: LocalWindow, hour: number): LocalWindow | null {
  const startMinute = Math.max(window.startMinute, hour * 60);
  const endMinute = Math.min(window.endMinute, hour * 60 + 60);
  return startMinute < endMinute ? { startMinute, endMinute } : null;
}

export function chooseSendHour(input: SendHourInput): SendHourChoice {
  const { constraints, now, borrower, segment, random } = input;
  const share = input.explorationShare;
  if (!(share >= 0 && share <= 1)) throw new RangeError(`explorationShare must be within 0-1: ${share}`);
  const candidates = remainingHours(constraints, now);
  let hour: number;
  let why: SendHourWhy;
  if (random() < share) {
    hour = candidates[Math.min(candidates.length - 1, Math.floor(random() * candidates.length))]!;
    why = "exploring";
  } else {
    hour = thompsonPick(candidates, borrower, segment, random);
    why = totalSent(borrower, candidates) > 0 ? "learned" : "prior";
  }
  const own = borrower[hour] ?? NONE;
  const pooled = segment[hour] ?? NONE;
  return {
    hour,
    at: slotOpening(now, constraints, hourSlot(constraints.window, hour)!),
    why,
    evidence: { sent: own.sent, acted: own.acted, segmentSent: pooled.sent, segmentActed: pooled.acted },
  };
}

const NONE: HourCounts = { sent: 0, acted: 0 };

/**
 * The earliest permitted instant at or after now inside the slot. The planner asks this for every due
 * reminder, so the usual case (the slot later today, no clock change in between) is found by counting
 * minutes; whatever that does not land exactly on goes to nextPermittedTime, which luxon makes slow.
 */
function slotOpening(now: number, constraints: SendConstraints, slot: LocalWindow): number {
  const narrowed = { ...constraints, window: slot };
  const minute = localClockMinute(now, constraints.zone);
  if (minute < slot.startMinute) {
    const guess = Math.floor(now / 60_000) * 60_000 + (slot.startMinute - minute) * 60_000;
    if (
      localClockMinute(guess, constraints.zone) === slot.startMinute &&
      sendBlocker(guess, narrowed) === null
    )
      return guess;
  }
  return nextPermittedTime(now, narrowed).getTime();
}

/**
 * The allowed hours not yet over on the borrower's clock. Once the day's sampled best hour is behind
 * (a reminder that fell due late in the day), the best of what is left beats waiting a day; after the
 * window has closed, tomorrow's hours are all open again.
 */
function remainingHours(constraints: SendConstraints, now: number): number[] {
  const hours = allowedSendHours(constraints.window);
  const current = Math.floor(localClockMinute(now, constraints.zone) / 60);
  const left = hours.filter((hour) => hour >= current);
  return left.length > 0 ? left : hours;
}

function totalSent(evidence: HourEvidence, hours: readonly number[]): number {
  return hours.reduce((sum, hour) => sum + (evidence[hour]?.sent ?? 0), 0);
}

/** One posterior draw per hour; the highest wins (ties to the earlier hour). */
function thompsonPick(
  hours: readonly number[],
  borrower: HourEvidence,
  segment: HourEvidence,
  random: () => number,
): number {
  let best = hours[0]!;
  let bestDraw = -1;
  for (const hour of hours) {
    const [alpha, beta] = posterior(borrower[hour] ?? NONE, segment[hour] ?? NONE);
    const draw = sampleBeta(alpha, beta, random);
    if (draw > bestDraw) [best, bestDraw] = [hour, draw];
  }
  return best;
}

/** Beta(1, 1), plus the segment's rate scaled to at most SEGMENT_PRIOR_WEIGHT texts, plus the borrower's own counts. */
function posterior(own: HourCounts, pooled: HourCounts): [number, number] {
  const segmentSent = Math.max(0, pooled.sent);
  const weight = segmentSent > 0 ? Math.min(1, SEGMENT_PRIOR_WEIGHT / segmentSent) : 0;
  const segmentActed = clamp(pooled.acted, 0, segmentSent);
  const sent = Math.max(0, own.sent);
  const acted = clamp(own.acted, 0, sent);
  return [1 + weight * segmentActed + acted, 1 + weight * (segmentSent - segmentActed) + (sent - acted)];
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

/** Beta(a, b) as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b); a, b >= 1 by construction of the posterior. */
function sampleBeta(a: number, b: number, random: () => number): number {
  const x = sampleGamma(a, random);
  const y = sampleGamma(b, random);
  return x / (x + y);
}

/** Marsaglia and Tsang's method (shape >= 1), with normals from Box-Muller. */
function sampleGamma(shape: number, random: () => number): number {
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const z = standardNormal(random);
    const v = (1 + c * z) ** 3;
    if (v <= 0) continue;
    const u = random();
    if (Math.log(u || Number.MIN_VALUE) < 0.5 * z * z + d - d * v + d * Math.log(v)) return d * v;
  }
}

function standardNormal(random: () => number): number {
  const u = random() || Number.MIN_VALUE;
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/**
 * A seeded uniform [0, 1) source (FNV-1a of the seed, then mulberry32): the planner seeds it with the
 * account and the borrower's local date, so every run that day draws the same hour.
 */
export function seededRandom(seed: string): () => number {
  let state = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) state = Math.imul(state ^ seed.charCodeAt(i), 0x01000193);
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
