import type { Kysely, Selectable } from "kysely";
import type { AccountStatus, Database, PhoneOwner, Product, TaskKind, TaskStatus } from "../../db/schema";
import { formatCalendarDate, formatMoney } from "../domain/money";
import { appendAudit } from "../platform/audit.server";
import { loadTimeline, MAX_PER_SOURCE, type TimelineFormatters } from "./borrower-timeline.server";
import { sendTimeLine, summariseSilence, type SendTimeLine, type SilenceSummary } from "./decisions";
import { formatStaffDateTime } from "./format";
import type { StaffIdentity } from "./session.server";
import type { TimelineEntry } from "./timeline";

const RECENT_DECISIONS = 30;

export interface BorrowerPageView {
  borrower: {
    id: string;
    fullName: string;
    phone: string;
    email: string | null;
    externalRef: string;
    locale: string;
    timeZone: string;
    jurisdiction: string;
    /** The postal address on one line (§4.19), and since when a visit found the borrower moved. */
    address: string | null;
    addressStaleSince: string | null;
    /** Whose the phone number is (§4.20). */
    phoneOwner: PhoneOwner;
  };
  preferences: {
    smsAllowed: boolean;
    emailAllowed: boolean;
    phoneAllowed: boolean;
    window: string | null;
    preferredLocale: string | null;
    maxPerWeek: number | null;
    smsOptedOut: string | null;
    visitAllowed: boolean;
  } | null;
  accounts: Array<{
    id: string;
    externalRef: string;
    product: Product;
    last4: string;
    status: AccountStatus;
    dpd: number;
    dueDate: string | null;
    balance: string;
    overdue: string;
    minimumDue: string;
    feesAndInterest: string;
    balanceAsOf: string;
    wrongNumberSince: string | null;
    disputeSince: string | null;
  }>;
  openTasks: Array<{
    id: string;
    kind: TaskKind;
    status: TaskStatus;
    due: string;
    slot: string | null;
    borrowerNote: string | null;
    accountLast4: string | null;
    /** A visit task's address (the borrower's current one); null for other tasks. */
    address: string | null;
    /** Why the schedule opened it (its decision's reason and rule). */
    reason: string | null;
  }>;
  decisions: Array<{
    key: string;
    when: string;
    repeats: number;
    firstWhen: string;
    action: string;
    reason: string;
    channel: string | null;
    actAt: string | null;
    accountLast4: string | null;
    stage: string | null;
    sendTime: SendTimeLine | null;
  }>;
  silence: Omit<SilenceSummary, "reasons"> & {
    lastSent: string | null;
    reasons: Array<SilenceSummary["reasons"][number] & { latest: string }>;
  };
  timeline: TimelineEntry[];
}

/**
 * Everything an agent needs about one borrower, and the audit record that
 * they looked (docs/product-rules.md §8.4: every view writes an audit event). Null if there is
 * no such borrower (nothing is audited then).
 */
export async function viewBorrowerPage(
  db: Kysely<Database>,
  opts: { borrowerId: string; staff: StaffIdentity; locale: string; timeZone: string; now?: Date },
): Promise<BorrowerPageView | null> {
  const { borrowerId, locale, timeZone } = opts;
  const borrower = await db
    .selectFrom("borrowers")
    .selectAll()
    .where("id", "=", borrowerId)
    .executeTakeFirst();
  if (!borrower) return null;

  await appendAudit(
    db,
    {
      actorType: "staff",
      actorId: opts.staff.id,
      action: "staff.viewed_borrower",
      subjectType: "borrower",
      subjectId: borrowerId,
      borrowerId,
      detail: { role: opts.staff.role },
    },
    opts.now,
  );

  const when = (d: Date | string) => formatStaffDateTime(d, locale, timeZone);
  const whenOrNull = (d: Date | string | null) => (d ? when(d) : null);
  const money = (minor: number, currency: string) => formatMoney({ minor, currency }, locale);

  const [preferences, accounts] = await Promise.all([
    db.selectFrom("contact_preferences").selectAll().where("borrower_id", "=", borrowerId).executeTakeFirst(),
    db
      .selectFrom("accounts")
      .selectAll()
      .where("borrower_id", "=", borrowerId)
      .orderBy("created_at")
      .execute(),
  ]);
  const last4 = new Map(accounts.map((a) => [a.id, a.last4]));
  const last4Of = (accountId: string | null) => (accountId ? (last4.get(accountId) ?? null) : null);
  const f: TimelineFormatters = { when, whenOrNull, money, last4Of, locale };

  const [timeline, openTasks, decisions, lastSent] = await Promise.all([
    loadTimeline(db, borrowerId, f),
    readOpenTasks(db, borrowerId),
    readRecentDecisions(
      db,
      accounts.map((a) => a.id),
    ),
    readLastSent(db, borrowerId),
  ]);

  return {
    borrower: borrowerView(borrower, f),
    preferences: preferences ? preferencesView(preferences, f) : null,
    accounts: accounts.map((a) => accountView(a, f)),
    openTasks: openTasks.map((t) => ({
      id: t.id,
      kind: t.kind,
      status: t.status,
      due: when(t.due_at),
      slot: t.slot_start ? `${when(t.slot_start)}${t.slot_end ? ` – ${when(t.slot_end)}` : ""}` : null,
      borrowerNote: t.borrower_note,
      accountLast4: last4Of(t.account_id),
      address: t.kind === "visit" ? addressLine(borrower) : null,
      reason: t.reason,
    })),
    decisions: decisions.map((d) => decisionView(d, f)),
    silence: silenceView(lastSent?.last ?? null, decisions, f),
    timeline,
  };
}

