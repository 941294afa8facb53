import { effectiveCaps, type ContactPolicy, type Jurisdiction } from "./contact-policy";
import {
  isWithinWindow,
  localEpochDay,
  nextWindowOpening,
  startOfLocalDay,
  type LocalWindow,
} from "./local-time";

/**
 * When an agent may call a borrower (docs/product-rules.md §4.16): inside the contact window, under the
 * calls-per-day and per-7-days caps, under the connected-calls-per-day cap (NIFA: 3 in CN), and not within
 * the cool-down after a conversation (US Reg F 1006.14(b)(2): 7 days). Only logged calls count, so the
 * history is the call log. Pure: the schedule dates call decisions with it and the console warns an agent
 * who logs a call it forbids.
 */

/** What an agent records after a call (older rows may also hold `connected`, `busy`, `voicemail`). */
export const CALL_OUTCOMES = [
  "no_answer",
  "right_party_contact",
  "promise_made",
  "wrong_number",
  "refused",
  "callback_requested",
] as const;

/** The borrower answered and spoke: a "connected" call, and a "conversation" for the cool-down. */
const CONVERSATIONS: ReadonlySet<string> = new Set([
  "right_party_contact",
  "promise_made",
  "refused",
  "callback_requested",
  "connected",
]);

export function isConversation(outcome: string): boolean {
  return CONVERSATIONS.has(outcome);
}

export interface LoggedCall {
  at: Date;
  outcome: string;
}

export interface CallConstraints {
  zone: string;
  window: LocalWindow;
  perDay: number;
  per7Days: number;
  connectedPerDay: number;
  cooldownMs: number;
  /** Epoch ms, ascending. */
  calls: ReadonlyArray<{ at: number; connected: boolean }>;
}

export type CallBlocker =
  "quiet_hours" | "call_cap_daily" | "call_cap_weekly" | "call_cap_connected_daily" | "call_cooldown";

const DAY_MS = 86_400_000;
const MAX_STEPS = 1_000;

/** The borrower's call limits: the policy's caps tightened by the jurisdiction's, in the contact window. */
export function callConstraintsFor(
  input: { zone: string; window: LocalWindow; jurisdiction: Jurisdiction; calls: readonly LoggedCall[] },
  policy: ContactPolicy,
): CallConstraints {
  const caps = effectiveCaps(policy, input.jurisdiction);
  const cooldownDays = policy.jurisdictions[input.jurisdiction].callCooldownAfterConversationDays ?? 0;
  return {
    zone: input.zone,
    window: input.window,
    perDay: caps.callsPerDay,
    per7Days: caps.callsPer7Days,
    connectedPerDay: caps.connectedCallsPerDay ?? Infinity,
    cooldownMs: cooldownDays * DAY_MS,
    calls: input.calls
      .map((c) => ({ at: c.at.getTime(), connected: isConversation(c.outcome) }))
      .filter((c) => Number.isFinite(c.at))
      .sort((a, b) => a.at - b.at),
  };
}

/** A policy that allows no calls at all: the channel is refused, not deferred for ever. */
export function callsDisabled(c: CallConstraints): boolean {
  return c.perDay < 1 || c.per7Days < 1 || c.connectedPerDay < 1;
}

/** Why a call may not be made at instant t, or null when it may. */
export function callBlocker(t: number, c: CallConstraints): CallBlocker | null {
  if (!isWithinWindow(t, c.zone, c.window)) return "quiet_hours";
  return blocking(t, c)[0]?.blocker ?? null;
}

function blocking(t: number, c: CallConstraints): Array<{ blocker: CallBlocker; freeAt: number }> {
  const found: Array<{ blocker: CallBlocker; freeAt: number }> = [];
  const day = localEpochDay(t, c.zone);
  const tomorrow = startOfLocalDay(day + 1, c.zone);
  const past = c.calls.filter((e) => e.at <= t);
  const today = past.filter((e) => localEpochDay(e.at, c.zone) === day);
  if (today.length >= c.perDay) found.push({ blocker: "call_cap_daily", freeAt: tomorrow });
  if (today.filter((e) => e.connected).length >= c.connectedPerDay)
    found.push({ blocker: "call_cap_connected_daily", freeAt: tomorrow });
  const week = past.filter((e) => e.at > t - 7 * DAY_MS);
  if (week.length >= c.per7Days)
    found.push({ blocker: "call_cap_weekly", freeAt: week[week.length - c.per7Days]!.at + 7 * DAY_MS });
  const lastTalk = past.filter((e) => e.connected).at(-1);
  if (lastTalk && c.cooldownMs > 0 && t < lastTalk.at + c.cooldownMs)
    found.push({ blocker: "call_cooldown", freeAt: lastTalk.at + c.cooldownMs });
  return found;
}

/** The earliest instant at or after `from` at which a call is allowed (callsDisabled must be false). */
export function nextCallTime(from: number, c: CallConstraints): Date {
  let t = from;
  for (let step = 0; step < MAX_STEPS; step++) {
    if (!isWithinWindow(t, c.zone, c.window)) {
      t = nextWindowOpening(t, c.zone, c.window);
      continue;
    }
    const found = blocking(t, c);
    if (found.length === 0) return new Date(t);
    t = Math.max(...found.map((b) => b.freeAt));
  }
  throw new Error(`no permitted call time within ${MAX_STEPS} steps from ${new Date(from).toISOString()}`);
}
