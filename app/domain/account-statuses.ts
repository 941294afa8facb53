import type { AccountStatusKind } from "../../db/schema";

/**
 * Account statuses that stop or shape contact (docs/product-rules.md §4.18), pure: which statuses are in
 * force at `now`, what they tell the schedule, and whether a new standard Breathing Space may start.
 * The service (app/borrower/account-statuses.server.ts), the planner and the portal all ask here.
 */
export const ACCOUNT_STATUS_KINDS = [
  "breathing_space",
  "breathing_space_crisis",
  "dispute",
  "cease_contact",
  "insolvency",
  "deceased",
  "vulnerable",
] as const satisfies readonly AccountStatusKind[];

/** Statuses that stop every contact about the debt (vulnerability only shapes it). */
export const NO_CONTACT_KINDS: ReadonlySet<AccountStatusKind> = new Set([
  "breathing_space",
  "breathing_space_crisis",
  "dispute",
  "cease_contact",
  "insolvency",
  "deceased",
]);

/** Statuses a borrower can hold only for one account; the others may also cover all their accounts. */
export const ACCOUNT_ONLY_KINDS: ReadonlySet<AccountStatusKind> = new Set(["dispute"]);

export interface StatusRecord {
  kind: AccountStatusKind;
  /** Null: every account of the borrower. */
  accountId: string | null;
  startsAt: Date;
  /** A standard Breathing Space ends by itself; the others run until someone ends them. */
  endsAt: Date | null;
  endedAt: Date | null;
}

/** What the schedule reads from the statuses in force on one account. */
export interface StatusFacts {
  breathingSpaceUntil: Date | null;
  breathingSpaceCrisis: boolean;
  dispute: boolean;
  ceaseContact: boolean;
  insolvency: boolean;
  deceased: boolean;
  vulnerable: boolean;
}

export const NO_STATUS: StatusFacts = {
  breathingSpaceUntil: null,
  breathingSpaceCrisis: false,
  dispute: false,
  ceaseContact: false,
  insolvency: false,
  deceased: false,
  vulnerable: false,
};

export function isInForce(record: StatusRecord, now: Date): boolean {
  const t = now.getTime();
  return (
    record.startsAt.getTime() <= t &&
    (record.endedAt === null || record.endedAt.getTime() > t) &&
    (record.endsAt === null || record.endsAt.getTime() > t)
  );
}

/** The statuses in force on `accountId` at `now`: its own, and the borrower's that cover every account. */
export function statusFacts(records: readonly StatusRecord[], accountId: string, now: Date): StatusFacts {
  const facts: StatusFacts = { ...NO_STATUS };
  for (const r of records) {
    if (r.accountId !== null && r.accountId !== accountId) continue;
    if (!isInForce(r, now)) continue;
    switch (r.kind) {
      case "breathing_space":
        // Without an end of its own it runs until someone ends it, as a crisis moratorium does.
        if (r.endsAt === null) facts.breathingSpaceCrisis = true;
        else if (!facts.breathingSpaceUntil || r.endsAt > facts.breathingSpaceUntil)
          facts.breathingSpaceUntil = r.endsAt;
        break;
      case "breathing_space_crisis":
        facts.breathingSpaceCrisis = true;
        break;
      case "dispute":
        facts.dispute = true;
        break;
      case "cease_contact":
        facts.ceaseContact = true;
        break;
      case "insolvency":
        facts.insolvency = true;
        break;
      case "deceased":
        facts.deceased = true;
        break;
      case "vulnerable":
        facts.vulnerable = true;
        break;
    }
  }
  return facts;
}

/** The Debt Respite Scheme's terms: a standard moratorium's length, and how often one may start. */
export interface BreathingSpaceTerms {
  moratoriumDays: number;
  maxPerMonths: number;
}
export const DEBT_RESPITE_SCHEME: BreathingSpaceTerms = { moratoriumDays: 60, maxPerMonths: 12 };

export function standardBreathingSpaceEnd(startsAt: Date, terms: BreathingSpaceTerms): Date {
  return new Date(startsAt.getTime() + terms.moratoriumDays * 86_400_000);
}

/**
 * Why a new standard Breathing Space starting at `startsAt` is refused, or null: one is already in force,
 * or one started within the last `maxPerMonths` months (reg. 7: at most once in 12 months). A
 * mental-health crisis moratorium has no such limit.
 */
export function breathingSpaceRefusal(
  records: readonly StatusRecord[],
  startsAt: Date,
  terms: BreathingSpaceTerms,
): "breathing_space_in_force" | "breathing_space_within_limit" | null {
  const standard = records.filter((r) => r.kind === "breathing_space");
  if (standard.some((r) => isInForce(r, startsAt))) return "breathing_space_in_force";
  const limit = monthsBefore(startsAt, terms.maxPerMonths);
  if (standard.some((r) => r.startsAt.getTime() > limit.getTime())) return "breathing_space_within_limit";
  return null;
}

function monthsBefore(at: Date, months: number): Date {
  const d = new Date(at.getTime());
  d.setUTCMonth(d.getUTCMonth() - months);
  return d;
}
