import type { CaseType } from "../../db/schema";
import { localEpochDay, startOfLocalDay } from "./local-time";

/**
 * Cases (docs/product-rules.md §8.13): a hardship report or a complaint moves
 * open → in_progress → awaiting_borrower ⇄ in_progress → resolved, or (hardship only) → rejected.
 * Pure: the staff service (app/staff/cases.server.ts) asks `nextCaseState` before it writes, and the
 * database CHECKs that a case past `open` was acknowledged and a closed one was answered.
 */
const CASE_STATES = ["open", "in_progress", "awaiting_borrower", "resolved", "rejected"] as const;
export type CaseState = (typeof CASE_STATES)[number];
export const OPEN_CASE_STATES = ["open", "in_progress", "awaiting_borrower"] as const satisfies CaseState[];
export const CASE_ACTIONS = ["acknowledge", "await_borrower", "resume", "resolve", "reject"] as const;
export type CaseAction = (typeof CASE_ACTIONS)[number];

interface Transition {
  from: readonly CaseState[];
  to: CaseState;
  types: readonly CaseType[];
}
const BOTH: readonly CaseType[] = ["hardship", "complaint"];
const TRANSITIONS: Readonly<Record<CaseAction, Transition>> = {
  acknowledge: { from: ["open"], to: "in_progress", types: BOTH },
  await_borrower: { from: ["in_progress"], to: "awaiting_borrower", types: BOTH },
  resume: { from: ["awaiting_borrower"], to: "in_progress", types: BOTH },
  // A case is answered only after someone took it up: closing skips no acknowledgement.
  resolve: { from: ["in_progress", "awaiting_borrower"], to: "resolved", types: BOTH },
  // Declining help is a hardship decision; a complaint is always answered (resolved), even if not upheld.
  reject: { from: ["in_progress", "awaiting_borrower"], to: "rejected", types: ["hardship"] },
};

/** The state an action leads to, or null when the action is not allowed from here. */
export function nextCaseState(type: CaseType, state: CaseState, action: CaseAction): CaseState | null {
  const t = TRANSITIONS[action];
  return t.types.includes(type) && t.from.includes(state) ? t.to : null;
}

export function allowedCaseActions(type: CaseType, state: CaseState): CaseAction[] {
  return CASE_ACTIONS.filter((a) => nextCaseState(type, state, a) !== null);
}

/** Closing actions carry the final response to the borrower. */
export function closesCase(action: CaseAction): boolean {
  return action === "resolve" || action === "reject";
}

export function isOpenCase(state: CaseState): boolean {
  return (OPEN_CASE_STATES as readonly string[]).includes(state);
}

/** The states a case of this type may be in at all. */
export function caseStatesFor(type: CaseType): readonly CaseState[] {
  return type === "hardship" ? CASE_STATES : CASE_STATES.filter((s) => s !== "rejected");
}

// ---- SLA clocks ----

/** The case SLAs from the contact policy (docs/product-rules.md §8.13). */
export interface CaseSla {
  complaintAckWorkingDays: number;
  complaintResponseDays: number;
  hardshipReviewDays: number;
}

export type CaseClockName = "acknowledge" | "respond" | "review";
export interface CaseClock {
  name: CaseClockName;
  due: Date;
  /** When the clock stopped (acknowledged, answered, reviewed), or null while it runs. */
  metAt: Date | null;
  breached: boolean;
}

export interface CaseTimes {
  type: CaseType;
  createdAt: Date;
  acknowledgedAt: Date | null;
  respondedAt: Date | null;
  /** Working days are counted in this zone (the borrower's). */
  timeZone: string;
}

const DAY_MS = 86_400_000;

/** Saturday and Sunday are not working days (public holidays are not modelled). */
function isWorkingDay(epochDay: number): boolean {
  const weekday = (((epochDay + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday; 0 = Sunday
  return weekday !== 0 && weekday !== 6;
}

/** The end of the n-th working day after the local day of `from` (the day itself does not count). */
export function workingDaysAfter(from: Date, n: number, zone: string): Date {
  let day = localEpochDay(from.getTime(), zone);
  for (let counted = 0; counted < n;) if (isWorkingDay(++day)) counted++;
  return new Date(startOfLocalDay(day + 1, zone));
}

/** Each running or stopped clock of a case, and whether it was (or is now) missed. */
export function caseClocks(c: CaseTimes, sla: CaseSla, now: Date): CaseClock[] {
  const clock = (name: CaseClockName, due: Date, metAt: Date | null): CaseClock => ({
    name,
    due,
    metAt,
    breached: (metAt ?? now).getTime() > due.getTime(),
  });
  const days = (n: number) => new Date(c.createdAt.getTime() + n * DAY_MS);
  if (c.type === "hardship") return [clock("review", days(sla.hardshipReviewDays), c.acknowledgedAt)];
  return [
    clock(
      "acknowledge",
      workingDaysAfter(c.createdAt, sla.complaintAckWorkingDays, c.timeZone),
      c.acknowledgedAt,
    ),
    clock("respond", days(sla.complaintResponseDays), c.respondedAt),
  ];
}
