import {
  nextStageAfter,
  stageForDpd,
  type ContactPolicy,
  type Escalation,
  type StageId,
} from "./contact-policy";
import { epochDayFromIsoDate, localEpochDay, startOfLocalDay } from "./local-time";
import {
  instantOf,
  InvalidContactInput,
  nextPermittedTime,
  sendBlocker,
  sendConstraintsFor,
  type SendConstraints,
} from "./send-constraints";

import type {
  ContactDecision,
  ContactInput,
  ContactTemplate,
  DeferReason,
  PlanStatus,
  SuppressReason,
} from "./contact-decision";
import { decideAcrossChannels } from "./channel-decision";
import { notBorrowersNumber } from "./debtor-only";

export { InvalidContactInput, nextPermittedTime, sendConstraintsFor } from "./send-constraints";
export { REASON_CODES, type ContactDecision, type ContactInput, type PlanStatus } from "./contact-decision";

/**
 * The contact policy engine (docs/product-rules.md §4.1, §4.3): for one account at `now`, send,
 * defer (until when, why) or suppress (why). Pure: time is an input, nothing
 * is read or written, so the planner, the dispatcher's re-check and the tests
 * all get the same answer for the same facts.
 */

type Defer = Extract<ContactDecision, { action: "defer" }>;
/** What would be sent if nothing later in the precedence objects. */
interface Candidate {
  stage: StageId;
  template: ContactTemplate;
  escalation: Escalation;
}

const PLAN_UNDER_REVIEW: ReadonlySet<PlanStatus> = new Set(["proposed", "countered"]);
// An approved plan is agreed but not yet running; collection reminders would contradict it just the same.
const PLAN_IN_FORCE: ReadonlySet<PlanStatus> = new Set(["approved", "active"]);

export function decideNextContact(input: ContactInput, policy: ContactPolicy): ContactDecision {
  const decision = input.channels ? decideAcrossChannels(input, policy, decideSms) : decideSms(input, policy);
  return input.statuses?.vulnerable ? gentle(decision) : decision;
}

/** Stages whose wording is firmer than a vulnerable borrower should read; they get the early stage's. */
const FIRM_TEMPLATES: ReadonlySet<ContactTemplate> = new Set(["mid", "late", "serious"]);

/**
 * A vulnerable borrower (§4.18) gets only gentle wording, and no call task rides on a text (calls to
 * them are refused by the channel layer too, so the schedule never places one).
 */
function gentle(decision: ContactDecision): ContactDecision {
  if (decision.action !== "send") return decision;
  return {
    ...decision,
    template: FIRM_TEMPLATES.has(decision.template) ? "early" : decision.template,
    escalation: decision.escalation === "call_task" ? "none" : decision.escalation,
  };
}

/** A status that stops every contact about the debt, most final first (§4.18). */
function statusStop(input: ContactInput): SuppressReason | null {
  const s = input.statuses;
  if (s?.deceased) return "deceased";
  if (s?.insolvency) return "insolvency";
  if (input.borrower.breathingSpaceCrisis) return "breathing_space_crisis";
  if (s?.ceaseContact) return "cease_contact";
  return null;
}

