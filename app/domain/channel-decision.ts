import { callBlocker, callConstraintsFor, callsDisabled, nextCallTime } from "./call-constraints";
import { stageChannels, type Channel, type ContactPolicy, type ContactStage } from "./contact-policy";
import type {
  ChannelFacts,
  ContactDecision,
  ContactInput,
  SendReason,
  SuppressReason,
} from "./contact-decision";
import { notBorrowersNumber } from "./debtor-only";
import { localEpochDay, startOfLocalDay } from "./local-time";
import { instantOf, nextPermittedTime, sendConstraintsFor, type SendConstraints } from "./send-constraints";

/**
 * One decision per account across channels (docs/product-rules.md §4.15). The SMS schedule, run as though
 * every channel were open, says whether anything is due at all: closure, dispute, pauses, plans, promises
 * and the stage cadence bind every channel. When it has something to say, the stage's channels are tried
 * in order: a refused channel (opted out, not allowed, wrong number, no address) passes to the next, or
 * stops the schedule when the policy says so; texts that do not arrive or are ignored pass to the next
 * channel only when one is open. The chosen channel's own window and caps date the decision.
 */

type Verdict =
  | { kind: "open" }
  | { kind: "refused"; reason: SuppressReason }
  | { kind: "weak"; cause: "undelivered" | "ignored" };

type SmsDecide = (input: ContactInput, policy: ContactPolicy) => ContactDecision;
type Send = Extract<ContactDecision, { action: "send" }>;

export function decideAcrossChannels(
  input: ContactInput,
  policy: ContactPolicy,
  decideSms: SmsDecide,
): ContactDecision {
  const facts = input.channels!;
  const open = decideSms(
    {
      ...input,
      account: { ...input.account, wrongNumber: false },
      borrower: { ...input.borrower, phoneOwner: "borrower" },
      preferences: { ...input.preferences, smsAllowed: true, smsOptedOut: false },
    },
    policy,
  );
  const smsOnlyWait = open.action === "defer" && SMS_WAITS.has(open.reason);
  if (open.action === "suppress" || (open.action === "defer" && !smsOnlyWait))
    return { ...open, rule: `every channel: ${open.reason}` };
  const stage = policy.stages.find((s) => s.id === open.stage);
  if (!stage) return open;
  const channels = stageChannels(stage);
  const verdicts = channels.map((channel) => ({
    channel,
    verdict: verdictFor(channel, input, facts, policy),
  }));
  const firstRefused = verdicts.findIndex((v) => v.verdict.kind === "refused");
  // "stop": a refused channel ends the escalation there; channels before it are still tried.
  const usable =
    policy.escalation.whenRefused === "stop" && firstRefused >= 0
      ? verdicts.slice(0, firstRefused)
      : verdicts;
  const pick = usable.find((v) => v.verdict.kind === "open") ?? usable.find((v) => v.verdict.kind === "weak");
  if (!pick) {
    const refused = verdicts[firstRefused]!;
    const reason = (refused.verdict as { reason: SuppressReason }).reason;
    return {
      action: "suppress",
      reason,
      channel: refused.channel,
      rule: `${stage.id}: ${describe(verdicts)}`,
    };
  }
  const skipped = verdicts.slice(0, verdicts.indexOf(pick));
  const rule = `${stage.id}: ${describe(skipped)}${skipped.length ? " → " : ""}${pick.channel}`;
  const reason = sendReason(skipped);
  return contactOn(pick.channel, {
    input,
    policy,
    facts,
    stage,
    open: open as Send | OpenWait,
    rule,
    reason,
  });
}

/** The SMS schedule's own waits: quiet hours and text caps bind texts; other channels have their own. */
const SMS_WAITS: ReadonlySet<string> = new Set([
  "quiet_hours",
  "cap_account_daily",
  "cap_borrower_weekly",
  "cap_min_gap",
]);

type OpenWait = Extract<ContactDecision, { action: "defer" }>;

function describe(verdicts: ReadonlyArray<{ channel: Channel; verdict: Verdict }>): string {
  return verdicts
    .map(({ channel, verdict }) =>
      verdict.kind === "refused"
        ? `${channel} ${verdict.reason}`
        : verdict.kind === "weak"
          ? `${channel} ${verdict.cause}`
          : channel,
    )
    .join(", ");
}

function sendReason(skipped: ReadonlyArray<{ verdict: Verdict }>): SendReason {
  const first = skipped[0]?.verdict;
  if (!first) return "send_due";
  if (first.kind === "weak")
    return first.cause === "undelivered" ? "escalated_undelivered" : "escalated_ignored";
  return "escalated_refused";
}

