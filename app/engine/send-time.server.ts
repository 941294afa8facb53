import type { Kysely } from "kysely";
import type { Database } from "../../db/schema";
import type { ContactPolicy } from "../domain/contact-policy";
import type { ContactDecision } from "../domain/decide-next-contact";
import { isoDateFromEpochDay, localEpochDay } from "../domain/local-time";
import { sendConstraintsFor } from "../domain/send-constraints";
import { chooseSendHour, seededRandom, type HourEvidence, type SendHourChoice } from "../domain/send-time";
import type { AccountFacts } from "./contact-inputs.server";
import { loadBorrowerEvidence, loadSegmentEvidence, segmentKey } from "./send-time-evidence.server";

/** The evidence a page of accounts is timed with: its borrowers' own counts and the run's segment counts. */
export interface SendTimeEvidence {
  borrowers: Map<string, HourEvidence>;
  segments: Map<string, HourEvidence>;
}

/**
 * The planner's use of the send-time sampler (docs/product-rules.md §4.13), when the contact policy
 * enables it: a reminder the schedule would send now goes out in the hour the sampler picks for the
 * borrower today, and waits for it (`send_time_learned`) when that hour is later. The choice is seeded by
 * the account and the borrower's local date, so every run that day defers to the same hour.
 */

type SendTimeExplanation = Pick<SendHourChoice, "hour" | "why" | "evidence">;

type Send = Extract<ContactDecision, { action: "send" }>;
export type TimedSend =
  | (Send & { sendTime: SendTimeExplanation })
  | {
      action: "defer";
      reason: "send_time_learned";
      until: Date;
      stage: Send["stage"];
      sendTime: SendTimeExplanation;
    };

/**
 * The evidence loader for one planner run, or null when the policy leaves send-time optimisation off. The
 * segment counts are read once per run (one aggregate over 90 days of texts); each page reads only its
 * own borrowers'.
 */
export function sendTimeEvidenceLoader(db: Kysely<Database>, policy: ContactPolicy, now: Date) {
  if (!policy.sendTimeOptimisation) return null;
  let segments: Promise<Map<string, HourEvidence>> | null = null;
  return async (facts: readonly AccountFacts[]): Promise<SendTimeEvidence> => {
    segments ??= loadSegmentEvidence(db, now);
    const borrowerIds = [...new Set(facts.map((f) => f.borrowerId))];
    const [borrowers, bySegment] = await Promise.all([
      borrowerIds.length ? loadBorrowerEvidence(db, { now, borrowerIds }) : new Map<string, HourEvidence>(),
      segments,
    ]);
    return { borrowers, segments: bySegment };
  };
}

export function timeSend(
  facts: AccountFacts,
  decision: Send,
  policy: ContactPolicy,
  evidence: SendTimeEvidence,
  now: Date,
): TimedSend {
  const settings = policy.sendTimeOptimisation;
  if (!settings) throw new Error("timeSend needs sendTimeOptimisation in the policy");
  const constraints = sendConstraintsFor(facts.input, policy);
  const { borrower } = facts.input;
  const day = isoDateFromEpochDay(localEpochDay(now.getTime(), constraints.zone));
  const choice = chooseSendHour({
    constraints,
    now: now.getTime(),
    borrower: evidence.borrowers.get(facts.borrowerId) ?? {},
    segment: evidence.segments.get(segmentKey(borrower.jurisdiction, decision.stage, facts.locale)) ?? {},
    explorationShare: settings.explorationShare,
    random: seededRandom(`${facts.accountId}\u0000${day}`),
  });
  const sendTime = { hour: choice.hour, why: choice.why, evidence: choice.evidence };
  if (choice.at <= now.getTime()) return { ...decision, sendTime };
  return {
    action: "defer",
    reason: "send_time_learned",
    until: new Date(choice.at),
    stage: decision.stage,
    sendTime,
  };
}