function readOpenTasks(db: Kysely<Database>, borrowerId: string) {
  return db
    .selectFrom("tasks")
    .selectAll()
    .where("borrower_id", "=", borrowerId)
    .where("status", "=", "open")
    .orderBy("due_at")
    .limit(MAX_PER_SOURCE)
    .execute();
}

function readRecentDecisions(db: Kysely<Database>, accountIds: string[]) {
  if (!accountIds.length) return Promise.resolve([]);
  return db
    .selectFrom("contact_decisions")
    .selectAll()
    .where("account_id", "in", accountIds)
    .orderBy("last_decided_at", "desc")
    .orderBy("id", "desc")
    .limit(RECENT_DECISIONS)
    .execute();
}

/** When the borrower was last sent a text that went out. */
function readLastSent(db: Kysely<Database>, borrowerId: string) {
  return db
    .selectFrom("messages")
    .select((eb) => eb.fn.max("sent_at").as("last"))
    .where("borrower_id", "=", borrowerId)
    .where("direction", "=", "outbound")
    .where("channel", "=", "sms")
    .where("sent_at", "is not", null)
    .where("status", "in", ["sent", "delivered"])
    .executeTakeFirst();
}

/** "Flat 12B, 8 Harbour Road, Wan Chai, Hong Kong Island, HK": the parts held, in postal order. */
function addressLine(b: Selectable<Database["borrowers"]>): string | null {
  const parts = [
    b.address_line1,
    b.address_line2,
    b.address_city,
    b.address_region,
    b.address_postal_code,
    b.address_country,
  ];
  return b.address_line1 ? parts.filter((p) => p).join(", ") : null;
}

function borrowerView(
  borrower: Selectable<Database["borrowers"]>,
  { whenOrNull }: TimelineFormatters,
): BorrowerPageView["borrower"] {
  return {
    address: addressLine(borrower),
    addressStaleSince: whenOrNull(borrower.address_stale_at),
    phoneOwner: borrower.phone_owner,
    id: borrower.id,
    fullName: borrower.full_name,
    phone: borrower.phone_e164,
    email: borrower.email,
    externalRef: borrower.external_ref,
    locale: borrower.locale,
    timeZone: borrower.time_zone,
    jurisdiction: borrower.jurisdiction,
  };
}

function preferencesView(
  preferences: Selectable<Database["contact_preferences"]>,
  { whenOrNull }: TimelineFormatters,
): NonNullable<BorrowerPageView["preferences"]> {
  return {
    smsAllowed: preferences.sms_allowed,
    emailAllowed: preferences.email_allowed,
    phoneAllowed: preferences.phone_allowed,
    window:
      preferences.window_start && preferences.window_end
        ? `${preferences.window_start.slice(0, 5)}–${preferences.window_end.slice(0, 5)}`
        : null,
    preferredLocale: preferences.preferred_locale,
    maxPerWeek: preferences.max_per_week,
    smsOptedOut: whenOrNull(preferences.sms_opted_out_at),
    visitAllowed: preferences.visit_allowed,
  };
}

function accountView(
  a: Selectable<Database["accounts"]>,
  { when, whenOrNull, money, locale }: TimelineFormatters,
): BorrowerPageView["accounts"][number] {
  return {
    id: a.id,
    externalRef: a.external_ref,
    product: a.product,
    last4: a.last4,
    status: a.status,
    dpd: a.dpd,
    dueDate: a.due_date ? formatCalendarDate(a.due_date, locale) : null,
    balance: money(a.balance_minor, a.currency),
    overdue: money(a.overdue_minor, a.currency),
    minimumDue: money(a.minimum_due_minor, a.currency),
    feesAndInterest: money(a.fees_minor + a.interest_minor, a.currency),
    balanceAsOf: when(a.balance_as_of),
    wrongNumberSince: whenOrNull(a.wrong_number_at),
    disputeSince: whenOrNull(a.dispute_at),
  };
}

type DecisionRow = Selectable<Database["contact_decisions"]>;

function decisionView(
  d: DecisionRow,
  { when, whenOrNull, last4Of }: TimelineFormatters,
): BorrowerPageView["decisions"][number] {
  return {
    key: String(d.id),
    when: when(d.last_decided_at),
    repeats: d.repeats,
    firstWhen: when(d.decided_at),
    action: d.action,
    reason: d.reason,
    channel: d.channel,
    actAt: whenOrNull(d.act_at),
    accountLast4: last4Of(d.account_id),
    stage: d.stage,
    sendTime: sendTimeLine(d.detail),
  };
}

/** Why the schedule has (or has not) been quiet since the last text that went out. */
function silenceView(
  last: Date | string | null,
  decisions: DecisionRow[],
  { when, whenOrNull }: TimelineFormatters,
): BorrowerPageView["silence"] {
  const lastSentAt = last ? new Date(last).toISOString() : null;
  const silence = summariseSilence(
    lastSentAt,
    decisions.map((d) => ({
      at: d.last_decided_at.toISOString(),
      action: d.action,
      reason: d.reason,
      channel: d.channel,
      repeats: d.repeats,
    })),
  );
  return {
    ...silence,
    lastSent: whenOrNull(silence.lastSentAt),
    reasons: silence.reasons.map((r) => ({ ...r, latest: when(r.latestAt) })),
  };
}
