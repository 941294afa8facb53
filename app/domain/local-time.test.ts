import fc from "fast-check";
import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import {
  localClockMinute,
  localEpochDay,
  nextWindowOpening,
  startOfLocalDay,
  zoneOffsetMinutes,
} from "./local-time";

// The fast path (offset cached per zone and UTC hour) must give exactly luxon's answer, DST days included.
const ZONES = [
  "Asia/Hong_Kong",
  "Asia/Shanghai",
  "Europe/London",
  "America/New_York",
  "Australia/Lord_Howe", // 30-minute DST shift
  "Asia/Kathmandu", // +05:45
  "America/St_Johns", // -03:30 with DST
  "Pacific/Apia", // skipped a whole day in 2011
  "UTC",
];
const DAY_MS = 86_400_000;

function luxonMinute(t: number, zone: string) {
  const d = DateTime.fromMillis(t, { zone });
  return d.hour * 60 + d.minute;
}
function luxonDay(t: number, zone: string) {
  const d = DateTime.fromMillis(t, { zone });
  return Date.UTC(d.year, d.month - 1, d.day) / DAY_MS;
}

describe("local time fast path", () => {
  it("matches luxon at random instants in every zone", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2040, 0, 1) }),
        (zone, t) => {
          expect(localClockMinute(t, zone)).toBe(luxonMinute(t, zone));
          expect(localEpochDay(t, zone)).toBe(luxonDay(t, zone));
          expect(zoneOffsetMinutes(t, zone)).toBe(DateTime.fromMillis(t, { zone }).offset);
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it("matches luxon minute by minute across DST transitions (cached hours and transition hours alike)", () => {
    const cases: Array<[string, string]> = [
      ["Europe/London", "2025-03-30T00:00:00Z"],
      ["Europe/London", "2025-10-26T00:00:00Z"],
      ["America/New_York", "2025-03-09T06:00:00Z"],
      ["America/New_York", "2025-11-02T05:00:00Z"],
      ["Australia/Lord_Howe", "2025-04-05T14:00:00Z"],
      ["Australia/Lord_Howe", "2025-10-04T15:00:00Z"],
      ["America/St_Johns", "2025-03-09T04:00:00Z"],
    ];
    for (const [zone, from] of cases) {
      const start = Date.parse(from);
      for (let t = start; t < start + 4 * 3_600_000; t += 60_000 - 1) {
        expect([zone, t, localClockMinute(t, zone)]).toEqual([zone, t, luxonMinute(t, zone)]);
        expect([zone, t, localEpochDay(t, zone)]).toEqual([zone, t, luxonDay(t, zone)]);
      }
    }
  });

  it("startOfLocalDay and nextWindowOpening give the same answer when memoised", () => {
    const zone = "America/Sao_Paulo"; // midnight DST gap in 2018
    const day = Date.UTC(2018, 10, 4) / DAY_MS;
    const first = startOfLocalDay(day, zone);
    expect(first).toBe(DateTime.fromISO("2018-11-04", { zone }).startOf("day").toMillis());
    expect(startOfLocalDay(day, zone)).toBe(first);
    const window = { startMinute: 9 * 60, endMinute: 20 * 60 };
    const t = Date.parse("2025-06-01T22:30:00Z");
    const opening = nextWindowOpening(t, "Asia/Hong_Kong", window);
    expect(opening).toBe(Date.parse("2025-06-02T01:00:00Z"));
    expect(nextWindowOpening(t, "Asia/Hong_Kong", window)).toBe(opening);
  });

  it("an unknown zone yields NaN like luxon's invalid DateTime", () => {
    expect(localClockMinute(0, "Not/AZone")).toBeNaN();
    expect(localEpochDay(0, "Not/AZone")).toBeNaN();
  });
});
