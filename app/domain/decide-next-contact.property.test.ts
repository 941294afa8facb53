import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { DateTime } from "luxon";
import {
  DEFAULT_CONTACT_POLICY,
  JURISDICTIONS,
  STAGE_IDS,
  stageForDpd,
  type ContactPolicy,
  type StageId,
} from "./contact-policy";
import {
  amountAsked,
  decideNextContact,
  type ContactDecision,
  type ContactInput,
  type PlanStatus,
} from "./decide-next-contact";

/**
 * Properties of the schedule over random accounts, preferences, histories,
 * zones and times. The checks recompute windows and caps from the raw facts
 * with luxon rather than calling the engine's own helpers.
 */

const ZONES = [
  "Asia/Hong_Kong",
  "Asia/Shanghai",
  "America/New_York",
  "America/Los_Angeles",
  "Europe/London",
  "Europe/Berlin",
  "Australia/Sydney",
  "Pacific/Auckland",
  "Pacific/Chatham", // +12:45 / +13:45
  "Asia/Kathmandu", // +05:45
  "America/Sao_Paulo",
];
// Instants at which one of the zones above changes its offset; times near them are over-sampled.
const DST_CHANGES = [
  "2025-03-09T07:00:00Z",
  "2025-11-02T06:00:00Z",
  "2025-03-30T01:00:00Z",
  "2025-10-26T01:00:00Z",
  "2025-04-05T16:00:00Z",
  "2025-10-04T16:00:00Z",
  "2025-04-05T14:00:00Z",
  "2025-09-27T14:00:00Z",
].map((iso) => Date.parse(iso));
const PLAN_STATUSES: PlanStatus[] = [
  "proposed",
  "approved",
  "rejected",
  "countered",
  "declined",
  "active",
  "completed",
  "broken",
  "cancelled",
];
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const clone = (edit: (p: ContactPolicy) => void) => {
  const p = structuredClone(DEFAULT_CONTACT_POLICY);
  edit(p);
  return p;
};
const POLICIES: ContactPolicy[] = [
  DEFAULT_CONTACT_POLICY,
  DEFAULT_CONTACT_POLICY,
  clone((p) => {
    p.contactWindow = { start: "06:30", end: "23:00" };
    p.caps.minHoursBetweenReminders = 0;
    p.caps.smsPerAccountPerDay = 2;
  }),
  clone((p) => {
    p.caps.smsPerBorrowerPer7Days = 2;
    p.caps.minHoursBetweenReminders = 20;
    p.jurisdictions.HK.contactWindow = { start: "10:00", end: "18:00" };
  }),
];

const rarely = fc.oneof(
  { arbitrary: fc.constant(false), weight: 15 },
  { arbitrary: fc.constant(true), weight: 1 },
);
/** null most of the time: fc.option's default makes the value itself the common case. */
const sometimes = <T>(arb: fc.Arbitrary<T>, weight = 3) =>
  fc.oneof({ arbitrary: fc.constant(null), weight }, { arbitrary: arb, weight: 1 });
const clockText = (minute: number) =>
  `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`;
const localDate = (ms: number, zone: string, plusDays: number) =>
  DateTime.fromMillis(ms, { zone }).plus({ days: plusDays }).toISODate()!;

const nowArb = fc.oneof(
  fc.integer({ min: Date.parse("2024-01-01T00:00:00Z"), max: Date.parse("2026-12-31T00:00:00Z") }),
  fc
    .tuple(fc.constantFrom(...DST_CHANGES), fc.integer({ min: -48 * 60, max: 48 * 60 }))
    .map(([t, m]) => t + m * MINUTE),
);
const pastOffsets = fc.oneof(
  fc.constant<number[]>([]),
  fc.array(fc.integer({ min: 1, max: 10 * 24 * 60 }), { minLength: 1, maxLength: 4 }),
);
const signedOffset = fc.integer({ min: -5 * 24 * 60, max: 40 * 24 * 60 });

