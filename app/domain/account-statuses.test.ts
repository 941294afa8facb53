import { describe, expect, it } from "vitest";
import fc from "fast-check";
import type { AccountStatusKind } from "../../db/schema";
import {
  ACCOUNT_STATUS_KINDS,
  breathingSpaceRefusal,
  DEBT_RESPITE_SCHEME,
  isInForce,
  NO_CONTACT_KINDS,
  standardBreathingSpaceEnd,
  statusFacts,
  type StatusRecord,
} from "./account-statuses";
import { DEFAULT_CONTACT_POLICY, type ContactPolicy } from "./contact-policy";
import { decideNextContact, type ContactInput } from "./decide-next-contact";

/**
 * Account statuses in the decision (docs/product-rules.md §4.18): over generated status histories, no
 * status that stops contact ever lets a contact through on any channel, and a vulnerable borrower is
 * never called and never sent a firm template.
 */
const DAY = 86_400_000;
const NOW = Date.parse("2026-06-10T04:00:00Z"); // 12:00 in Hong Kong
const ACCOUNT = "acc-1";

const openPolicy: ContactPolicy = structuredClone(DEFAULT_CONTACT_POLICY);
openPolicy.stages.forEach((s) => (s.channels = ["sms", "email", "call", "visit"]));

function input(dpd: number, facts: ReturnType<typeof statusFacts>, channels = true): ContactInput {
  return {
    now: new Date(NOW),
    account: {
      status: "delinquent",
      dpd,
      dueDate: new Date(NOW - dpd * DAY).toISOString().slice(0, 10),
      balanceMinor: 100_000,
      overdueMinor: 50_000,
      minimumDueMinor: 20_000,
      processingMinor: 0,
      wrongNumber: false,
      dispute: facts.dispute,
    },
    borrower: {
      timeZone: "Asia/Hong_Kong",
      jurisdiction: "HK",
      breathingSpaceUntil: facts.breathingSpaceUntil,
      breathingSpaceCrisis: facts.breathingSpaceCrisis,
    },
    statuses: facts,
    preferences: { smsAllowed: true, smsOptedOut: false },
    history: { accountSmsSentAt: [], borrowerSmsSentAt: [], lastStageSent: null },
    ...(channels
      ? {
          channels: {
            phoneAllowed: true,
            emailAllowed: true,
            hasEmail: true,
            visitAllowed: true,
            undeliveredTexts: 0,
            ignoredReminders: 0,
            smsHeldForReview: false,
            calls: [],
          },
        }
      : {}),
  };
}

const recordArb: fc.Arbitrary<StatusRecord> = fc
  .record({
    kind: fc.constantFrom(...ACCOUNT_STATUS_KINDS),
    own: fc.constantFrom(ACCOUNT, null, "acc-other"),
    startDays: fc.integer({ min: -400, max: 5 }),
    lengthDays: fc.option(fc.integer({ min: 1, max: 90 }), { nil: null }),
    endedDays: fc.option(fc.integer({ min: -400, max: 30 }), { nil: null }),
  })
  .map((r) => {
    const startsAt = new Date(NOW + r.startDays * DAY);
    const endedAt =
      r.endedDays === null ? null : new Date(Math.max(startsAt.getTime(), NOW + r.endedDays * DAY));
    return {
      kind: r.kind as AccountStatusKind,
      accountId: r.own,
      startsAt,
      endsAt:
        r.kind === "breathing_space" && r.lengthDays
          ? new Date(startsAt.getTime() + r.lengthDays * DAY)
          : null,
      endedAt,
    };
  });

