import type { Kysely } from "kysely";
import type { AutopayStatus, CallOutcome, Database, VisitOutcome } from "../../db/schema";
import { formatCalendarDate } from "../domain/money";
import { consentHistory } from "../platform/consent.server";
import {
  mergeTimeline,
  PAYMENT_REVERSAL_ACTIONS,
  type PaymentReversalAction,
  type TimelineEntry,
} from "./timeline";

/** Per source; a borrower with more history than this shows the most recent part of each. */
export const MAX_PER_SOURCE = 100;

export interface TimelineFormatters {
  when: (d: Date | string) => string;
  whenOrNull: (d: Date | string | null) => string | null;
  money: (minor: number, currency: string) => string;
  last4Of: (accountId: string | null) => string | null;
  locale: string;
}

/** One borrower's history from every table that records it, newest first (the borrower page's timeline). */
export async function loadTimeline(
  db: Kysely<Database>,
  borrowerId: string,
  f: TimelineFormatters,
): Promise<TimelineEntry[]> {
  const [borrowerActivity, contact, consent, autopay] = await Promise.all([
    readBorrowerActivity(db, borrowerId),
    readContactActivity(db, borrowerId),
    consentHistory(db, borrowerId, MAX_PER_SOURCE),
    autopayStates(db, borrowerId),
  ]);
  const activity = { ...borrowerActivity, autopay };
  const statusEvents = await readStatusEvents(db, activity.messages);
  const base = (kind: string, id: string | number, at: Date, accountId: string | null) => ({
    key: `${kind}:${id}`,
    at: at.toISOString(),
    when: f.when(at),
    accountLast4: f.last4Of(accountId),
  });
  // mergeTimeline orders by instant and key alone, so the order of the sources does not matter.
  return mergeTimeline(
    messageEntries(activity.messages, statusEvents, base, f),
    ...arrangementEntries(activity, base, f),
    ...caseEntries(activity, base, f),
    ...contactEntries(contact, base, f),
    consent.map((c) => ({
      ...base("consent", c.id, c.occurred_at, null),
      kind: "consent" as const,
      channel: c.channel,
      action: c.action,
      method: c.method,
      textVersion: c.text_version,
      byStaff: c.actor_type === "staff",
    })),
  );
}

type Base = (
  kind: string,
  id: string | number,
  at: Date,
  accountId: string | null,
) => { key: string; at: string; when: string; accountLast4: string | null };

/** A borrower's accounts, for tables reached through the account (a link belongs to its account's borrower). */
const accountsOf = (db: Kysely<Database>, borrowerId: string) =>
  db.selectFrom("accounts").select("id").where("borrower_id", "=", borrowerId);

/** What the borrower was sent and did: texts, payments, plans, promises, hardship, complaints, tasks. */
async function readBorrowerActivity(db: Kysely<Database>, borrowerId: string) {
  const [messages, payments, reversals, plans, promises, hardship, complaints, tasks, staffPromises] =
    await Promise.all([
      db
        .selectFrom("messages")
        .selectAll()
        .where("borrower_id", "=", borrowerId)
        .orderBy("created_at", "desc")
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
        .selectFrom("audit_events")
        .select(["id", "occurred_at", "action", "detail"])
        .where("borrower_id", "=", borrowerId)
        .where(
          "action",
          "in",
          PAYMENT_REVERSAL_ACTIONS.map((a) => `payment.${a}`),
        )
        .orderBy("id", "desc")
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
        .selectFrom("complaints")
        .selectAll()
        .where("borrower_id", "=", borrowerId)
        .orderBy("created_at", "desc")
        .limit(MAX_PER_SOURCE)
        .execute(),
      db
        .selectFrom("tasks")
        .selectAll()
        .where("borrower_id", "=", borrowerId)
        .orderBy("created_at", "desc")
        .limit(MAX_PER_SOURCE)
        .execute(),
      // Promises staff recorded for the borrower on a call (the audit row's actor is the staff member).
      db
        .selectFrom("audit_events")
        .select("subject_id")
        .where("borrower_id", "=", borrowerId)
        .where("action", "=", "promise.made")
        .where("actor_type", "=", "staff")
        .orderBy("id", "desc")
        .limit(MAX_PER_SOURCE)
        .execute(),
    ]);
  const promisesByStaff = new Set(staffPromises.map((r) => r.subject_id));
  return { messages, payments, reversals, plans, promises, hardship, complaints, tasks, promisesByStaff };
}