const caseArb = fc
  .record({
    policy: fc.constantFrom(...POLICIES),
    now: nowArb,
    zone: fc.constantFrom(...ZONES),
    jurisdiction: fc.constantFrom(...JURISDICTIONS),
    status: fc.constantFrom(
      "current",
      "current",
      "current",
      "delinquent",
      "delinquent",
      "delinquent",
      "delinquent",
      "delinquent",
      "delinquent",
      "paid",
      "closed",
    ) as fc.Arbitrary<ContactInput["account"]["status"]>,
    dpd: fc.integer({ min: -5, max: 150 }),
    dueOffsetDays: fc.integer({ min: -10, max: 12 }),
    balanceMinor: fc.oneof(
      { arbitrary: fc.constant(0), weight: 1 },
      { arbitrary: fc.integer({ min: 1, max: 10_000_000 }), weight: 9 },
    ),
    // What is still owed after recorded payments (0: paid since the bank's figures), and payments under way.
    owedMinor: fc.oneof(
      { arbitrary: fc.constant(0), weight: 1 },
      { arbitrary: fc.integer({ min: 1, max: 10_000_000 }), weight: 9 },
    ),
    processingMinor: fc.oneof(
      { arbitrary: fc.constant(0), weight: 8 },
      { arbitrary: fc.integer({ min: 1, max: 10_000_000 }), weight: 2 },
    ),
    wrongNumber: rarely,
    dispute: rarely,
    smsAllowed: rarely.map((b) => !b),
    smsOptedOut: rarely,
    window: sometimes(
      fc
        .tuple(fc.integer({ min: 0, max: 1439 }), fc.integer({ min: 0, max: 1439 }))
        .filter(([a, b]) => a !== b),
    ),
    maxPerWeek: sometimes(fc.integer({ min: 1, max: 5 })),
    accountOffsets: pastOffsets,
    otherOffsets: pastOffsets,
    listAccountInBorrower: fc.boolean(),
    lastStage: sometimes(
      fc.record({
        sameStage: fc.boolean(),
        stage: fc.constantFrom(...STAGE_IDS),
        minutesAgo: fc.integer({ min: 1, max: 12 * 24 * 60 }),
      }),
      1,
    ),
    promise: sometimes(
      fc.record({
        dayOffset: fc.integer({ min: -6, max: 10 }),
        status: fc.constantFrom("active", "active", "kept", "broken", "cancelled") as fc.Arbitrary<
          "active" | "kept" | "broken" | "cancelled"
        >,
      }),
    ),
    plan: sometimes(
      fc.record({
        status: fc.constantFrom(...PLAN_STATUSES),
        dueOffset: fc.option(fc.integer({ min: -3, max: 20 })),
        inGoodStanding: fc.boolean(),
      }),
    ),
    hardship: sometimes(fc.record({ pauseOffset: fc.option(signedOffset) }), 6),
    breathing: sometimes(signedOffset, 8),
  })
  .map((c) => {
    const ago = (m: number) => new Date(c.now - m * MINUTE);
    const accountSent = c.accountOffsets.map(ago);
    // Half the time the last reminder was for today's stage, so the cadence rule is exercised.
    const lastStage = (l: { sameStage: boolean; stage: StageId }) =>
      (l.sameStage && stageForDpd(c.policy, c.status === "current" ? c.dueOffsetDays : c.dpd)?.id) || l.stage;
    const input: ContactInput = {
      now: new Date(c.now),
      account: {
        status: c.status,
        dpd: c.dpd,
        dueDate: localDate(c.now, c.zone, -c.dueOffsetDays),
        balanceMinor: c.balanceMinor,
        overdueMinor: c.status === "current" ? 0 : c.owedMinor,
        minimumDueMinor: c.owedMinor,
        processingMinor: c.processingMinor,
        wrongNumber: c.wrongNumber,
        dispute: c.dispute,
      },
      borrower: {
        timeZone: c.zone,
        jurisdiction: c.jurisdiction,
        breathingSpaceUntil: c.breathing === null ? null : new Date(c.now + c.breathing * MINUTE),
      },
      preferences: {
        smsAllowed: c.smsAllowed,
        smsOptedOut: c.smsOptedOut,
        windowStart: c.window ? clockText(Math.min(...c.window)) : null,
        windowEnd: c.window ? clockText(Math.max(...c.window)) : null,
        maxPerWeek: c.maxPerWeek,
      },
      history: {
        accountSmsSentAt: accountSent,
        borrowerSmsSentAt: [...(c.listAccountInBorrower ? accountSent : []), ...c.otherOffsets.map(ago)],
        lastStageSent: c.lastStage
          ? { stage: lastStage(c.lastStage), at: ago(c.lastStage.minutesAgo) }
          : null,
      },
      promise: c.promise
        ? { promisedDate: localDate(c.now, c.zone, c.promise.dayOffset), status: c.promise.status }
        : null,
      plan: c.plan
        ? {
            status: c.plan.status,
            nextInstalmentDueDate:
              c.plan.dueOffset === null ? null : localDate(c.now, c.zone, c.plan.dueOffset),
            inGoodStanding: c.plan.inGoodStanding,
          }
        : null,
      hardship: c.hardship && {
        pauseUntil:
          c.hardship.pauseOffset === null ? null : new Date(c.now + c.hardship.pauseOffset * MINUTE),
      },
    };
    return { input, policy: c.policy };
  });

