import type {
  CallOutcome,
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
        decisionReason: string | null;
      }
    | { kind: "promise"; amount: string; promisedDate: string; status: PromiseStatus }
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
    | { kind: "preferences"; action: string; detail: string }
    | {
        kind: "complaint";
        ackNumber: string;
        category: ComplaintCategory;
        body: string;
        status: ComplaintStatus;
      }
    | { kind: "note"; body: string; author: string }
    | { kind: "call"; outcome: CallOutcome; author: string | null }
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
