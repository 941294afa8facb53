import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { DateTime } from "luxon";
import { isConversation, CALL_OUTCOMES } from "./call-constraints";
import { DEFAULT_CONTACT_POLICY, JURISDICTIONS, type ContactPolicy } from "./contact-policy";
import { decideNextContact, type ContactDecision, type ContactInput } from "./decide-next-contact";

/**
 * Properties of the schedule across channels (docs/product-rules.md §4.15, §4.16, §4.19, §4.20) over
 * generated call logs, refusals, pauses, addresses and phone owners: no decision places a call past a cap or
 * outside the window, none contacts a paused or refused channel, a visit needs an address, and no text or
 * call goes to a number not the borrower's where the jurisdiction allows the debtor only. Caps and windows are recomputed here with luxon from the raw facts.
 */
const ZONES = ["Asia/Hong_Kong", "Asia/Shanghai", "America/New_York", "Europe/London", "Australia/Sydney"];
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
  clone((p) => {
    p.caps.callsPerDay = 6;
    p.caps.callsPer7Days = 12;
    p.stages.forEach((s) => (s.channels = ["sms", "email", "call", "visit"]));
  }),
  clone((p) => {
    p.escalation = { undeliveredTexts: 2, ignoredReminders: 3, whenRefused: "stop" };
    p.stages.forEach((s) => (s.channels = ["call", "sms", "visit"]));
  }),
  clone((p) => p.stages.forEach((s) => (s.channels = ["email", "sms", "call"]))),
  clone((p) => p.stages.forEach((s) => (s.channels = ["visit", "call"]))),
];
const rarely = fc.oneof(
  { arbitrary: fc.constant(false), weight: 4 },
  { arbitrary: fc.constant(true), weight: 1 },
);

const caseArb = fc
  .record({
    policy: fc.constantFrom(...POLICIES),
    now: fc.integer({ min: Date.parse("2025-01-01T00:00:00Z"), max: Date.parse("2026-12-31T00:00:00Z") }),
    zone: fc.constantFrom(...ZONES),
    jurisdiction: fc.constantFrom(...JURISDICTIONS),
    dpd: fc.integer({ min: -4, max: 120 }),
    status: fc.constantFrom("delinquent", "delinquent", "delinquent", "paid", "closed") as fc.Arbitrary<
      ContactInput["account"]["status"]
    >,
    wrongNumber: rarely,
    dispute: rarely,
    smsOptedOut: rarely,
    smsAllowed: rarely.map((b) => !b),
    phoneAllowed: rarely.map((b) => !b),
    emailAllowed: fc.boolean(),
    hasEmail: fc.boolean(),
    visitAllowed: rarely.map((b) => !b),
    hasAddress: rarely.map((b) => !b),
    phoneOwner: fc.constantFrom("borrower", "borrower", "borrower", "third_party", "unknown") as fc.Arbitrary<
      NonNullable<ContactInput["borrower"]["phoneOwner"]>
    >,
    held: rarely,
    undelivered: fc.integer({ min: 0, max: 4 }),
    ignored: fc.integer({ min: 0, max: 4 }),
    calls: fc.array(
      fc.record({
        minutesAgo: fc.oneof(fc.integer({ min: 1, max: 10 * 60 }), fc.integer({ min: 1, max: 8 * 24 * 60 })),
        outcome: fc.constantFrom(...CALL_OUTCOMES),
      }),
      { maxLength: 9 },
    ),
    hardshipMinutes: fc.option(fc.integer({ min: -5 * 24 * 60, max: 20 * 24 * 60 }), { freq: 5 }),
    promiseDays: fc.option(fc.integer({ min: -5, max: 10 }), { freq: 5 }),
  })
  .map((c): { input: ContactInput; policy: ContactPolicy } => ({
    policy: c.policy,
    input: {
      now: new Date(c.now),
      account: {
        status: c.status,
        dpd: c.dpd,
        dueDate: DateTime.fromMillis(c.now, { zone: c.zone }).minus({ days: c.dpd }).toISODate()!,
        balanceMinor: 100_000,
        overdueMinor: 50_000,
        minimumDueMinor: 20_000,
        processingMinor: 0,
        wrongNumber: c.wrongNumber,
        dispute: c.dispute,
      },
      borrower: { timeZone: c.zone, jurisdiction: c.jurisdiction, phoneOwner: c.phoneOwner },
      preferences: { smsAllowed: c.smsAllowed, smsOptedOut: c.smsOptedOut },
      history: { accountSmsSentAt: [], borrowerSmsSentAt: [], lastStageSent: null },
      hardship:
        c.hardshipMinutes === null ? null : { pauseUntil: new Date(c.now + c.hardshipMinutes * MINUTE) },
      promise:
        c.promiseDays === null
          ? null
          : {
              status: "active",
              promisedDate: DateTime.fromMillis(c.now, { zone: c.zone })
                .plus({ days: c.promiseDays })
                .toISODate()!,
            },
      channels: {
        phoneAllowed: c.phoneAllowed,
        emailAllowed: c.emailAllowed,
        hasEmail: c.hasEmail,
        visitAllowed: c.visitAllowed,
        hasAddress: c.hasAddress,
        undeliveredTexts: c.undelivered,
        ignoredReminders: c.ignored,
        smsHeldForReview: c.held,
        calls: c.calls.map((k) => ({ at: new Date(c.now - k.minutesAgo * MINUTE), outcome: k.outcome })),
      },
    },
  }));

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