type Window = [number, number];
const meet = (a: Window, b: Window): Window | null =>
  Math.max(a[0], b[0]) < Math.min(a[1], b[1]) ? [Math.max(a[0], b[0]), Math.min(a[1], b[1])] : null;
const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Policy window, narrowed by the profile (the profile wins if they miss), then by the borrower if that leaves anything. */
function allowedWindow(input: ContactInput, policy: ContactPolicy): { window: Window; legal: Window } {
  const own: Window = [minutes(policy.contactWindow.start), minutes(policy.contactWindow.end)];
  const profile = policy.jurisdictions[input.borrower.jurisdiction].contactWindow;
  const legal: Window = profile ? [minutes(profile.start), minutes(profile.end)] : own;
  const base = meet(own, legal) ?? legal;
  const { windowStart, windowEnd } = input.preferences;
  const preferred = windowStart && windowEnd ? meet(base, [minutes(windowStart), minutes(windowEnd)]) : null;
  return { window: preferred ?? base, legal };
}

function checkSend(
  input: ContactInput,
  policy: ContactPolicy,
  d: Extract<ContactDecision, { action: "send" }>,
) {
  const now = input.now.getTime();
  const zone = input.borrower.timeZone;
  expect(d.at.getTime()).toBe(now);
  expect(input.preferences.smsOptedOut || !input.preferences.smsAllowed).toBe(false);

  // Never in quiet hours, never outside the jurisdiction's window.
  const local = DateTime.fromMillis(now, { zone });
  const m = local.hour * 60 + local.minute;
  const { window, legal } = allowedWindow(input, policy);
  expect(
    m >= window[0] && m < window[1] && m >= legal[0] && m < legal[1],
    `local ${local.toISO()} outside ${window}`,
  ).toBe(true);

  // Adding this send keeps every cap.
  const profileCaps = policy.jurisdictions[input.borrower.jurisdiction].caps ?? {};
  const perDay = Math.min(policy.caps.smsPerAccountPerDay, profileCaps.smsPerAccountPerDay ?? Infinity);
  const perWeek = Math.min(
    policy.caps.smsPerBorrowerPer7Days,
    profileCaps.smsPerBorrowerPer7Days ?? Infinity,
    input.preferences.maxPerWeek ?? Infinity,
  );
  const gap =
    Math.max(policy.caps.minHoursBetweenReminders, profileCaps.minHoursBetweenReminders ?? 0) * HOUR;
  const today = local.toISODate();
  const sameDay = input.history.accountSmsSentAt.filter(
    (e) => DateTime.fromJSDate(e, { zone }).toISODate() === today,
  ).length;
  expect(sameDay + 1).toBeLessThanOrEqual(perDay);
  const borrower = [
    ...new Set(
      [...input.history.accountSmsSentAt, ...input.history.borrowerSmsSentAt].map((e) => e.getTime()),
    ),
  ];
  expect(borrower.filter((e) => e > now - 7 * DAY).length + 1).toBeLessThanOrEqual(perWeek);
  for (const e of borrower) expect(now - e).toBeGreaterThanOrEqual(gap);

  // Pauses are honoured until their end.
  const hardshipEnd = input.hardship?.pauseUntil?.getTime();
  if (hardshipEnd !== undefined) expect(hardshipEnd).toBeLessThanOrEqual(now);
  const breathingEnd = input.borrower.breathingSpaceUntil?.getTime();
  if (breathingEnd !== undefined) expect(breathingEnd).toBeLessThanOrEqual(now);
  if (input.promise?.status === "active") {
    const end = DateTime.fromISO(input.promise.promisedDate, { zone })
      .plus({ days: policy.promiseGraceDays + 1 })
      .startOf("day");
    expect(end.toMillis()).toBeLessThanOrEqual(now);
  }
  const plan = input.plan;
  expect(plan?.status === "proposed" || plan?.status === "countered").toBe(false);
  const inForce = !!plan && (plan.status === "active" || plan.status === "approved") && plan.inGoodStanding;
  expect(d.template === "instalment_due").toBe(inForce);
}

