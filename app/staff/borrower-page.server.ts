import type { Kysely } from "kysely";
import type { AccountStatus, CallOutcome, Database, Product, TaskKind, TaskStatus } from "../../db/schema";
import { formatCalendarDate, formatMoney } from "../domain/money";
import { appendAudit } from "../platform/audit.server";
import { summariseSilence, type SilenceSummary } from "./decisions";
import { formatStaffDateTime } from "./format";
import type { StaffIdentity } from "./session.server";
import { mergeTimeline, type TimelineEntry } from "./timeline";

/** Per source; a borrower with more history than this shows the most recent part of each. */
const MAX_PER_SOURCE = 100;
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
  };
  preferences: {
    smsAllowed: boolean;
    emailAllowed: boolean;
    phoneAllowed: boolean;
    window: string | null;
    preferredLocale: string | null;
    maxPerWeek: number | null;
    smsOptedOut: string | null;
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
  const accountIds = accounts.map((a) => a.id);

  const [timeline, openTasks, decisions, lastSent] = await Promise.all([
    loadTimeline(db, borrowerId, { when, whenOrNull, money, last4Of, locale }),
    db
      .selectFrom("tasks")
      .selectAll()
      .where("borrower_id", "=", borrowerId)
      .where("status", "=", "open")
      .orderBy("due_at")
      .limit(MAX_PER_SOURCE)
      .execute(),
    accountIds.length
      ? db
          .selectFrom("contact_decisions")
          .selectAll()
          .where("account_id", "in", accountIds)
          .orderBy("last_decided_at", "desc")
          .orderBy("id", "desc")
          .limit(RECENT_DECISIONS)
          .execute()
      : Promise.resolve([]),
    db
      .selectFrom("messages")
      .select((eb) => eb.fn.max("sent_at").as("last"))
      .where("borrower_id", "=", borrowerId)
      .where("direction", "=", "outbound")
      .where("channel", "=", "sms")
      .where("sent_at", "is not", null)
      .where("status", "in", ["sent", "delivered"])
      .executeTakeFirst(),
  ]);

  const lastSentAt = lastSent?.last ? new Date(lastSent.last).toISOString() : null;
  const silence = summariseSilence(
    lastSentAt,
    decisions.map((d) => ({
      at: d.last_decided_at.toISOString(),
      action: d.action,
      reason: d.reason,
      repeats: d.repeats,
    })),
  );

  return {
    borrower: {
      id: borrower.id,
      fullName: borrower.full_name,
      phone: borrower.phone_e164,
      email: borrower.email,
      externalRef: borrower.external_ref,
      locale: borrower.locale,
      timeZone: borrower.time_zone,
      jurisdiction: borrower.jurisdiction,
    },
    preferences: preferences
      ? {
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
        }
      : null,
    accounts: accounts.map((a) => ({
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
    })),
    openTasks: openTasks.map((t) => ({
      id: t.id,
      kind: t.kind,
      status: t.status,
      due: when(t.due_at),
      slot: t.slot_start ? `${when(t.slot_start)}${t.slot_end ? ` – ${when(t.slot_end)}` : ""}` : null,
      borrowerNote: t.borrower_note,
      accountLast4: last4Of(t.account_id),
    })),
    decisions: decisions.map((d) => ({
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
    })),
    silence: {
      ...silence,
      lastSent: whenOrNull(silence.lastSentAt),
      reasons: silence.reasons.map((r) => ({ ...r, latest: when(r.latestAt) })),
    },
    timeline,
  };
}

interface Formatters {
  when: (d: Date | string) => string;
  whenOrNull: (d: Date | string | null) => string | null;
  money: (minor: number, currency: string) => string;
  last4Of: (accountId: string | null) => string | null;
  locale: string;
}

/** A borrower's accounts, for tables reached through the account (a link belongs to its account's borrower). */
const accountsOf = (db: Kysely<Database>, borrowerId: string) =>
  db.selectFrom("accounts").select("id").where("borrower_id", "=", borrowerId);