/** The SMS schedule alone (precedence §4.3); the channel layer runs it with every channel open. */
function decideSms(input: ContactInput, policy: ContactPolicy): ContactDecision {
  const constraints = sendConstraintsFor(input, policy);
  const now = instantOf(input.now, "now");
  const { account, preferences } = input;
  const zone = constraints.zone;
  const today = localEpochDay(now, zone);
  // Deferrals land on a permitted send time so that re-deciding then is not bounced by quiet hours or caps.
  const defer = (reason: DeferReason, from: number, stage?: StageId): Defer => ({
    action: "defer",
    until: nextPermittedTime(from, constraints),
    reason,
    ...(stage ? { stage } : {}),
  });
  const tomorrow = () => startOfLocalDay(today + 1, zone);

  if (account.status === "closed") return { action: "suppress", reason: "account_closed" };
  if (account.status === "paid" || account.balanceMinor <= 0)
    return { action: "suppress", reason: "account_paid" };
  // Settled for less than the balance: the bank's balance may never reach zero, the debt is still done.
  if (input.settlement?.status === "paid") return { action: "suppress", reason: "settlement_paid" };
  const stopped = statusStop(input);
  if (stopped) return { action: "suppress", reason: stopped };
  if (account.wrongNumber) return { action: "suppress", reason: "wrong_number" };
  if (notBorrowersNumber(input.borrower, policy))
    return { action: "suppress", reason: "not_borrowers_number" };
  if (account.dispute) return { action: "suppress", reason: "dispute" };
  if (preferences.smsOptedOut) return { action: "suppress", reason: "sms_opted_out" };
  if (!preferences.smsAllowed) return { action: "suppress", reason: "sms_not_allowed" };

  const hardshipEnd = optionalInstant(input.hardship?.pauseUntil, "hardship.pauseUntil");
  if (hardshipEnd !== null && hardshipEnd > now) return defer("hardship_pause", hardshipEnd);
  // Honoured whatever the jurisdiction: only the UK sets it, and not texting is always safe.
  const breathingEnd = optionalInstant(input.borrower.breathingSpaceUntil, "borrower.breathingSpaceUntil");
  if (breathingEnd !== null && breathingEnd > now) return defer("breathing_space", breathingEnd);

  const plan = input.plan;
  if (plan && PLAN_UNDER_REVIEW.has(plan.status)) return defer("plan_under_review", tomorrow());
  // Its own schedule is agreed; an arrears reminder would contradict it (a lapse ends it).
  if (input.settlement?.status === "accepted") return defer("settlement_in_force", tomorrow());

  let candidate: Candidate | Defer | null = null;
  if (plan && PLAN_IN_FORCE.has(plan.status) && plan.inGoodStanding) {
    // Autopay charges the instalment and texts its own notice 3 days before: a "pay here" text would ask
    // the borrower to pay twice. A charge that fails for good texts a link to pay by hand.
    if (plan.autopay) return defer("autopay_scheduled", tomorrow());
    candidate = instalmentReminder(input, policy, today, zone, defer, tomorrow);
    if ("action" in candidate) return candidate;
  }

  // A promise pauses everything, instalment reminders included, until the end of its grace days.
  if (input.promise?.status === "active") {
    const promised = isoDay(input.promise.promisedDate, "promise.promisedDate");
    const end = startOfLocalDay(promised + policy.promiseGraceDays + 1, zone);
    if (now < end) return defer("promise_pending", end, candidate?.stage);
  }

  if (!candidate) {
    candidate = stageReminder(input, policy, today, zone, defer, tomorrow);
    if ("action" in candidate) return candidate;
  }
  return sendOrWait(candidate, now, constraints);
}

function sendOrWait(candidate: Candidate, now: number, constraints: SendConstraints): ContactDecision {
  const blocker = sendBlocker(now, constraints);
  if (blocker)
    return {
      action: "defer",
      until: nextPermittedTime(now, constraints),
      reason: blocker,
      stage: candidate.stage,
    };
  return { action: "send", channel: "sms", ...candidate, at: new Date(now), reason: "send_due" };
}

/**
 * What a stage reminder asks the borrower to pay: the overdue amount once the account is in arrears, the
 * minimum due before (and on) the due date. Never below zero; the text is not sent when it is zero.
 */
export function amountAsked(account: ContactInput["account"]): number {
  return Math.max(0, account.status === "current" ? account.minimumDueMinor : account.overdueMinor);
}

type DeferFn = (reason: DeferReason, from: number, stage?: StageId) => Defer;

