import type {
  AutopayStatus,
  CallOutcome,
  ConsentAction,
  ConsentChannel,
  ConsentMethod,
  ComplaintCategory,
  ComplaintStatus,
  HardshipReason,
  HardshipStatus,
  MessageStatus,
  PaymentSource,
  PaymentStatus,
  PlanStatus,
  PromiseStatus,
  TaskKind,
  TaskStatus,
  VisitOutcome,
} from "../../db/schema";

/** A refund or dispute as the audit log recorded it (app/payments/reversals.server.ts). */
export const PAYMENT_REVERSAL_ACTIONS = ["refunded", "disputed", "dispute_won", "charged_back"] as const;
export type PaymentReversalAction = (typeof PAYMENT_REVERSAL_ACTIONS)[number];

/**
 * One borrower's history as a single list (docs/product-rules.md §8.4). Entries are
 * built by app/staff/borrower-timeline.server.ts from many tables; this module only
 * merges and orders them, so the ordering rule is tested without a database.
 * `at` is an ISO instant (for ordering); `when`, other times and amounts are
 * already formatted (reader's language, console time zone, formatMoney).
 */
interface Base {
  /** Unique across the whole timeline, e.g. "note:<uuid>". */
  key: string;
  at: string;
  when: string;
  accountLast4: string | null;
}

export type TimelineEntry = Base &
  (
    | {
        kind: "message";
        direction: "outbound" | "inbound";
        channel: string;
        status: MessageStatus;
        body: string;
        templateKey: string | null;
        segments: number | null;
        encoding: string | null;
        history: Array<{ status: MessageStatus; when: string }>;
      }
    | { kind: "link_opened"; openCount: number; lastOpened: string | null }
    | { kind: "verification"; succeeded: boolean }
    | { kind: "payment"; amount: string; status: PaymentStatus; source: PaymentSource }
    | { kind: "payment_reversal"; action: PaymentReversalAction; amount: string }
    | {
        kind: "plan";
        status: PlanStatus;
        total: string;
        instalmentCount: number;
        frequency: string;
        proposedBy: string;
        /** Entered or countered by staff (not the borrower on the portal). */
        byStaff: boolean;
        decisionReason: string | null;
        /** Autopay of the plan (§7.11); null when never turned on. */
        autopay?: AutopayStatus | null;
      }
    | { kind: "promise"; amount: string; promisedDate: string; status: PromiseStatus; byStaff: boolean }
    | {
        kind: "hardship";
        reason: HardshipReason;
        details: string;
        status: HardshipStatus;
        wantsPause: boolean;
        wantsLowerPayments: boolean;
        income: string | null;
        expenses: string | null;
        pauseUntil: string | null;
      }
    | { kind: "preferences"; action: string; detail: string; byStaff: boolean }
    | {
        kind: "consent";
        channel: ConsentChannel;
        action: ConsentAction;
        method: ConsentMethod;
        textVersion: string | null;
        byStaff: boolean;
      }
    | {
        kind: "complaint";
        ackNumber: string;
        category: ComplaintCategory;
        body: string;
        status: ComplaintStatus;
      }
    | { kind: "note"; body: string; author: string }
    | { kind: "call"; outcome: CallOutcome; author: string | null }
    /** A visit's recorded outcome (§4.19); notes are the agent's words, null once retention cleared them. */
    | { kind: "visit"; outcome: VisitOutcome; author: string | null; notes: string | null }
    | {
        kind: "task";
        taskKind: TaskKind;
        status: TaskStatus;
        outcome: string | null;
        borrowerNote: string | null;
        slot: string | null;
        resolved: string | null;
      }
  );

/** Newest first; equal instants keep a fixed order (by key) so the page does not shuffle on reload. */
export function mergeTimeline(...sources: ReadonlyArray<readonly TimelineEntry[]>): TimelineEntry[] {
  return sources
    .flat()
    .map((entry) => ({ entry, t: Date.parse(entry.at) }))
    .sort((a, b) => b.t - a.t || (a.entry.key < b.entry.key ? -1 : a.entry.key > b.entry.key ? 1 : 0))
    .map(({ entry }) => entry);
}

/**
 * The timeline's filters (docs/product-rules.md §8.4): the query string of the borrower page holds only these
 * words (`?show=texts&show=calls`), never personal data. Each entry belongs to exactly one.
 */
export const TIMELINE_FILTERS = ["texts", "calls", "visits", "portal", "payments", "staff"] as const;
export type TimelineFilter = (typeof TIMELINE_FILTERS)[number];

const CALL_TASKS: ReadonlySet<string> = new Set(["call", "callback"]);

export function filterOf(entry: TimelineEntry): TimelineFilter {
  switch (entry.kind) {
    case "message":
      return "texts";
    case "call":
      return "calls";
    case "visit":
      return "visits";
    case "task":
      return CALL_TASKS.has(entry.taskKind) ? "calls" : entry.taskKind === "visit" ? "visits" : "staff";
    case "payment":
    case "payment_reversal":
      return "payments";
    case "note":
      return "staff";
    case "plan":
    case "promise":
    case "preferences":
    case "consent":
      return entry.byStaff ? "staff" : "portal";
    case "link_opened":
    case "verification":
    case "hardship":
    case "complaint":
      return "portal";
  }
}

/** The filters a query string asks for; unknown words are dropped. None means every entry. */
export function parseTimelineFilters(values: readonly string[]): TimelineFilter[] {
  return TIMELINE_FILTERS.filter((f) => values.includes(f));
}

export function filterTimeline(
  entries: readonly TimelineEntry[],
  shown: readonly TimelineFilter[],
): { entries: TimelineEntry[]; counts: Record<TimelineFilter, number> } {
  const counts = Object.fromEntries(TIMELINE_FILTERS.map((f) => [f, 0])) as Record<TimelineFilter, number>;
  for (const entry of entries) counts[filterOf(entry)] += 1;
  const picked = shown.length ? entries.filter((e) => shown.includes(filterOf(e))) : [...entries];
  return { entries: picked, counts };
}

/**
 * What the borrower wrote in their own words on this entry (a complaint, hardship details, a note when
 * booking, a text they sent), highlighted on the page; null when the entry carries none.
 */
export function borrowerWords(entry: TimelineEntry): string | null {
  switch (entry.kind) {
    case "complaint":
      return entry.body || null;
    case "hardship":
      return entry.details || null;
    case "task":
      return entry.borrowerNote || null;
    case "message":
      return entry.direction === "inbound" ? entry.body || null : null;
    default:
      return null;
  }
}
