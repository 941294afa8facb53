import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { DateTime } from "luxon";
import { DEFAULT_CONTACT_POLICY, JURISDICTIONS } from "./contact-policy";
import { sendConstraintsFor } from "./send-constraints";
import {
  allowedSendHours,
  chooseSendHour,
  seededRandom,
  type HourEvidence,
  type SendHourInput,
} from "./send-time";

/**
 * The send-time sampler (docs/product-rules.md §4.13). The window checks read the send instant on the
 * borrower's clock with luxon and compare it with the legal hours written out here, not with the
 * engine's own window helpers.
 */

const ZONES = ["Asia/Hong_Kong", "Asia/Shanghai", "America/New_York", "Europe/London", "Asia/Kathmandu"];
/** The shipped policy window 09:00-20:00 is inside every jurisdiction's (docs/product-rules.md §4.6), in local minutes. */
const LEGAL: [number, number] = [9 * 60, 20 * 60];
const clock = (minute: number) =>
  `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`;

const evidenceArb: fc.Arbitrary<HourEvidence> = fc
  .array(
    fc
      .tuple(fc.integer({ min: 0, max: 23 }), fc.nat(40), fc.nat(40))
      .map(([hour, sent, acted]) => [hour, { sent, acted: Math.min(sent, acted) }] as const),
    { maxLength: 10 },
  )
  .map((pairs) => Object.fromEntries(pairs));

const preferenceArb = fc.option(
  fc
    .tuple(fc.integer({ min: 8 * 60, max: 21 * 60 - 1 }), fc.integer({ min: 1, max: 13 * 60 }))
    .map(([start, length]) => ({
      windowStart: clock(start),
      windowEnd: clock(Math.min(start + length, 21 * 60)),
    })),
  { nil: null },
);

const caseArb = fc.record({
  zone: fc.constantFrom(...ZONES),
  jurisdiction: fc.constantFrom(...JURISDICTIONS),
  preference: preferenceArb,
  now: fc.integer({ min: Date.parse("2025-01-01T00:00:00Z"), max: Date.parse("2026-12-31T00:00:00Z") }),
  borrower: evidenceArb,
  segment: evidenceArb,
  explorationShare: fc.double({ min: 0, max: 1, noNaN: true }),
  seed: fc.string(),
});

type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

function inputFor(c: Case): SendHourInput {
  const constraints = sendConstraintsFor(
    {
      borrower: { timeZone: c.zone, jurisdiction: c.jurisdiction },
      preferences: c.preference ?? {},
      history: { accountSmsSentAt: [], borrowerSmsSentAt: [] },
    },
    DEFAULT_CONTACT_POLICY,
  );
  return {
    constraints,
    now: c.now,
    borrower: c.borrower,
    segment: c.segment,
    explorationShare: c.explorationShare,
    random: seededRandom(c.seed),
  };
}