async function loadTimeline(
  db: Kysely<Database>,
  borrowerId: string,
  f: Formatters,
): Promise<TimelineEntry[]> {
  const [
    messages,
    opens,
    verifications,
    payments,
    plans,
    promises,
    hardship,
    preferenceEvents,
    complaints,
    notes,
    calls,
    tasks,
  ] = await Promise.all([
    db
      .selectFrom("messages")
      .selectAll()
      .where("borrower_id", "=", borrowerId)
      .orderBy("created_at", "desc")
      .limit(MAX_PER_SOURCE)
      .execute(),
    db
      .selectFrom("short_links")
      .select(["id", "account_id", "open_count", "first_opened_at", "last_opened_at"])
      .where("account_id", "in", accountsOf(db, borrowerId))
      .where("first_opened_at", "is not", null)
      .orderBy("first_opened_at", "desc")
      .limit(MAX_PER_SOURCE)
      .execute(),
    db
      .selectFrom("verification_attempts as v")
      .innerJoin("short_links as l", "l.id", "v.link_id")
      .select(["v.id", "v.succeeded", "v.attempted_at", "l.account_id"])
      .where("l.account_id", "in", accountsOf(db, borrowerId))
      .orderBy("v.attempted_at", "desc")
      .limit(MAX_PER_SOURCE)
      .execute(),
    db
      .selectFrom("payments")
      .selectAll()
      .where("borrower_id", "=", borrowerId)
      .orderBy("created_at", "desc")
      .limit(MAX_PER_SOURCE)
      .execute(),
    db
      .selectFrom("instalment_plans")
      .selectAll()
      .where("borrower_id", "=", borrowerId)
      .orderBy("created_at", "desc")
      .limit(MAX_PER_SOURCE)
      .execute(),
    db
      .selectFrom("promises_to_pay")
      .selectAll()
      .where("borrower_id", "=", borrowerId)
      .orderBy("created_at", "desc")
      .limit(MAX_PER_SOURCE)
      .execute(),
    db
      .selectFrom("hardship_reports")
      .selectAll()
      .where("borrower_id", "=", borrowerId)
      .orderBy("created_at", "desc")
      .limit(MAX_PER_SOURCE)
      .execute(),
    db
      .selectFrom("audit_events")
      .select(["id", "occurred_at", "action", "detail"])
      .where("borrower_id", "=", borrowerId)
      .where("action", "like", "preferences.%")
      .orderBy("id", "desc")
      .limit(MAX_PER_SOURCE)
      .execute(),
    db
      .selectFrom("complaints")
      .selectAll()
      .where("borrower_id", "=", borrowerId)
      .orderBy("created_at", "desc")
      .limit(MAX_PER_SOURCE)
      .execute(),
    db
      .selectFrom("notes as n")
      .innerJoin("staff_users as s", "s.id", "n.staff_user_id")
      .select(["n.id", "n.body", "n.created_at", "s.display_name"])
      .where("n.borrower_id", "=", borrowerId)
      .orderBy("n.created_at", "desc")
      .limit(MAX_PER_SOURCE)
      .execute(),
    db
      .selectFrom("call_attempts as c")
      .leftJoin("staff_users as s", "s.id", "c.staff_user_id")
      .select(["c.id", "c.outcome", "c.occurred_at", "c.account_id", "s.display_name"])
      .where("c.borrower_id", "=", borrowerId)
      .orderBy("c.occurred_at", "desc")
      .limit(MAX_PER_SOURCE)
      .execute(),
    db
      .selectFrom("tasks")
      .selectAll()
      .where("borrower_id", "=", borrowerId)
      .orderBy("created_at", "desc")
      .limit(MAX_PER_SOURCE)
      .execute(),
  ]);

  const statusEvents = messages.length
    ? await db
        .selectFrom("message_status_events")
        .select(["message_id", "status", "occurred_at"])
        .where(
          "message_id",
          "in",
          messages.map((m) => m.id),
        )
        .orderBy("occurred_at")
        .orderBy("id")
        .execute()
    : [];

  const { when, whenOrNull, money, last4Of } = f;
  const base = (kind: string, id: string | number, at: Date, accountId: string | null) => ({
    key: `${kind}:${id}`,
    at: at.toISOString(),
    when: when(at),
    accountLast4: last4Of(accountId),
  });

  return mergeTimeline(
    messages.map((m) => ({
      ...base("message", m.id, m.sent_at ?? m.created_at, m.account_id),
      kind: "message" as const,
      direction: m.direction,
      channel: m.channel,
      status: m.status,
      body: m.body,
      templateKey: m.template_key,
      segments: m.segments,
      encoding: m.encoding,
      // An outbound text starts as its row (queued at created_at); the events are what happened after.
      history: [
        ...(m.direction === "outbound" ? [{ status: "queued" as const, when: when(m.created_at) }] : []),
        ...statusEvents
          .filter((e) => e.message_id === m.id)
          .map((e) => ({ status: e.status, when: when(e.occurred_at) })),
      ],
    })),
    opens.map((l) => ({
      ...base("link", l.id, l.first_opened_at ?? new Date(0), l.account_id),
      kind: "link_opened" as const,
      openCount: l.open_count,
      lastOpened: whenOrNull(l.last_opened_at),
    })),
    verifications.map((v) => ({
      ...base("verification", v.id, v.attempted_at, v.account_id),
      kind: "verification" as const,
      succeeded: v.succeeded,
    })),
    payments.map((p) => ({
      ...base("payment", p.id, p.succeeded_at ?? p.created_at, p.account_id),
      kind: "payment" as const,
      amount: money(p.amount_minor, p.currency),
      status: p.status,
      source: p.source,
    })),
    plans.map((p) => ({
      ...base("plan", p.id, p.decided_at ?? p.created_at, p.account_id),
      kind: "plan" as const,
      status: p.status,
      total: money(p.total_minor, p.currency),
      instalmentCount: p.instalment_count,
      frequency: p.frequency,
      proposedBy: p.proposed_by,
      decisionReason: p.decision_reason,
    })),
    promises.map((p) => ({
      ...base("promise", p.id, p.created_at, p.account_id),
      kind: "promise" as const,
      amount: money(p.amount_minor, p.currency),
      promisedDate: formatCalendarDate(p.promised_date, f.locale),
      status: p.status,
    })),
    hardship.map((h) => ({
      ...base("hardship", h.id, h.created_at, h.account_id),
      kind: "hardship" as const,
      reason: h.reason,
      details: h.details,
      status: h.status,
      wantsPause: h.wants_pause,
      wantsLowerPayments: h.wants_lower_payments,
      income: h.monthly_income_minor === null ? null : money(h.monthly_income_minor, h.currency),
      expenses: h.monthly_expenses_minor === null ? null : money(h.monthly_expenses_minor, h.currency),
      pauseUntil: whenOrNull(h.pause_until),
    })),
    preferenceEvents.map((e) => ({
      ...base("preferences", e.id, e.occurred_at, null),
      kind: "preferences" as const,
      action: e.action,
      detail: describePreferenceChange(e.detail),
    })),
    complaints.map((c) => ({
      ...base("complaint", c.id, c.created_at, c.account_id),
      kind: "complaint" as const,
      ackNumber: c.ack_number,
      category: c.category,
      body: c.body,
      status: c.status,
    })),
    notes.map((n) => ({
      ...base("note", n.id, n.created_at, null),
      kind: "note" as const,
      body: n.body,
      author: n.display_name,
    })),
    calls.map((c) => ({
      ...base("call", c.id, c.occurred_at, c.account_id),
      kind: "call" as const,
      outcome: c.outcome as CallOutcome,
      author: c.display_name,
    })),
    tasks.map((t) => ({
      ...base("task", t.id, t.created_at, t.account_id),
      kind: "task" as const,
      taskKind: t.kind,
      status: t.status,
      outcome: t.outcome,
      borrowerNote: t.borrower_note,
      slot: t.slot_start ? when(t.slot_start) : null,
      resolved: whenOrNull(t.resolved_at),
    })),
  );
}

const show = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v ?? null));

/** "smsAllowed: true → false, via: link" from a preferences.* audit detail; other shapes listed as they are. */
function describePreferenceChange(detail: Record<string, unknown>): string {
  const { changed, before, after, ...rest } = detail;
  const parts: string[] = [];
  if (Array.isArray(changed) && before && after && typeof before === "object" && typeof after === "object") {
    for (const key of changed) {
      if (typeof key !== "string") continue;
      parts.push(
        `${key}: ${show((before as Record<string, unknown>)[key])} → ${show((after as Record<string, unknown>)[key])}`,
      );
    }
  } else {
    for (const [k, v] of Object.entries({ changed, before, after }))
      if (v !== undefined) parts.push(`${k}: ${show(v)}`);
  }
  for (const [k, v] of Object.entries(rest)) parts.push(`${k}: ${show(v)}`);
  return parts.join(", ");
}
