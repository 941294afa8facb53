import type { ColumnType, Generated, Insertable, Selectable, Updateable } from "kysely";

/**
 * The typed mirror of db/migrations. Conventions (set up in db/connection.ts):
 * bigint money arrives as a JS number (minor units), DATE as 'YYYY-MM-DD',
 * TIME as 'HH:MM:SS', timestamptz as Date.
 */

// ---- Vocabularies (each one a CHECK ... IN (...) in the migration) ----

export type Locale = "zh-HK" | "zh-CN" | "en";
export type Jurisdiction = "HK" | "CN" | "US" | "UK" | "SG" | "MO" | "TW";
export type Product = "credit_card" | "personal_loan" | "auto_loan" | "mortgage";
export type AccountStatus = "current" | "delinquent" | "paid" | "closed";
export type MessageDirection = "outbound" | "inbound";
export type MessageChannel = "sms" | "email";
export type SmsEncoding = "GSM-7" | "UCS-2";
export type MessageStatus =
  "queued" | "sending" | "sent" | "delivered" | "failed" | "undelivered" | "cancelled" | "received";
export type ContactChannel = "sms" | "email" | "phone" | "call" | "visit";
export type DecisionAction = "send" | "defer" | "suppress";
export type PaymentSource = "portal" | "offline_branch" | "offline_transfer";
export type PaymentStatus =
  | "pending"
  | "processing"
  | "succeeded"
  | "failed"
  | "refunded"
  | "partially_refunded"
  | "disputed"
  | "charged_back";
/** A payment that was credited to its account: its credit is `amount_minor - reversed_minor`. */
export const CREDITED_PAYMENT_STATUSES = [
  "succeeded",
  "partially_refunded",
  "refunded",
  "disputed",
  "charged_back",
] as const satisfies readonly PaymentStatus[];
export type DisputeStatus = "open" | "won" | "lost";
export type AllocationReason = "payment" | "legacy" | "refund" | "dispute" | "dispute_won";
/**
 * proposed -> approved | rejected | countered; approved -> active -> completed | broken.
 * Countering closes the original (status countered) and inserts a counter-offer row
 * (proposed_by staff, counter_of_plan_id = original, status proposed) which the
 * borrower accepts (approved/active) or declines (declined).
 */
export type PlanStatus =
  | "proposed"
  | "approved"
  | "rejected"
  | "countered"
  | "declined"
  | "active"
  | "completed"
  | "broken"
  | "cancelled";
/** At most one plan per account in these states (partial unique index). */
export const OPEN_PLAN_STATUSES = ["proposed", "approved", "active"] as const satisfies readonly PlanStatus[];
export type PlanFrequency = "monthly" | "fortnightly";
export type PlanProposer = "borrower" | "staff";
export type InstalmentStatus = "due" | "paid" | "missed";
export type PromiseStatus = "active" | "kept" | "broken" | "cancelled";
export type HardshipReason = "job_loss" | "illness" | "bereavement" | "disaster" | "other";
/** The case lifecycle (app/domain/case-lifecycle.ts); `rejected` is for hardship only. */
export type HardshipStatus = "open" | "in_progress" | "awaiting_borrower" | "resolved" | "rejected";
export type ComplaintCategory =
  "contact_frequency" | "conduct" | "amount_disputed" | "privacy" | "payment_problem" | "other";
export type ComplaintStatus = "open" | "in_progress" | "awaiting_borrower" | "resolved";
export type CaseType = "hardship" | "complaint";
export type CaseEventKind = "transition" | "note" | "pause_granted" | "borrower_reply";
/** What a borrower's answer to a case waiting for them was (migration 0170). */
export type CaseReplyVia = "sms" | "complaint" | "hardship_report";
export type TaskKind =
  | "call"
  | "visit"
  | "hardship_review"
  | "wrong_number_review"
  | "complaint"
  | "callback"
  | "plan_review"
  | "inbound_review"
  | "bereavement";
export type TaskStatus = "open" | "done" | "cancelled";
export type CallOutcome =
  | "connected"
  | "no_answer"
  | "busy"
  | "wrong_number"
  | "promise_made"
  | "refused"
  | "voicemail"
  | "right_party_contact"
  | "callback_requested";
export type PhoneOwner = "borrower" | "third_party" | "unknown";
export type VisitOutcome = "met" | "not_home" | "refused" | "moved" | "promise_made";
export type StaffRole = "agent" | "approver" | "supervisor" | "admin";
export type ActorType = "borrower" | "staff" | "system" | "api";