describe("chooseSendHour", () => {
  it("always picks an allowed hour, inside the legal window and the borrower's preferred one", () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const choice = chooseSendHour(inputFor(c));
        const local = DateTime.fromMillis(choice.at, { zone: c.zone });
        const minute = local.hour * 60 + local.minute;
        const [legalStart, legalEnd] = LEGAL;
        expect(minute).toBeGreaterThanOrEqual(legalStart);
        expect(minute).toBeLessThan(legalEnd);
        if (c.preference) {
          const [ps, pe] = [c.preference.windowStart, c.preference.windowEnd].map((t) => {
            const [h, m] = t.split(":").map(Number);
            return h! * 60 + m!;
          });
          // A preference that misses the legal window entirely cannot widen it (§4.4).
          if (Math.max(ps!, legalStart) < Math.min(pe!, legalEnd)) {
            expect(minute).toBeGreaterThanOrEqual(ps!);
            expect(minute).toBeLessThan(pe!);
          }
        }
        expect(local.hour).toBe(choice.hour);
        expect(choice.at).toBeGreaterThanOrEqual(c.now);
        expect(choice.at).toBeLessThan(c.now + 2 * 86_400_000);
      }),
      { numRuns: 400 },
    );
  });

  it("is deterministic for a seed", () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        expect(chooseSendHour(inputFor(c))).toEqual(chooseSendHour(inputFor(c)));
      }),
      { numRuns: 200 },
    );
  });

  it("with no evidence of the borrower's own, picks from the segment prior", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.integer({ min: 9, max: 19 }),
        fc.string(),
        (zone, best, seed) => {
          const segment: Record<number, { sent: number; acted: number }> = {};
          for (let hour = 9; hour < 20; hour++)
            segment[hour] = hour === best ? { sent: 500, acted: 400 } : { sent: 500, acted: 10 };
          const input = inputFor({
            zone,
            jurisdiction: "HK",
            preference: null,
            // 03:00 local: the whole day's window is still ahead.
            now: DateTime.fromISO("2026-03-10T03:00", { zone }).toMillis(),
            borrower: {},
            segment,
            explorationShare: 0,
            seed,
          });
          const choice = chooseSendHour(input);
          expect(choice).toMatchObject({ hour: best, why: "prior" });
          expect(choice.evidence).toEqual({ sent: 0, acted: 0, segmentSent: 500, segmentActed: 400 });
        },
      ),
      { numRuns: 100 },
    );
  });

  it("lets the borrower's own evidence overrule the segment prior", () => {
    // Borrowers like them act most at 10:00 and least at 18:00; this one acts at 18:00 and never at 10:00.
    const segment: Record<number, { sent: number; acted: number }> = {};
    for (let hour = 9; hour < 20; hour++) segment[hour] = { sent: 1_000, acted: 300 };
    segment[10] = { sent: 1_000, acted: 600 };
    segment[18] = { sent: 1_000, acted: 50 };
    const borrower = { 10: { sent: 30, acted: 0 }, 18: { sent: 60, acted: 57 } };
    const picks = Array.from({ length: 50 }, (_, i) =>
      chooseSendHour({
        ...inputFor({
          zone: "Asia/Hong_Kong",
          jurisdiction: "HK",
          preference: { windowStart: "10:00", windowEnd: "10:30" },
          now: Date.parse("2026-03-10T00:00:00Z"),
          borrower,
          segment,
          explorationShare: 0,
          seed: `s${i}`,
        }),
      }),
    );
    // The preferred window 10:00-10:30 leaves only hour 10.
    expect(new Set(picks.map((p) => p.hour))).toEqual(new Set([10]));
    const open = Array.from({ length: 50 }, (_, i) =>
      chooseSendHour(
        inputFor({
          zone: "Asia/Hong_Kong",
          jurisdiction: "HK",
          preference: null,
          now: Date.parse("2026-03-10T00:00:00Z"),
          borrower,
          segment,
          explorationShare: 0,
          seed: `s${i}`,
        }),
      ),
    );
    expect(open.every((p) => p.why === "learned")).toBe(true);
    expect(open.filter((p) => p.hour === 18).length).toBeGreaterThanOrEqual(45);
  });

  it("explores on the stated share of choices, uniformly over the allowed hours", () => {
    const runs = 4_000;
    const picks = Array.from({ length: runs }, (_, i) =>
      chooseSendHour(
        inputFor({
          zone: "Asia/Hong_Kong",
          jurisdiction: "HK",
          preference: null,
          now: Date.parse("2026-03-10T00:00:00Z"),
          borrower: { 12: { sent: 40, acted: 40 } },
          segment: {},
          explorationShare: 0.1,
          seed: `e${i}`,
        }),
      ),
    );
    const exploring = picks.filter((p) => p.why === "exploring");
    expect(exploring.length / runs).toBeGreaterThan(0.085);
    expect(exploring.length / runs).toBeLessThan(0.115);
    expect(new Set(exploring.map((p) => p.hour))).toEqual(
      new Set(allowedSendHours({ startMinute: 540, endMinute: 1200 })),
    );
  });

  it("never picks an hour already over today while one is left", () => {
    const zone = "Asia/Hong_Kong";
    const now = DateTime.fromISO("2026-03-10T15:20", { zone }).toMillis();
    for (let i = 0; i < 200; i++) {
      const choice = chooseSendHour(
        inputFor({
          zone,
          jurisdiction: "HK",
          preference: null,
          now,
          borrower: {},
          segment: {},
          explorationShare: 0.5,
          seed: `r${i}`,
        }),
      );
      expect(choice.hour).toBeGreaterThanOrEqual(15);
      expect(choice.at - now).toBeLessThan(5 * 3_600_000);
    }
  });
});

describe("allowedSendHours", () => {
  it("lists every hour that has a minute inside the window", () => {
    expect(allowedSendHours({ startMinute: 9 * 60 + 30, endMinute: 11 * 60 + 1 })).toEqual([9, 10, 11]);
    expect(allowedSendHours({ startMinute: 9 * 60, endMinute: 20 * 60 })).toHaveLength(11);
  });
});
