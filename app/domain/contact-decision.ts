import type { PhoneOwner, PlanStatus } from "../../db/schema";
import type { Channel, Escalation, Jurisdiction, StageId } from "./contact-policy";
import type { LoggedCall } from "./call-constraints";

/**
 * What `decideNextContact` reads and answers (docs/product-rules.md §4.1, §4.15), apart from the
 * functions, so the channel layer and the SMS layer share them without importing each other.
 */

/** Reason codes, in precedence order. Stored with every decision so agents can explain it. */
const SUPPRESS_REASONS = [
  "account_closed",
  "account_paid",
  "settlement_paid",
  "deceased",
  "insolvency",
  "breathing_space_crisis",
  "cease_contact",
  "wrong_number",
  "not_borrowers_number",
  "dispute",
  "sms_opted_out",
  "sms_not_allowed",
  "phone_not_allowed",
  "calls_disabled",
  "vulnerable_no_calls",
  "email_not_allowed",
  "no_email_address",
  "visit_not_allowed",
  "no_visit_address",
] as const;
const DEFER_REASONS = [
  "hardship_pause",
  "breathing_space",
  "plan_under_review",
  "settlement_in_force",
  "plan_active",
  "autopay_scheduled",
  "promise_pending",
  "overdue_paid",
  "payment_processing",
  "not_yet_due",
  "cadence_not_due",
  "sms_held_for_review",
  "quiet_hours",
  "cap_account_daily",
  "cap_borrower_weekly",
  "cap_min_gap",
  "call_cap_daily",
  "call_cap_weekly",
  "call_cap_connected_daily",
  "call_cooldown",
] as const;
const SEND_REASONS = ["send_due", "escalated_refused", "escalated_undelivered", "escalated_ignored"] as const;
export const REASON_CODES = [...SUPPRESS_REASONS, ...DEFER_REASONS, ...SEND_REASONS] as const;
export type SuppressReason = (typeof SUPPRESS_REASONS)[number];
export type DeferReason = (typeof DEFER_REASONS)[number];
export type SendReason = (typeof SEND_REASONS)[number];

// The plan states are the database's own (db/schema.ts); the decision reads them as stored.
export type { PlanStatus };

/**
 * What the schedule knows about every channel beyond SMS (§4.15). Absent, the decision is the SMS-only
 * schedule it always was; the planner always passes it.
 */
export interface ChannelFacts {
  phoneAllowed: boolean;
  emailAllowed: boolean;
  hasEmail: boolean;
  /** False once the borrower refused visits; home or branch visits are otherwise the last resort. */
  visitAllowed: boolean;
  /**
   * An address to visit: held and not marked stale by a visit that found the borrower moved (§4.19).
   * Absent: as before addresses existed, a visit needs none.
   */
  hasAddress?: boolean;
  /** The borrower's latest texts in a row that the provider reported `undelivered` or `failed`. */
  undeliveredTexts: number;
  /** Reminders in a row since the borrower last opened a link. */
  ignoredReminders: number;
  /** A reply reads like an opt-out or a complaint and waits for a person (an open `inbound_review` task). */
  smsHeldForReview: boolean;
  /** The borrower's logged calls of the last 8 days, any account. */
  calls: readonly LoggedCall[];
  /** The account's latest email decision that was sent, for the stage cadence. */
  lastEmailAt?: Date | null;
}

export interface ContactInput {
  now: Date;
  account: {
    status: "current" | "delinquent" | "paid" | "closed";
    /** The bank's days past due; used for delinquent accounts. */
    dpd: number;
    /** YYYY-MM-DD; a current account's stage is counted from it (D-3 = three local days before). */
    dueDate: string;
    balanceMinor: number;
    /** Net of payments recorded since the bank's balance (§6.5): what is still overdue. */
    overdueMinor: number;
    /** Net the same way: what a current account must pay by its due date. */
    minimumDueMinor: number;
    /** Payments under way (an async method not settled yet), not counted in the figures above. */
    processingMinor: number;
    wrongNumber: boolean;
    dispute: boolean;
  };
  borrower: {
    timeZone: string;
    jurisdiction: Jurisdiction;
    breathingSpaceUntil?: Date | null;
    /** A mental-health crisis Breathing Space: no end date, in force until ended. */
    breathingSpaceCrisis?: boolean;
    /** Whose the phone number is (§4.20); absent: the borrower's, as a bank-supplied number is. */
    phoneOwner?: PhoneOwner;
  };
  /** Statuses in force that stop or shape contact (docs/product-rules.md §4.18); absent means none. */
  statuses?: { ceaseContact: boolean; insolvency: boolean; deceased: boolean; vulnerable: boolean } | null;
  preferences: {
    smsAllowed: boolean;
    smsOptedOut: boolean;
    windowStart?: string | null;
    windowEnd?: string | null;
    maxPerWeek?: number | null;
  };
  history: {
    accountSmsSentAt: Date[];
    /** Every SMS to this borrower, across all their accounts. */
    borrowerSmsSentAt: Date[];
    /** Instalment-due reminders are recorded under stage "pre_due". */
    lastStageSent?: { stage: StageId; at: Date } | null;
  };
  promise?: { promisedDate: string; status: "active" | "kept" | "broken" | "cancelled" } | null;
  plan?: {
    status: PlanStatus;
    nextInstalmentDueDate?: string | null;
    inGoodStanding: boolean;
    /** Instalments are charged by autopay, which sends its own reminder (docs/product-rules.md §7.11). */
    autopay?: boolean;
  } | null;
  hardship?: { pauseUntil: Date | null } | null;
  /** The account's settlement being paid (`accepted`) or paid in full (docs/product-rules.md §7.10). */
  settlement?: { status: "accepted" | "paid" } | null;
  channels?: ChannelFacts;
}

export type ContactTemplate = StageId | "instalment_due";

/** `rule` says which policy rule chose the channel; only decisions made with channel facts carry it. */
export type ContactDecision =
  | {
      action: "send";
      channel: Channel;
      stage: StageId;
      template: ContactTemplate;
      at: Date;
      reason: SendReason;
      /** The task a sent SMS brings with it (a call or a visit offer), when that channel is open now. */
      escalation: Escalation;
      rule?: string;
    }
  | { action: "defer"; until: Date; reason: DeferReason; stage?: StageId; channel?: Channel; rule?: string }
  | { action: "suppress"; reason: SuppressReason; channel?: Channel; rule?: string };