// ---- Column shapes ----

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** jsonb columns are CHECKed to hold an object. pg serialises objects itself (but not top-level arrays). */
type JsonColumn = ColumnType<JsonObject, object | string, object | string>;
type JsonColumnDefault = ColumnType<JsonObject, object | string | undefined, object | string>;

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type TimestampDefault = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null, Date | string | null>;
/** Integer minor units (bigint); the migration forbids negatives. */
type Money = ColumnType<number, number, number>;
type MoneyDefault = ColumnType<number, number | undefined, number>;
/** 'YYYY-MM-DD' */
type DateString = string;
/** 'HH:MM' or 'HH:MM:SS' on insert, 'HH:MM:SS' on select. */
type TimeString = string;
type UuidPk = Generated<string>;
type BigSerialPk = Generated<number>;

// ---- Tables ----

export interface BorrowersTable {
  id: UuidPk;
  external_ref: string;
  full_name: string;
  phone_e164: string;
  email: string | null;
  locale: Locale;
  time_zone: string;
  jurisdiction: Jurisdiction;
  dob_hash: string | null;
  id_last4_hash: string | null;
  created_at: TimestampDefault;
  updated_at: TimestampDefault;
  /** Set once by the erasure flow (migration 0125, app/staff/data-rights/erasure.server.ts). */
  erased_at: NullableTimestamp;
  /** The postal address the bank sends (migration 0145); null when it sent none. */
  address_line1: ColumnType<string | null, string | null | undefined, string | null>;
  address_line2: ColumnType<string | null, string | null | undefined, string | null>;
  address_city: ColumnType<string | null, string | null | undefined, string | null>;
  address_region: ColumnType<string | null, string | null | undefined, string | null>;
  address_postal_code: ColumnType<string | null, string | null | undefined, string | null>;
  /** ISO 3166-1 alpha-2. */
  address_country: ColumnType<string | null, string | null | undefined, string | null>;
  /** A visit found the borrower moved: no visit until the bank sends a different address. */
  address_stale_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  /** Whose the phone number is; a bank-supplied number is the borrower's unless marked otherwise. */
  phone_owner: Generated<PhoneOwner>;
}

export interface AccountsTable {
  id: UuidPk;
  borrower_id: string;
  external_ref: string;
  product: Product;
  last4: string;
  currency: string;
  balance_minor: MoneyDefault;
  overdue_minor: MoneyDefault;
  minimum_due_minor: MoneyDefault;
  fees_minor: MoneyDefault;
  interest_minor: MoneyDefault;
  due_date: DateString | null;
  dpd: Generated<number>;
  status: Generated<AccountStatus>;
  wrong_number_at: NullableTimestamp;
  dispute_at: NullableTimestamp;
  /**
   * When the account closed: set from balance_as_of as the status becomes `closed`, cleared if it reopens
   * (trigger, migration 0026). Retention counts from it.
   */
  closed_at: NullableTimestamp;
  balance_as_of: TimestampDefault;
  created_at: TimestampDefault;
  updated_at: TimestampDefault;
}