describe("account statuses in the decision", () => {
  it("no generated history with a no-contact status in force ever yields a contact, on any channel", () => {
    fc.assert(
      fc.property(
        fc.array(recordArb, { maxLength: 6 }),
        fc.integer({ min: 1, max: 120 }),
        fc.boolean(),
        (history, dpd, channels) => {
          const facts = statusFacts(history, ACCOUNT, new Date(NOW));
          const stopping = history.some(
            (r) =>
              NO_CONTACT_KINDS.has(r.kind) &&
              (r.accountId === null || r.accountId === ACCOUNT) &&
              isInForce(r, new Date(NOW)),
          );
          const d = decideNextContact(input(dpd, facts, channels), openPolicy);
          if (stopping) expect(d.action).not.toBe("send");
          if (facts.vulnerable && d.action === "send") {
            expect(d.channel).not.toBe("call");
            expect(["mid", "late", "serious"]).not.toContain(d.template);
            expect(d.escalation).not.toBe("call_task");
          }
        },
      ),
      { numRuns: 800 },
    );
  });

  it("each status has its own reason, on every channel", () => {
    const at = (kind: AccountStatusKind): StatusRecord[] => [
      {
        kind,
        accountId: null,
        startsAt: new Date(NOW - DAY),
        endsAt: kind === "breathing_space" ? new Date(NOW + 59 * DAY) : null,
        endedAt: null,
      },
    ];
    const reason = (kind: AccountStatusKind) =>
      decideNextContact(input(40, statusFacts(at(kind), ACCOUNT, new Date(NOW))), openPolicy);
    expect(reason("deceased")).toMatchObject({ action: "suppress", reason: "deceased" });
    expect(reason("insolvency")).toMatchObject({ action: "suppress", reason: "insolvency" });
    expect(reason("cease_contact")).toMatchObject({ action: "suppress", reason: "cease_contact" });
    expect(reason("breathing_space_crisis")).toMatchObject({
      action: "suppress",
      reason: "breathing_space_crisis",
    });
    expect(reason("dispute")).toMatchObject({ action: "suppress", reason: "dispute" });
    expect(reason("breathing_space")).toMatchObject({ action: "defer", reason: "breathing_space" });
  });

  it("a vulnerable borrower's calls are refused with their own reason", () => {
    const facts = statusFacts(
      [{ kind: "vulnerable", accountId: null, startsAt: new Date(NOW - DAY), endsAt: null, endedAt: null }],
      ACCOUNT,
      new Date(NOW),
    );
    const callsOnly = structuredClone(DEFAULT_CONTACT_POLICY);
    callsOnly.stages.forEach((s) => (s.channels = ["call"]));
    expect(decideNextContact(input(40, facts), callsOnly)).toMatchObject({
      action: "suppress",
      reason: "vulnerable_no_calls",
    });
    // SMS only: the late stage's text goes out in the early stage's gentle wording, without a call task.
    expect(decideNextContact(input(40, facts, false), DEFAULT_CONTACT_POLICY)).toMatchObject({
      action: "send",
      stage: "late",
      template: "early",
      escalation: "none",
    });
  });
});

describe("Breathing Space terms", () => {
  const start = new Date("2026-01-15T10:00:00Z");
  const standard = (startsAt: Date, endedAt: Date | null = null): StatusRecord => ({
    kind: "breathing_space",
    accountId: null,
    startsAt,
    endsAt: standardBreathingSpaceEnd(startsAt, DEBT_RESPITE_SCHEME),
    endedAt,
  });

  it("lasts 60 days", () => {
    expect(standardBreathingSpaceEnd(start, DEBT_RESPITE_SCHEME).toISOString()).toBe(
      "2026-03-16T10:00:00.000Z",
    );
  });

  it("starts at most once in 12 months; a crisis moratorium does not count", () => {
    const history = [standard(start)];
    expect(breathingSpaceRefusal(history, new Date("2026-02-01T00:00:00Z"), DEBT_RESPITE_SCHEME)).toBe(
      "breathing_space_in_force",
    );
    expect(breathingSpaceRefusal(history, new Date("2026-06-01T00:00:00Z"), DEBT_RESPITE_SCHEME)).toBe(
      "breathing_space_within_limit",
    );
    expect(breathingSpaceRefusal(history, new Date("2027-01-16T00:00:00Z"), DEBT_RESPITE_SCHEME)).toBeNull();
    const crisis: StatusRecord = { ...standard(start), kind: "breathing_space_crisis", endsAt: null };
    expect(breathingSpaceRefusal([crisis], new Date("2026-02-01T00:00:00Z"), DEBT_RESPITE_SCHEME)).toBeNull();
  });
});