function checkDefer(
  input: ContactInput,
  policy: ContactPolicy,
  d: Extract<ContactDecision, { action: "defer" }>,
) {
  expect(d.until.getTime()).toBeGreaterThan(input.now.getTime());
  // Re-deciding at `until` with the same facts is never bounced by quiet hours or a cap.
  const again = decideNextContact({ ...input, now: d.until }, policy);
  if (again.action === "defer")
    expect(["quiet_hours", "cap_account_daily", "cap_borrower_weekly", "cap_min_gap"]).not.toContain(
      again.reason,
    );
  if (again.action === "send") checkSend({ ...input, now: d.until }, policy, again);
}

/** The same case with nothing that silences the borrower, so the window and cap rules carry the weight. */
const reachableCaseArb = caseArb.map(({ input, policy }) => ({
  policy,
  input: {
    ...input,
    account: {
      ...input.account,
      status: input.account.status === "current" ? "current" : "delinquent",
      balanceMinor: 1 + input.account.balanceMinor,
      overdueMinor: input.account.status === "current" ? 0 : 1 + input.account.overdueMinor,
      minimumDueMinor: 1 + input.account.minimumDueMinor,
      processingMinor: 0,
      wrongNumber: false,
      dispute: false,
    },
    borrower: { ...input.borrower, breathingSpaceUntil: null },
    preferences: { ...input.preferences, smsAllowed: true, smsOptedOut: false },
    promise: null,
    plan: null,
    hardship: null,
  } satisfies ContactInput,
}));

function checkCase(
  { input, policy }: { input: ContactInput; policy: ContactPolicy },
  seen: Map<string, number>,
) {
  const d = decideNextContact(input, policy);
  const outcome = d.action === "send" ? "send" : d.reason;
  seen.set(outcome, (seen.get(outcome) ?? 0) + 1);
  const { account } = input;
  if (
    account.status === "closed" ||
    account.status === "paid" ||
    account.balanceMinor <= 0 ||
    account.wrongNumber ||
    account.dispute
  ) {
    expect(d.action).toBe("suppress");
  }
  if (input.preferences.smsOptedOut || !input.preferences.smsAllowed) expect(d.action).toBe("suppress");
  if (d.action === "send") checkSend(input, policy, d);
  if (d.action === "defer") checkDefer(input, policy, d);
  // A stage reminder is only sent for an amount still owed and not covered by a payment under way.
  if (d.action === "send" && d.template !== "instalment_due") {
    expect(amountAsked(account)).toBeGreaterThan(Math.max(0, account.processingMinor));
  }
}

/** The generators must reach every branch, or a passing property proves little. */
function expectReached(seen: Map<string, number>, outcomes: string[]) {
  for (const outcome of outcomes)
    expect(seen.get(outcome) ?? 0, `outcome ${outcome} reached`).toBeGreaterThan(20);
}

describe("decideNextContact properties", () => {
  it("never texts a flagged, opted-out or paused borrower, in quiet hours or over a cap; deferrals land on permitted times", () => {
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(caseArb, (c) => checkCase(c, seen)),
      { numRuns: 10_000 },
    );
    expectReached(seen, [
      "send",
      "account_closed",
      "account_paid",
      "wrong_number",
      "dispute",
      "sms_opted_out",
      "sms_not_allowed",
      "hardship_pause",
      "breathing_space",
      "plan_under_review",
      "plan_active",
      "promise_pending",
      "overdue_paid",
      "payment_processing",
      "not_yet_due",
      "cadence_not_due",
      "quiet_hours",
      "cap_account_daily",
      "cap_borrower_weekly",
      "cap_min_gap",
    ]);
  }, 60_000);

  it("for reachable borrowers, every send respects the window and every cap", () => {
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(reachableCaseArb, (c) => checkCase(c, seen)),
      { numRuns: 4_000 },
    );
    expectReached(seen, [
      "send",
      "quiet_hours",
      "cap_account_daily",
      "cap_borrower_weekly",
      "cap_min_gap",
      "cadence_not_due",
    ]);
    expect(seen.get("send")).toBeGreaterThan(400);
  }, 60_000);
});
