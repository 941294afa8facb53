import type { Kysely } from "kysely";
import type { Database } from "../../db/schema";
import type { ContactPolicy } from "../domain/contact-policy";
import type { ContactDecision } from "../domain/decide-next-contact";
import { isoDateFromEpochDay, localEpochDay } from "../domain/local-time";
import { sendConstraintsFor } from "../domain/send-constraints";
import { chooseSendHour, seededRandom, type SendHourChoice } from "../domain/send-time";
import type { AccountFacts } from "./contact-inputs.server";
import { loadSendTimeEvidence, segmentKey, type SendTimeEvidence } from "./send-time-evidence.server";

/**
 * The planner's use of the send-time sampler (docs/product-rules.md §4.13), when the contact policy
 * enables it: a reminder the schedule would send now goes out in the hour the sampler picks for the
 * borrower today, and waits for it (`send_time_learned`) when that hour is later. The choice is seeded by
 * the account and the borrower's local date, so every run that day defers to the same hour.
 */

export type SendTimeExplanation = Pick<SendHourChoice, "hour" | "why" | "evidence">;

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

export function sendTimeEvidence(
  db: Kysely<Database>,
  policy: ContactPolicy,
  facts: readonly AccountFacts[],
  now: Date,
): Promise<SendTimeEvidence> | null {
  if (!policy.sendTimeOptimisation || facts.length === 0) return null;
  return loadSendTimeEvidence(db, { now, borrowerIds: [...new Set(facts.map((f) => f.borrowerId))] });
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