function verdictFor(
  channel: Channel,
  input: ContactInput,
  facts: ChannelFacts,
  policy: ContactPolicy,
): Verdict {
  const { preferences, account } = input;
  const refused = (reason: SuppressReason): Verdict => ({ kind: "refused", reason });
  switch (channel) {
    case "sms": {
      if (account.wrongNumber) return refused("wrong_number");
      if (notBorrowersNumber(input.borrower, policy)) return refused("not_borrowers_number");
      if (preferences.smsOptedOut) return refused("sms_opted_out");
      if (!preferences.smsAllowed) return refused("sms_not_allowed");
      const { undeliveredTexts, ignoredReminders } = policy.escalation;
      if (undeliveredTexts !== null && facts.undeliveredTexts >= undeliveredTexts)
        return { kind: "weak", cause: "undelivered" };
      if (ignoredReminders !== null && facts.ignoredReminders >= ignoredReminders)
        return { kind: "weak", cause: "ignored" };
      return { kind: "open" };
    }
    case "email":
      if (!facts.emailAllowed) return refused("email_not_allowed");
      return facts.hasEmail ? { kind: "open" } : refused("no_email_address");
    case "call":
      // A wrong number is not the borrower's phone: neither texts nor calls reach them there.
      if (account.wrongNumber) return refused("wrong_number");
      // Debtor-only (§4.20): a call to someone else's number reaches them as surely as a text.
      if (notBorrowersNumber(input.borrower, policy)) return refused("not_borrowers_number");
      if (!facts.phoneAllowed) return refused("phone_not_allowed");
      // A vulnerable borrower is not called by the schedule (§4.18); an agent may still log a call.
      if (input.statuses?.vulnerable) return refused("vulnerable_no_calls");
      return callsDisabled(callLimits(input, facts, policy)) ? refused("calls_disabled") : { kind: "open" };
    case "visit":
      if (!facts.visitAllowed) return refused("visit_not_allowed");
      // No address, or the last visit found the borrower moved: nowhere to go until the bank sends one.
      return facts.hasAddress === false ? refused("no_visit_address") : { kind: "open" };
  }
}

function callLimits(input: ContactInput, facts: ChannelFacts, policy: ContactPolicy) {
  const window = sendConstraintsFor(input, policy);
  return callConstraintsFor(
    {
      zone: window.zone,
      window: window.window,
      jurisdiction: input.borrower.jurisdiction,
      calls: facts.calls,
    },
    policy,
  );
}

interface ChannelContext {
  input: ContactInput;
  policy: ContactPolicy;
  facts: ChannelFacts;
  stage: ContactStage;
  open: Send | OpenWait;
  rule: string;
  reason: SendReason;
}

function contactOn(channel: Channel, ctx: ChannelContext): ContactDecision {
  const { input, policy, stage, open, rule, reason } = ctx;
  const now = instantOf(input.now, "now");
  const limits = sendConstraintsFor(input, policy);
  const template = open.action === "send" ? open.template : stage.id;
  const send = (escalation: Send["escalation"] = "none"): Send => ({
    action: "send",
    channel,
    stage: stage.id,
    template,
    at: new Date(now),
    reason,
    escalation,
    rule,
  });
  switch (channel) {
    case "sms":
      if (ctx.facts.smsHeldForReview) {
        const tomorrow = startOfLocalDay(localEpochDay(now, limits.zone) + 1, limits.zone);
        return wait("sms_held_for_review", nextPermittedTime(tomorrow, limits), ctx, channel);
      }
      if (open.action === "defer") return { ...open, channel, rule };
      return { ...open, channel, rule, escalation: smsEscalation(ctx, now) };
    case "call": {
      const calls = callLimits(input, ctx.facts, policy);
      const blocker = callBlocker(now, calls);
      return blocker ? wait(blocker, nextCallTime(now, calls), ctx, channel) : send();
    }
    case "email":
    case "visit": {
      const cadence = channel === "email" ? emailCadence(ctx, limits, now) : null;
      if (cadence) return wait("cadence_not_due", cadence, ctx, channel);
      const blocker = windowBlocker(now, limits);
      return blocker ? wait("quiet_hours", blocker, ctx, channel) : send();
    }
  }
}

function wait(reason: OpenWait["reason"], until: Date, ctx: ChannelContext, channel: Channel): OpenWait {
  return { action: "defer", until, reason, stage: ctx.stage.id, channel, rule: ctx.rule };
}

/** A sent text's call or visit task comes only when that channel is open now (refusals, caps, window). */
function smsEscalation(ctx: ChannelContext, now: number): Send["escalation"] {
  const { stage, input, facts, policy } = ctx;
  if (stage.escalation === "none") return "none";
  const channel: Channel = stage.escalation === "call_task" ? "call" : "visit";
  if (!stageChannels(stage).includes(channel)) return "none";
  if (verdictFor(channel, input, facts, policy).kind !== "open") return "none";
  if (channel === "call" && callBlocker(now, callLimits(input, facts, policy)) !== null) return "none";
  return stage.escalation;
}

/** Quiet hours only: the next window opening when `now` is outside it. */
function windowBlocker(now: number, limits: SendConstraints): Date | null {
  const windowOnly = { ...limits, accountSent: [], borrowerSent: [] };
  const next = nextPermittedTime(now, windowOnly);
  return next.getTime() > now ? next : null;
}

/** An email per stage cadence: the next one on the local day `everyDays` after the last. */
function emailCadence(ctx: ChannelContext, limits: SendConstraints, now: number): Date | null {
  const last = ctx.facts.lastEmailAt;
  if (!last) return null;
  const lastDay = localEpochDay(instantOf(last, "channels.lastEmailAt"), limits.zone);
  const today = localEpochDay(now, limits.zone);
  if (today - lastDay >= ctx.stage.everyDays) return null;
  const windowOnly = { ...limits, accountSent: [], borrowerSent: [] };
  return nextPermittedTime(startOfLocalDay(lastDay + ctx.stage.everyDays, limits.zone), windowOnly);
}