function checkCall(input: ContactInput, policy: ContactPolicy) {
  const now = input.now.getTime();
  const zone = input.borrower.timeZone;
  const profile = policy.jurisdictions[input.borrower.jurisdiction];
  const local = DateTime.fromMillis(now, { zone });
  const m = local.hour * 60 + local.minute;
  // Inside the policy's window and the jurisdiction's.
  expect(m >= minutes(policy.contactWindow.start) && m < minutes(policy.contactWindow.end)).toBe(true);
  if (profile.contactWindow)
    expect(m >= minutes(profile.contactWindow.start) && m < minutes(profile.contactWindow.end)).toBe(true);
  const calls = input.channels!.calls.map((c) => ({ at: c.at.getTime(), talk: isConversation(c.outcome) }));
  const today = calls.filter((c) => DateTime.fromMillis(c.at, { zone }).toISODate() === local.toISODate());
  const perDay = Math.min(policy.caps.callsPerDay, profile.caps?.callsPerDay ?? Infinity);
  const per7 = Math.min(policy.caps.callsPer7Days, profile.caps?.callsPer7Days ?? Infinity);
  const connected = Math.min(
    policy.caps.connectedCallsPerDay ?? Infinity,
    profile.caps?.connectedCallsPerDay ?? Infinity,
  );
  expect(today.length + 1).toBeLessThanOrEqual(perDay);
  expect(today.filter((c) => c.talk).length + 1).toBeLessThanOrEqual(connected);
  expect(calls.filter((c) => c.at > now - 7 * DAY).length + 1).toBeLessThanOrEqual(per7);
  const cooldown = (profile.callCooldownAfterConversationDays ?? 0) * DAY;
  for (const c of calls) if (c.talk) expect(now - c.at).toBeGreaterThanOrEqual(cooldown);
}

function checkCase(
  { input, policy }: { input: ContactInput; policy: ContactPolicy },
  seen: Map<string, number>,
) {
  const d: ContactDecision = decideNextContact(input, policy);
  const key = d.action === "send" ? `send:${d.channel}` : `${d.action}:${d.reason}`;
  seen.set(key, (seen.get(key) ?? 0) + 1);
  const facts = input.channels!;
  const { account, preferences } = input;
  if (account.status !== "delinquent" || account.dispute) expect(d.action).toBe("suppress");
  if (d.action === "defer") {
    expect(d.until.getTime()).toBeGreaterThan(input.now.getTime());
    // A deferred call is never due before its caps and window allow it.
    if (d.channel === "call") {
      const again = decideNextContact({ ...input, now: d.until }, policy);
      if (again.action === "send" && again.channel === "call") checkCall({ ...input, now: d.until }, policy);
    }
  }
  if (d.action !== "send") return;
  // Pauses bind every channel.
  const pauseEnd = input.hardship?.pauseUntil?.getTime();
  if (pauseEnd !== undefined) expect(pauseEnd).toBeLessThanOrEqual(input.now.getTime());
  if (input.promise?.status === "active") {
    const end = DateTime.fromISO(input.promise.promisedDate, { zone: input.borrower.timeZone })
      .plus({ days: policy.promiseGraceDays + 1 })
      .startOf("day");
    expect(end.toMillis()).toBeLessThanOrEqual(input.now.getTime());
  }
  // Refused channels are never contacted.
  if (d.channel === "sms") {
    expect(
      preferences.smsOptedOut || !preferences.smsAllowed || account.wrongNumber || facts.smsHeldForReview,
    ).toBe(false);
  }
  if (d.channel === "call") {
    expect(facts.phoneAllowed && !account.wrongNumber).toBe(true);
    checkCall(input, policy);
  }
  if (d.channel === "email") expect(facts.emailAllowed && facts.hasEmail).toBe(true);
  if (d.channel === "visit") expect(facts.visitAllowed && facts.hasAddress).toBe(true);
  // Debtor-only (§4.20): no text and no call to a number not known to be the borrower's own.
  if (d.channel === "sms" || d.channel === "call" || d.escalation === "call_task") {
    const debtorOnly = policy.jurisdictions[input.borrower.jurisdiction].contactDebtorOnly;
    expect(debtorOnly && input.borrower.phoneOwner !== "borrower").toBe(false);
  }
  if (d.escalation === "call_task") checkCall(input, policy);
}

describe("decideNextContact across channels: properties", () => {
  it("no call past a cap or outside the window; no paused or refused channel contacted; debtor-only numbers", () => {
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(caseArb, (c) => checkCase(c, seen)),
      { numRuns: 10_000 },
    );
    for (const outcome of [
      "send:sms",
      "send:call",
      "send:email",
      "send:visit",
      "defer:call_cap_daily",
      "defer:quiet_hours",
    ])
      expect(seen.get(outcome) ?? 0, `outcome ${outcome} reached`).toBeGreaterThan(5);
  });
});