export interface ContactPreferencesTable {
  borrower_id: string;
  sms_allowed: Generated<boolean>;
  email_allowed: Generated<boolean>;
  phone_allowed: Generated<boolean>;
  /** Home or branch visits accepted (migration 0112). */
  visit_allowed: Generated<boolean>;
  /** Both or neither, start before end. */
  window_start: TimeString | null;
  window_end: TimeString | null;
  preferred_locale: Locale | null;
  max_per_week: number | null;
  sms_opted_out_at: NullableTimestamp;
  updated_at: TimestampDefault;
  /** When the borrower unsubscribed from email (migration 0115). */
  email_opted_out_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface ShortLinksTable {
  id: UuidPk;
  code_hash: string;
  key_id: string;
  borrower_id: string;
  account_id: string;
  message_id: string | null;
  expires_at: Timestamp;
  revoked_at: NullableTimestamp;
  revoked_reason: string | null;
  open_count: Generated<number>;
  first_opened_at: NullableTimestamp;
  last_opened_at: NullableTimestamp;
  locked_until: NullableTimestamp;
  created_at: TimestampDefault;
  /** The payment amount agreed with staff that this link's pay page preselects (migration 0035). */
  agreed_amount_minor: number | null;
}

export interface VerificationAttemptsTable {
  id: BigSerialPk;
  link_id: string;
  succeeded: boolean;
  attempted_at: TimestampDefault;
}

export interface BorrowerSessionsTable {
  /** Hash of the cookie token. */
  id: string;
  borrower_id: string;
  account_id: string;
  link_id: string;
  created_at: TimestampDefault;
  last_seen_at: TimestampDefault;
  expires_at: Timestamp;
  revoked_at: NullableTimestamp;
}

export interface MessagesTable {
  id: UuidPk;
  borrower_id: string;
  account_id: string | null;
  direction: MessageDirection;
  channel: MessageChannel;
  stage: string | null;
  template_key: string | null;
  variant: string | null;
  locale: Locale | null;
  /** Outbound texts: as sent, but with the link code masked (migration 0025). */
  body: string;
  /** A queued text's link code, sealed until the send (SMS_LINK_ENCRYPTION_KEY); null once it is sent or dropped. */
  link_code_sealed: ColumnType<Buffer | null, Buffer | null | undefined, Buffer | null>;
  to_address: string;
  from_address: string | null;
  segments: number | null;
  encoding: SmsEncoding | null;
  provider: string;
  provider_message_id: string | null;
  status: MessageStatus;
  dedupe_key: string | null;
  scheduled_for: TimestampDefault;
  sent_at: NullableTimestamp;
  created_at: TimestampDefault;
}

/** The development outbox provider's record of what it "sent": the phone, so the text with its link. */
/** Numbers that said STOP (migration 0090): a borrower given one later is opted out from the start. */
export interface SmsSuppressionsTable {
  phone_e164: string;
  opted_out_at: Timestamp;
  via: string;
}

export type EmailStatus = "sending" | "sent" | "failed" | "skipped";

/** One row per `email:send` decision and what became of it (migration 0115); no body. */
export interface EmailsTable {
  id: string;
  /** contact_decisions.id (the `email:send` payload carries it as a string). */
  decision_id: ColumnType<number, number | string, number | string>;
  borrower_id: string;
  account_id: string;
  to_address: string | null;
  stage: string | null;
  template_key: string | null;
  locale: Locale | null;
  status: EmailStatus;
  reason: string | null;
  provider: "smtp" | "mailbox" | null;
  provider_message_id: string | null;
  created_at: TimestampDefault;
  sent_at: NullableTimestamp;
}

/** The development mailbox's copy of each email sent without SMTP (migration 0115). */
export interface MailboxEmailsTable {
  email_id: string;
  to_address: string;
  subject: string;
  text_body: string;
  html_body: string;
  headers: JsonColumn;
  recorded_at: TimestampDefault;
  /** A staff email's own template and language (migration 0135); a reminder's are on its `emails` row. */
  template_key: ColumnType<string | null, string | null | undefined, string | null>;
  locale: ColumnType<Locale | null, Locale | null | undefined, Locale | null>;
}

/** Addresses that hard-bounced or complained (normalised: trimmed, lower-case), never sent to again. */
export interface EmailSuppressionsTable {
  address: string;
  reason: "hard_bounce" | "complaint";
  suppressed_at: Timestamp;
  event_id: string | null;
}

export interface OutboxTextsTable {
  message_id: string;
  body: string;
  recorded_at: TimestampDefault;
}

export interface MessageStatusEventsTable {
  id: BigSerialPk;
  message_id: string;
  status: MessageStatus;
  occurred_at: TimestampDefault;
  provider_event_id: string | null;
  detail: JsonColumnDefault;
}

export interface ContactDecisionsTable {
  id: BigSerialPk;
  run_id: string;
  account_id: string;
  decided_at: TimestampDefault;
  action: DecisionAction;
  reason: string;
  channel: ContactChannel | null;
  template_key: string | null;
  stage: string | null;
  act_at: NullableTimestamp;
  detail: JsonColumnDefault;
  /** Runs that reached this same decision in a row (the planner counts a repeat instead of storing it again). */
  repeats: Generated<number>;
  /** The latest of those runs; decided_at is the first (a trigger fills it from decided_at on insert). */
  last_decided_at: TimestampDefault;
}

export interface PaymentsTable {
  id: UuidPk;
  account_id: string;
  borrower_id: string;
  amount_minor: Money;
  currency: string;
  source: PaymentSource;
  status: Generated<PaymentStatus>;
  idempotency_key: string;
  stripe_checkout_session_id: string | null;
  stripe_payment_intent_id: string | null;
  external_ref: string | null;
  created_at: TimestampDefault;
  succeeded_at: NullableTimestamp;
  bank_confirmed_at: NullableTimestamp;
  /** Stripe's cumulative amount refunded on the charge (kept even before the payment is credited). */
  refunded_minor: MoneyDefault;
  dispute_status: DisputeStatus | null;
  disputed_minor: MoneyDefault;
  /** How much of the payment is taken back from the account now (refunds and open or lost disputes). */
  reversed_minor: MoneyDefault;
  reversed_at: NullableTimestamp;
}

/** Where a payment's money went, signed: credits positive, reversals negative (migration 0030). */
export interface PaymentAllocationsTable {
  id: BigSerialPk;
  payment_id: string;
  /** Null: credit to the account itself (no plan, or more than the plan owed). */
  instalment_id: string | null;
  amount_minor: Money;
  currency: string;
  reason: AllocationReason;
  created_at: TimestampDefault;
}

/** One day's reconciliation of card payments with Stripe's balance (migration 0060). */
export interface ReconciliationRunsTable {
  id: UuidPk;
  day: DateString;
  time_zone: string;
  status: "matched" | "mismatched";
  mismatches: number;
  report: JsonColumn;
  generated_at: TimestampDefault;
  /** Null when the daily job ran it. */
  generated_by_staff_id: string | null;
}

/** The Stripe Customer made once per borrower, for saved payment methods (migration 0100). */
export interface StripeCustomersTable {
  borrower_id: string;
  stripe_customer_id: string;
  created_at: TimestampDefault;
}

export type AutopayStatus = "pending" | "on" | "off";

/** Autopay of one plan (migration 0100): pending until the saved method is reported, on, or off. */
export interface PlanAutopayTable {
  plan_id: string;
  borrower_id: string;
  account_id: string;
  status: AutopayStatus;
  stripe_customer_id: string;
  stripe_setup_session_id: string | null;
  stripe_payment_method_id: string | null;
  setup_idempotency_key: string;
  enabled_at: NullableTimestamp;
  disabled_at: NullableTimestamp;
  detached_at: NullableTimestamp;
  created_at: TimestampDefault;
  updated_at: TimestampDefault;
}

export type AutopayChargeStatus =
  "pending" | "succeeded" | "soft_declined" | "hard_declined" | "authentication_required" | "error";

/** One off-session try at an instalment, unique per instalment and try (migration 0100). */
export interface AutopayChargesTable {
  id: UuidPk;
  plan_id: string;
  instalment_id: string;
  try: number;
  payment_id: string;
  /** The borrower's calendar day of the try (retries are a day apart). */
  local_day: DateString;
  status: AutopayChargeStatus;
  decline_code: string | null;
  attempted_at: Timestamp;
  finished_at: NullableTimestamp;
}

export interface StripeEventsTable {
  /** Stripe's event id. */
  id: string;
  type: string;
  received_at: TimestampDefault;
  processed_at: NullableTimestamp;
  payload: JsonColumn;
}

export interface InstalmentPlansTable {
  id: UuidPk;
  account_id: string;
  borrower_id: string;
  status: Generated<PlanStatus>;
  total_minor: Money;
  currency: string;
  instalment_count: number;
  frequency: Generated<PlanFrequency>;
  first_due_date: DateString;
  proposed_by: PlanProposer;
  /** Set exactly when proposed_by = 'staff'. */
  proposed_by_staff_id: string | null;
  counter_of_plan_id: string | null;
  auto_approved: Generated<boolean>;
  /** The staff member who entered a borrower's proposal for them from the console (migration 0035). */
  entered_by_staff_id: string | null;
  /** Never the same staff member as proposed_by_staff_id or entered_by_staff_id. */
  decided_by_staff_id: string | null;
  decided_at: NullableTimestamp;
  decision_reason: string | null;
  created_at: TimestampDefault;
  updated_at: TimestampDefault;
  /** When the borrower used the plan's one instalment move (migration 0061). */
  instalment_moved_at: NullableTimestamp;
}

export interface InstalmentsTable {
  id: UuidPk;
  plan_id: string;
  seq: number;
  due_date: DateString;
  amount_minor: Money;
  paid_minor: MoneyDefault;
  status: Generated<InstalmentStatus>;
  /** Set when the borrower moved this instalment: the day it was first due (migration 0061). */
  original_due_date: DateString | null;
}

export interface PromisesToPayTable {
  id: UuidPk;
  account_id: string;
  borrower_id: string;
  amount_minor: Money;
  currency: string;
  promised_date: DateString;
  status: Generated<PromiseStatus>;
  created_at: TimestampDefault;
  resolved_at: NullableTimestamp;
}

export interface HardshipReportsTable {
  id: UuidPk;
  borrower_id: string;
  account_id: string | null;
  reason: HardshipReason;
  details: Generated<string>;
  monthly_income_minor: number | null;
  monthly_expenses_minor: number | null;
  currency: string;
  wants_pause: Generated<boolean>;
  wants_lower_payments: Generated<boolean>;
  pause_until: NullableTimestamp;
  status: Generated<HardshipStatus>;
  created_at: TimestampDefault;
  resolved_at: NullableTimestamp;
  resolved_by_staff_id: string | null;
  acknowledged_at: NullableTimestamp;
  /** The final response to the borrower (free text; retention clears it). */
  response: string | null;
  responded_at: NullableTimestamp;
}

export interface ComplaintsTable {
  id: UuidPk;
  borrower_id: string;
  account_id: string | null;
  ack_number: string;
  category: ComplaintCategory;
  body: string;
  status: Generated<ComplaintStatus>;
  created_at: TimestampDefault;
  resolved_at: NullableTimestamp;
  resolved_by_staff_id: string | null;
  acknowledged_at: NullableTimestamp;
  /** The final response to the borrower (free text; retention clears it). */
  response: string | null;
  responded_at: NullableTimestamp;
  /** The account's `dispute_at` this complaint set or joined; resolving it clears that flag (migration 0170). */
  dispute_flag_at: NullableTimestamp;
}

/** A case's history: transitions, internal notes, and decisions (a further hardship pause with its reason). */
export interface CaseEventsTable {
  id: UuidPk;
  case_type: CaseType;
  case_id: string;
  borrower_id: string;
  account_id: string | null;
  /** Null only for a `borrower_reply`, which the system writes. */
  staff_user_id: string | null;
  kind: CaseEventKind;
  from_status: string | null;
  to_status: string | null;
  body: string | null;
  pause_until: NullableTimestamp;
  created_at: TimestampDefault;
  reply_via: CaseReplyVia | null;
  /** The row holding what the borrower sent (message, complaint, report); its text is never copied here. */
  reply_ref: string | null;
}

export interface TasksTable {
  id: UuidPk;
  kind: TaskKind;
  borrower_id: string;
  account_id: string | null;
  status: Generated<TaskStatus>;
  due_at: TimestampDefault;
  slot_start: NullableTimestamp;
  slot_end: NullableTimestamp;
  /** The task's one owner: claimed by them, or assigned by a supervisor. */
  assigned_to_staff_id: string | null;
  /** Since when the owner has it (null while unassigned). */
  claimed_at: NullableTimestamp;
  source_type: string | null;
  source_id: string | null;
  dedupe_key: string | null;
  outcome: string | null;
  created_at: TimestampDefault;
  resolved_at: NullableTimestamp;
  /** What the borrower wrote when booking a call back or visit (1-500 characters). */
  borrower_note: string | null;
  /** Why the schedule opened it: the decision's reason and rule (migration 0110). */
  reason: string | null;
}

export interface NotesTable {
  id: UuidPk;
  borrower_id: string;
  staff_user_id: string;
  body: string;
  created_at: TimestampDefault;
}

export interface CallAttemptsTable {
  id: UuidPk;
  borrower_id: string;
  account_id: string | null;
  staff_user_id: string | null;
  outcome: CallOutcome;
  occurred_at: TimestampDefault;
  /** Why the agent made a call the schedule's caps or window forbid (migration 0110); null otherwise. */
  override_reason: string | null;
  /** Which cap or window that was (a CallBlocker code). */
  override_blocker: string | null;
}

/** What an agent recorded after a visit (migration 0146). */
export interface VisitAttemptsTable {
  id: UuidPk;
  borrower_id: string;
  account_id: string | null;
  /** The visit task it closed, when there was one. */
  task_id: string | null;
  staff_user_id: string | null;
  outcome: VisitOutcome;
  /** The agent's own words (1-4000 characters); free text under retention and erasure. */
  notes: string | null;
  occurred_at: TimestampDefault;
}

export interface StaffUsersTable {
  id: UuidPk;
  /** Always lower case. */
  email: string;
  display_name: string;
  role: StaffRole;
  password_hash: string;
  totp_secret: string | null;
  totp_enabled_at: NullableTimestamp;
  disabled_at: NullableTimestamp;
  created_at: TimestampDefault;
}

/** A one-time set-up link for an invited staff member (only the token's SHA-256). */
export interface StaffInvitesTable {
  id: UuidPk;
  staff_user_id: string;
  token_hash: string;
  /** Null when an operator invited from the command line. */
  invited_by_staff_id: string | null;
  created_at: TimestampDefault;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
  /** The token, sealed, until the invitation email is sent (migration 0135); null otherwise. */
  token_sealed: ColumnType<Buffer | null, Buffer | null | undefined, Buffer | null>;
  /** The language of the invitation email; null when none is sent. */
  email_locale: ColumnType<Locale | null, Locale | null | undefined, Locale | null>;
  emailed_at: NullableTimestamp;
}

export interface StaffSessionsTable {
  /** Hash of the cookie token. */
  id: string;
  staff_user_id: string;
  created_at: TimestampDefault;
  last_seen_at: TimestampDefault;
  expires_at: Timestamp;
  revoked_at: NullableTimestamp;
  ip: string | null;
  user_agent: string | null;
}

export interface ApiKeysTable {
  id: UuidPk;
  name: string;
  prefix: string;
  key_hash: string;
  /** Never empty. */
  scopes: string[];
  created_by_staff_id: string | null;
  created_at: TimestampDefault;
  expires_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
  last_used_at: NullableTimestamp;
}

export interface BankEventsTable {
  /** The stable event id the bank deduplicates on. */
  id: UuidPk;
  type: string;
  account_id: string | null;
  borrower_id: string | null;
  payload: JsonColumn;
  created_at: TimestampDefault;
}

export interface WebhookDeliveriesTable {
  id: BigSerialPk;
  event_id: string;
  endpoint_url: string;
  attempt: number;
  status_code: number | null;
  ok: boolean;
  error: string | null;
  attempted_at: TimestampDefault;
  next_attempt_at: NullableTimestamp;
}

export interface ContactPoliciesTable {
  id: UuidPk;
  version: number;
  policy: JsonColumn;
  /** At most one active row. */
  active: Generated<boolean>;
  created_by_staff_id: string | null;
  created_at: TimestampDefault;
}

/** A challenger contact policy against the active one (migration 0150, product-rules §4.21). */
export interface PolicyExperimentsTable {
  id: UuidPk;
  name: string;
  challenger_policy: JsonColumn;
  share_percent: number;
  champion_version: number;
  status: ColumnType<"running" | "promoted" | "stopped", "running" | "promoted" | "stopped" | undefined>;
  started_by_staff_id: string | null;
  started_at: TimestampDefault;
  ended_by_staff_id: string | null;
  ended_at: Date | null;
  promoted_version: number | null;
  /** Migration 0151: the comparison recorded at close, and the demo history's mark. */
  result: ColumnType<JsonObject | null, object | string | null | undefined, object | string | null>;
  demo: Generated<boolean>;
}

/** The arm an account got when the planner first decided it during an experiment (migration 0150). */
export interface PolicyExperimentAssignmentsTable {
  experiment_id: string;
  account_id: string;
  arm: "champion" | "challenger";
  in_arrears: boolean;
  assigned_at: Date;
}

/** Settlement bands, versioned like contact_policies (migration 0105). */
export interface SettlementPoliciesTable {
  id: UuidPk;
  version: number;
  policy: JsonColumn;
  active: Generated<boolean>;
  created_by_staff_id: string | null;
  created_at: TimestampDefault;
}

/**
 * pending_approval -> offered | rejected (staff offers); offered -> accepted | lapsed | withdrawn;
 * accepted -> paid | lapsed | withdrawn. A band offer is inserted accepted (migration 0105).
 */
export type SettlementStatus =
  "pending_approval" | "rejected" | "offered" | "accepted" | "paid" | "lapsed" | "withdrawn";

export interface SettlementsTable {
  id: UuidPk;
  account_id: string;
  borrower_id: string;
  origin: "band" | "staff";
  status: SettlementStatus;
  currency: string;
  /** The balance the discount was taken from (net of payments not yet confirmed by the bank). */
  balance_minor: Money;
  discount_bp: number;
  agreed_minor: Money;
  /** The numbers of payments the borrower may choose from. */
  payment_counts: number[];
  /** The number chosen, set on acceptance. */
  payment_count: number | null;
  window_days: number;
  expires_at: Timestamp;
  policy_version: number | null;
  proposed_by_staff_id: string | null;
  proposal_reason: string | null;
  decided_by_staff_id: string | null;
  decided_at: NullableTimestamp;
  decision_reason: string | null;
  terms_version: string | null;
  terms_locale: Locale | null;
  /** The written terms exactly as the borrower accepted them. */
  terms_text: string | null;
  accepted_at: NullableTimestamp;
  paid_at: NullableTimestamp;
  lapsed_at: NullableTimestamp;
  withdrawn_at: NullableTimestamp;
  created_at: TimestampDefault;
  updated_at: TimestampDefault;
}

export interface SettlementPaymentsTable {
  id: UuidPk;
  settlement_id: string;
  seq: number;
  due_date: DateString;
  amount_minor: Money;
  paid_minor: MoneyDefault;
  status: Generated<InstalmentStatus>;
}

export interface SmsTemplatesTable {
  id: UuidPk;
  stage: string;
  locale: Locale;
  variant: Generated<string>;
  body: string;
  version: number;
  /** At most one active row per (stage, locale, variant). */
  active: Generated<boolean>;
  created_by_staff_id: string | null;
  created_at: TimestampDefault;
}

/** Append-only: UPDATE, DELETE and TRUNCATE raise (SQLSTATE 23001). */
export interface AuditEventsTable {
  id: BigSerialPk;
  occurred_at: TimestampDefault;
  actor_type: ActorType;
  actor_id: string | null;
  action: string;
  subject_type: string;
  subject_id: string | null;
  borrower_id: string | null;
  detail: JsonColumnDefault;
  prev_hash: string | null;
  hash: string;
}

/** Failed staff sign-in steps per (email as typed, client address): app/staff/login-throttle.server.ts. */
export interface StaffLoginThrottlesTable {
  /** HMAC-SHA256 (hex) of the lower-cased email, whether or not an account has it. */
  email_hash: string;
  client: string;
  /** Failures since the pair's last lockout or success. */
  failures: Generated<number>;
  /** Lockouts in a row; each one lasts twice as long as the one before. */
  lockouts: Generated<number>;
  locked_until: NullableTimestamp;
  updated_at: Timestamp;
}

/** One per anchored audit row: HMAC-SHA256 of its hash under AUDIT_ANCHOR_KEY (migration 0015). */
export interface AuditAnchorsTable {
  audit_id: number;
  mac: string;
  created_at: TimestampDefault;
}

export type ConsentChannel = "sms" | "email" | "call";
export type ConsentAction = "granted" | "withdrawn";
export type ConsentMethod = "portal" | "link" | "sms_keyword" | "staff" | "bank" | "system";

/** The consent ledger (migration 0125): append-only, one row per change of consent to a channel. */
export interface ConsentEventsTable {
  id: BigSerialPk;
  borrower_id: string;
  channel: ConsentChannel;
  action: ConsentAction;
  method: ConsentMethod;
  /** `namespace:key@hash` of the wording the borrower was shown (app/i18n/text-version.server.ts). */
  text_version: string | null;
  actor_type: ActorType;
  actor_id: string | null;
  detail: JsonColumnDefault;
  occurred_at: TimestampDefault;
}

export type AccountStatusKind =
  | "breathing_space"
  | "breathing_space_crisis"
  | "dispute"
  | "cease_contact"
  | "insolvency"
  | "deceased"
  | "vulnerable";
export type AccountStatusSource = "api" | "import" | "console";

/** Statuses that stop or shape contact, with their history (migration 0140, docs/product-rules.md §4.18). */
export interface AccountStatusesTable {
  id: UuidPk;
  borrower_id: string;
  /** Null: every account of the borrower. */
  account_id: string | null;
  kind: AccountStatusKind;
  reason: string;
  source: AccountStatusSource;
  /** `staff:<id>`, `api:<key id>` or `import`. */
  set_by: string;
  starts_at: Timestamp;
  /** A standard Breathing Space's own end; null until ended by someone. */
  ends_at: NullableTimestamp;
  ended_at: NullableTimestamp;
  ended_by: string | null;
  end_reason: string | null;
  /** The bank's reference for a status set through the API (idempotency key). */
  external_ref: string | null;
  created_at: TimestampDefault;
}

/** Validation notices sent for disputed accounts, with the text as sent (migration 0141). */
export interface ValidationNoticesTable {
  id: UuidPk;
  borrower_id: string;
  account_id: string;
  status_id: string | null;
  channel: "letter" | "email";
  locale: Locale;
  body: string;
  sent_by: string;
  created_at: TimestampDefault;
  /** A notice by email (migration 0165): what became of the email; null for a letter. */
  email_status: ValidationNoticeEmailStatus | null;
  /** Why it was skipped or failed (`no_email_address`, `address_suppressed`, `email_not_allowed`, …). */
  email_reason: string | null;
  email_provider: "smtp" | "mailbox" | null;
  email_provider_message_id: string | null;
  emailed_at: NullableTimestamp;
}

export type ValidationNoticeEmailStatus = "queued" | "sending" | "sent" | "failed" | "skipped";

/** Data exports staff made (migration 0125); deleted after RETENTION_EXPORTS_DAYS. */
export interface DataExportsTable {
  id: UuidPk;
  borrower_id: string;
  staff_user_id: string;
  reason: string;
  content: ColumnType<unknown, string, string>;
  created_at: TimestampDefault;
}

/** rate-limiter-flexible's Postgres store (app/platform/rate-limit.server.ts). */
export interface RateLimitsTable {
  key: string;
  points: Generated<number>;
  /** Epoch milliseconds. */
  expire: number | null;
}

/** The next free send slot per sender (migration 0155; app/engine/sender-pacing.server.ts). */
export interface SmsSenderSlotsTable {
  sender: string;
  /** Epoch microseconds. */
  next_free_us: number;
}

/** Send slots the planner used in each clock hour, UTC (migration 0155; app/engine/send-spread.server.ts). */
export interface SmsHourLoadsTable {
  hour: Date;
  slots_used: number;
}

/** Each account's first arrears reminder, kept by triggers on messages (migration 0156; docs/outcomes.md). */
export interface AccountMilestonesTable {
  account_id: string;
  first_arrears_reminder_at: Date;
}

export interface Database {
  borrowers: BorrowersTable;
  accounts: AccountsTable;
  contact_preferences: ContactPreferencesTable;
  short_links: ShortLinksTable;
  verification_attempts: VerificationAttemptsTable;
  borrower_sessions: BorrowerSessionsTable;
  messages: MessagesTable;
  outbox_texts: OutboxTextsTable;
  sms_suppressions: SmsSuppressionsTable;
  emails: EmailsTable;
  mailbox_emails: MailboxEmailsTable;
  email_suppressions: EmailSuppressionsTable;
  message_status_events: MessageStatusEventsTable;
  contact_decisions: ContactDecisionsTable;
  payments: PaymentsTable;
  stripe_events: StripeEventsTable;
  stripe_customers: StripeCustomersTable;
  plan_autopay: PlanAutopayTable;
  autopay_charges: AutopayChargesTable;
  reconciliation_runs: ReconciliationRunsTable;
  payment_allocations: PaymentAllocationsTable;
  instalment_plans: InstalmentPlansTable;
  instalments: InstalmentsTable;
  promises_to_pay: PromisesToPayTable;
  hardship_reports: HardshipReportsTable;
  complaints: ComplaintsTable;
  case_events: CaseEventsTable;
  tasks: TasksTable;
  notes: NotesTable;
  call_attempts: CallAttemptsTable;
  visit_attempts: VisitAttemptsTable;
  staff_users: StaffUsersTable;
  staff_sessions: StaffSessionsTable;
  staff_invites: StaffInvitesTable;
  api_keys: ApiKeysTable;
  bank_events: BankEventsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  contact_policies: ContactPoliciesTable;
  policy_experiments: PolicyExperimentsTable;
  policy_experiment_assignments: PolicyExperimentAssignmentsTable;
  sms_templates: SmsTemplatesTable;
  settlement_policies: SettlementPoliciesTable;
  settlements: SettlementsTable;
  settlement_payments: SettlementPaymentsTable;
  audit_events: AuditEventsTable;
  audit_anchors: AuditAnchorsTable;
  rate_limits: RateLimitsTable;
  consent_events: ConsentEventsTable;
  data_exports: DataExportsTable;
  account_statuses: AccountStatusesTable;
  validation_notices: ValidationNoticesTable;
  staff_login_throttles: StaffLoginThrottlesTable;
  sms_sender_slots: SmsSenderSlotsTable;
  sms_hour_loads: SmsHourLoadsTable;
  account_milestones: AccountMilestonesTable;
}

// ---- Row aliases for the main tables ----

export type Borrower = Selectable<BorrowersTable>;
export type NewBorrower = Insertable<BorrowersTable>;
export type BorrowerUpdate = Updateable<BorrowersTable>;
export type Account = Selectable<AccountsTable>;
export type NewAccount = Insertable<AccountsTable>;
export type AccountUpdate = Updateable<AccountsTable>;
export type ContactPreferences = Selectable<ContactPreferencesTable>;
export type NewContactPreferences = Insertable<ContactPreferencesTable>;
export type ContactPreferencesUpdate = Updateable<ContactPreferencesTable>;
export type ShortLink = Selectable<ShortLinksTable>;
export type NewShortLink = Insertable<ShortLinksTable>;
export type BorrowerSession = Selectable<BorrowerSessionsTable>;
export type Message = Selectable<MessagesTable>;
export type NewMessage = Insertable<MessagesTable>;
export type MessageUpdate = Updateable<MessagesTable>;
export type ContactDecision = Selectable<ContactDecisionsTable>;
export type NewContactDecision = Insertable<ContactDecisionsTable>;
export type Payment = Selectable<PaymentsTable>;
export type NewPayment = Insertable<PaymentsTable>;
export type PaymentUpdate = Updateable<PaymentsTable>;
export type InstalmentPlan = Selectable<InstalmentPlansTable>;
export type NewInstalmentPlan = Insertable<InstalmentPlansTable>;
export type InstalmentPlanUpdate = Updateable<InstalmentPlansTable>;
export type Instalment = Selectable<InstalmentsTable>;
export type NewInstalment = Insertable<InstalmentsTable>;
export type PromiseToPay = Selectable<PromisesToPayTable>;
export type NewPromiseToPay = Insertable<PromisesToPayTable>;
export type HardshipReport = Selectable<HardshipReportsTable>;
export type NewHardshipReport = Insertable<HardshipReportsTable>;
export type Complaint = Selectable<ComplaintsTable>;
export type NewComplaint = Insertable<ComplaintsTable>;
export type Task = Selectable<TasksTable>;
export type NewTask = Insertable<TasksTable>;
export type TaskUpdate = Updateable<TasksTable>;
export type Note = Selectable<NotesTable>;
export type CallAttempt = Selectable<CallAttemptsTable>;
export type StaffUser = Selectable<StaffUsersTable>;
export type NewStaffUser = Insertable<StaffUsersTable>;
export type StaffUserUpdate = Updateable<StaffUsersTable>;
export type StaffSession = Selectable<StaffSessionsTable>;
export type ApiKey = Selectable<ApiKeysTable>;
export type NewApiKey = Insertable<ApiKeysTable>;
export type BankEvent = Selectable<BankEventsTable>;
export type NewBankEvent = Insertable<BankEventsTable>;
export type WebhookDelivery = Selectable<WebhookDeliveriesTable>;
export type ContactPolicy = Selectable<ContactPoliciesTable>;
export type SmsTemplate = Selectable<SmsTemplatesTable>;
export type NewSmsTemplate = Insertable<SmsTemplatesTable>;
export type AuditEvent = Selectable<AuditEventsTable>;
export type NewAuditEvent = Insertable<AuditEventsTable>;
