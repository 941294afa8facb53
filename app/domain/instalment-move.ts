import { addDays, isRealIsoDate } from "./plan-terms";

/**
 * Moving one instalment of an active plan to a later day (docs/product-rules.md §7.9): once per plan, the
 * next unpaid instalment only, to a day from today, after its due date, at most the policy's number of
 * days after it, and before the instalment that follows (the order of payments never changes).
 */
export type InstalmentMoveProblem =
  | "moves_not_allowed"
  | "already_moved"
  | "nothing_to_move"
  | "date_invalid"
  | "date_in_past"
  | "date_not_later"
  | "date_too_far"
  | "date_after_next";

export interface MovableInstalment {
  seq: number;
  dueDate: string;
  status: "due" | "paid" | "missed";
}

/** The instalment a move would apply to, and the last day it may move to; null when none may move. */
export function instalmentMoveWindow(
  instalments: readonly MovableInstalment[],
  opts: { maxDays: number; alreadyMoved: boolean },
): { seq: number; dueDate: string; latest: string } | { problem: InstalmentMoveProblem } {
  if (opts.maxDays <= 0) return { problem: "moves_not_allowed" };
  if (opts.alreadyMoved) return { problem: "already_moved" };
  const ordered = [...instalments].sort((a, b) => a.seq - b.seq);
  const index = ordered.findIndex((i) => i.status === "due");
  const next = ordered[index];
  if (!next) return { problem: "nothing_to_move" };
  const following = ordered[index + 1];
  const byPolicy = addDays(next.dueDate, opts.maxDays);
  const beforeFollowing = following ? addDays(following.dueDate, -1) : byPolicy;
  return {
    seq: next.seq,
    dueDate: next.dueDate,
    latest: byPolicy < beforeFollowing ? byPolicy : beforeFollowing,
  };
}

export function checkInstalmentMove(
  instalments: readonly MovableInstalment[],
  opts: { maxDays: number; alreadyMoved: boolean; newDate: string; today: string },
): { ok: true; seq: number; from: string } | { ok: false; problem: InstalmentMoveProblem } {
  const window = instalmentMoveWindow(instalments, opts);
  if ("problem" in window) return { ok: false, problem: window.problem };
  const { newDate } = opts;
  if (!isRealIsoDate(newDate)) return { ok: false, problem: "date_invalid" };
  if (newDate < opts.today) return { ok: false, problem: "date_in_past" };
  if (newDate <= window.dueDate) return { ok: false, problem: "date_not_later" };
  if (newDate > addDays(window.dueDate, opts.maxDays)) return { ok: false, problem: "date_too_far" };
  if (newDate > window.latest) return { ok: false, problem: "date_after_next" };
  return { ok: true, seq: window.seq, from: window.dueDate };
}