const AUTOPAY_STATE_OF_ACTION: Record<string, AutopayStatus> = {
  "autopay.setup_started": "pending",
  "autopay.enabled": "on",
  "autopay.disabled": "off",
};

/**
 * Each plan's autopay state (§7.11) from its latest audit row, which every change writes: the page reads
 * nothing a release before autopay lacks (the upgrade rule, docs/architecture.md).
 */
async function autopayStates(db: Kysely<Database>, borrowerId: string): Promise<Map<string, AutopayStatus>> {
  const rows = await db
    .selectFrom("audit_events")
    .select(["subject_id", "action"])
    .where("borrower_id", "=", borrowerId)
    .where("action", "in", Object.keys(AUTOPAY_STATE_OF_ACTION))
    .orderBy("id", "desc")
    .limit(MAX_PER_SOURCE)
    .execute();
  const states = new Map<string, AutopayStatus>();
  for (const r of rows)
    if (r.subject_id && !states.has(r.subject_id))
      states.set(r.subject_id, AUTOPAY_STATE_OF_ACTION[r.action]!);
  return states;
}

/** Contact around the borrower: link opens, verification attempts, preference changes, notes, calls, visits. */
async function readContactActivity(db: Kysely<Database>, borrowerId: string) {
  const [opens, verifications, preferenceEvents, notes, calls, visits] = await Promise.all([
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
      .selectFrom("audit_events")
      .select(["id", "occurred_at", "action", "detail"])
      .where("borrower_id", "=", borrowerId)
      .where("action", "like", "preferences.%")
      .orderBy("id", "desc")
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
      .selectFrom("visit_attempts as v")
      .leftJoin("staff_users as s", "s.id", "v.staff_user_id")
      .select(["v.id", "v.outcome", "v.notes", "v.occurred_at", "v.account_id", "s.display_name"])
      .where("v.borrower_id", "=", borrowerId)
      .orderBy("v.occurred_at", "desc")
      .limit(MAX_PER_SOURCE)
      .execute(),
  ]);
  return { opens, verifications, preferenceEvents, notes, calls, visits };
}

type Activity = Awaited<ReturnType<typeof readBorrowerActivity>> & { autopay: Map<string, AutopayStatus> };
type Contact = Awaited<ReturnType<typeof readContactActivity>>;
type StatusEvents = Awaited<ReturnType<typeof readStatusEvents>>;

/** What happened to each text after it was queued, oldest first. */
function readStatusEvents(db: Kysely<Database>, messages: Activity["messages"]) {
  if (!messages.length) return Promise.resolve([]);
  return db
    .selectFrom("message_status_events")
    .select(["message_id", "status", "occurred_at"])
    .where(
      "message_id",
      "in",
      messages.map((m) => m.id),
    )
    .orderBy("occurred_at")
    .orderBy("id")
    .execute();
}

function messageEntries(
  messages: Activity["messages"],
  statusEvents: StatusEvents,
  base: Base,
  { when }: TimelineFormatters,
): TimelineEntry[] {
  return messages.map((m) => ({
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
  }));
}