/** The collection stage for today's days past due, if its cadence says a text is due. */
function stageReminder(
  input: ContactInput,
  policy: ContactPolicy,
  today: number,
  zone: string,
  defer: DeferFn,
  tomorrow: () => number,
): Candidate | Defer {
  const { account } = input;
  const due = isoDay(account.dueDate, "account.dueDate");
  let dpd: number;
  if (account.status === "current") {
    dpd = today - due;
    // Current past its due date: the bank has not rolled the date or flagged arrears yet; nothing to chase.
    if (dpd > 0) return defer("not_yet_due", tomorrow());
  } else {
    // The bank's figure; assumed to grow by one each local day when projecting the next stage.
    dpd = account.dpd;
  }

  const stage = stageForDpd(policy, dpd);
  const next = nextStageAfter(policy, dpd);
  const nextStageDay = next ? today + (next.fromDpd - dpd) : null;
  if (!stage) {
    const first = policy.stages[0]!;
    const reason = dpd < first.fromDpd ? "not_yet_due" : "cadence_not_due";
    return next && nextStageDay !== null
      ? defer(reason, startOfLocalDay(nextStageDay, zone), next.id)
      : defer(reason, tomorrow());
  }
  // The bank's figures lag a payment by days: a borrower who has just paid is not chased for it meanwhile.
  const asked = amountAsked(account);
  if (asked <= 0) return defer("overdue_paid", tomorrow(), stage.id);
  if (asked <= account.processingMinor) return defer("payment_processing", tomorrow(), stage.id);

  const last = input.history.lastStageSent;
  if (last && last.stage === stage.id) {
    const lastDay = localEpochDay(instantOf(last.at, "history.lastStageSent.at"), zone);
    if (today - lastDay < stage.everyDays) {
      // Calendar days, not 24 h blocks: "every 3 days" means the third local date, whatever DST did.
      const day = Math.min(lastDay + stage.everyDays, nextStageDay ?? Infinity);
      return defer("cadence_not_due", startOfLocalDay(day, zone), stage.id);
    }
  }
  return { stage: stage.id, template: stage.id, escalation: stage.escalation };
}

/**
 * A plan in good standing replaces collection reminders with one reminder per
 * instalment, sent inside the pre-due window (D-3..D-1 by default).
 */
function instalmentReminder(
  input: ContactInput,
  policy: ContactPolicy,
  today: number,
  zone: string,
  defer: DeferFn,
  tomorrow: () => number,
): Candidate | Defer {
  const preDue = policy.stages.find((s) => s.id === "pre_due");
  const dueText = input.plan?.nextInstalmentDueDate;
  if (!preDue || dueText == null) return defer("plan_active", tomorrow());
  const due = isoDay(dueText, "plan.nextInstalmentDueDate");
  const opens = due + preDue.fromDpd;
  const closes = due + preDue.toDpd;
  if (today < opens) return defer("plan_active", startOfLocalDay(opens, zone), "pre_due");
  // Past the window (due day, or overdue within the plan's grace): wait for the next instalment date.
  if (today > closes) return defer("plan_active", tomorrow());

  const last = input.history.lastStageSent;
  if (last && last.stage === "pre_due") {
    const lastDay = localEpochDay(instantOf(last.at, "history.lastStageSent.at"), zone);
    if (lastDay >= opens && today - lastDay < preDue.everyDays) {
      const again = lastDay + preDue.everyDays;
      return defer("plan_active", startOfLocalDay(again <= closes ? again : closes + 1, zone), "pre_due");
    }
  }
  return { stage: "pre_due", template: "instalment_due", escalation: "none" };
}

function optionalInstant(value: Date | null | undefined, field: string): number | null {
  return value == null ? null : instantOf(value, field);
}

function isoDay(text: string, field: string): number {
  const day = typeof text === "string" ? epochDayFromIsoDate(text) : null;
  if (day === null) throw new InvalidContactInput(field, `not a YYYY-MM-DD date: ${String(text)}`);
  return day;
}