/** Payments, plans, promises and hardship reports. */
function arrangementEntries(activity: Activity, base: Base, f: TimelineFormatters): TimelineEntry[][] {
  const { money, whenOrNull } = f;
  return [
    activity.payments.map((p) => ({
      ...base("payment", p.id, p.succeeded_at ?? p.created_at, p.account_id),
      kind: "payment" as const,
      amount: money(p.amount_minor, p.currency),
      status: p.status,
      source: p.source,
    })),
    activity.reversals.map((r) => reversalEntry(r, base, f)),
    activity.plans.map((p) => ({
      ...base("plan", p.id, p.decided_at ?? p.created_at, p.account_id),
      kind: "plan" as const,
      status: p.status,
      total: money(p.total_minor, p.currency),
      instalmentCount: p.instalment_count,
      frequency: p.frequency,
      proposedBy: p.proposed_by,
      byStaff: p.proposed_by === "staff" || p.entered_by_staff_id !== null,
      decisionReason: p.decision_reason,
      autopay: activity.autopay.get(p.id) ?? null,
    })),
    activity.promises.map((p) => ({
      ...base("promise", p.id, p.created_at, p.account_id),
      kind: "promise" as const,
      amount: money(p.amount_minor, p.currency),
      promisedDate: formatCalendarDate(p.promised_date, f.locale),
      status: p.status,
      byStaff: activity.promisesByStaff.has(p.id),
    })),
    activity.hardship.map((h) => ({
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
  ];
}

/** A refund or dispute from its audit row: what was taken back or given back, and on which account. */
function reversalEntry(
  r: Activity["reversals"][number],
  base: Base,
  { money }: TimelineFormatters,
): TimelineEntry {
  const detail = r.detail as { accountId?: string; changeMinor?: number; currency?: string };
  return {
    ...base("reversal", r.id, r.occurred_at, detail.accountId ?? null),
    kind: "payment_reversal",
    action: r.action.replace(/^payment\./, "") as PaymentReversalAction,
    amount: money(Math.abs(detail.changeMinor ?? 0), detail.currency ?? ""),
  };
}

/** Complaints and tasks. */
function caseEntries(
  activity: Activity,
  base: Base,
  { when, whenOrNull }: TimelineFormatters,
): TimelineEntry[][] {
  return [
    activity.complaints.map((c) => ({
      ...base("complaint", c.id, c.created_at, c.account_id),
      kind: "complaint" as const,
      ackNumber: c.ack_number,
      category: c.category,
      body: c.body,
      status: c.status,
    })),
    activity.tasks.map((t) => ({
      ...base("task", t.id, t.created_at, t.account_id),
      kind: "task" as const,
      taskKind: t.kind,
      status: t.status,
      outcome: t.outcome,
      borrowerNote: t.borrower_note,
      slot: t.slot_start ? when(t.slot_start) : null,
      resolved: whenOrNull(t.resolved_at),
    })),
  ];
}

/** Link opens, verification attempts, preference changes, notes, calls and visits. */
function contactEntries(contact: Contact, base: Base, { whenOrNull }: TimelineFormatters): TimelineEntry[][] {
  return [
    contact.opens.map((l) => ({
      ...base("link", l.id, l.first_opened_at ?? new Date(0), l.account_id),
      kind: "link_opened" as const,
      openCount: l.open_count,
      lastOpened: whenOrNull(l.last_opened_at),
    })),
    contact.verifications.map((v) => ({
      ...base("verification", v.id, v.attempted_at, v.account_id),
      kind: "verification" as const,
      succeeded: v.succeeded,
    })),
    contact.preferenceEvents.map((e) => ({
      ...base("preferences", e.id, e.occurred_at, null),
      kind: "preferences" as const,
      action: e.action,
      detail: describePreferenceChange(e.detail),
      byStaff: typeof e.detail.actedBy === "object" && e.detail.actedBy !== null,
    })),
    contact.notes.map((n) => ({
      ...base("note", n.id, n.created_at, null),
      kind: "note" as const,
      body: n.body,
      author: n.display_name,
    })),
    contact.calls.map((c) => ({
      ...base("call", c.id, c.occurred_at, c.account_id),
      kind: "call" as const,
      outcome: c.outcome as CallOutcome,
      author: c.display_name,
    })),
    // The agent's notes are shown as staff notes are: staff free text, escaped, cleared by retention.
    contact.visits.map((v) => ({
      ...base("visit", v.id, v.occurred_at, v.account_id),
      kind: "visit" as const,
      outcome: v.outcome as VisitOutcome,
      author: v.display_name,
      notes: v.notes,
    })),
  ];
}

const show = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v ?? null));

/** "smsAllowed: true → false, via: link" from a preferences.* audit detail; other shapes listed as they are. */
function describePreferenceChange(detail: Record<string, unknown>): string {
  const { changed, before, after, actedBy, ...rest } = detail;
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
  // Entered by staff for the borrower: their role, not their id.
  if (actedBy && typeof actedBy === "object") parts.push(`by: ${show((actedBy as { role?: unknown }).role)}`);
  return parts.join(", ");
}
