import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { DateTime } from "luxon";
import {
  appointmentSlots,
  type AppointmentSlot,
  findSlot,
  formatSlotForSms,
  formatSlotTimes,
  slotsByDay,
} from "./appointment-slots";
import { WORST_CASE_VARS } from "./sms-templates";

const ZONES = [
  "Asia/Hong_Kong",
  "Asia/Shanghai",
  "Europe/London",
  "America/New_York",
  "Australia/Sydney",
  "Asia/Kathmandu",
];

describe("appointmentSlots", () => {
  it("from a Friday evening in Hong Kong, starts Monday 09:00 local and skips both weekends", () => {
    const slots = appointmentSlots(new Date("2026-11-27T12:00:00Z"), "Asia/Hong_Kong"); // Fri 20:00 HKT
    expect(slots).toHaveLength(90);
    expect(slots[0]).toEqual({
      start: "2026-11-30T01:00:00.000Z",
      end: "2026-11-30T02:00:00.000Z",
      localDate: "2026-11-30",
    });
    expect(slots[8]!.start).toBe("2026-11-30T09:00:00.000Z"); // 17:00 HKT, the last hour
    const days = slotsByDay(slots).map((d) => d.localDate);
    expect(days).toEqual([
      "2026-11-30",
      "2026-12-01",
      "2026-12-02",
      "2026-12-03",
      "2026-12-04",
      "2026-12-07",
      "2026-12-08",
      "2026-12-09",
      "2026-12-10",
      "2026-12-11",
    ]);
  });

  it("never offers today, even early in the morning", () => {
    const slots = appointmentSlots(new Date("2026-11-24T00:30:00Z"), "Asia/Hong_Kong"); // Tue 08:30 HKT
    expect(slots[0]!.localDate).toBe("2026-11-25");
  });

  it("keeps 09:00 on the local clock across a DST change", () => {
    // London springs forward on Sunday 29 March 2026: Friday is GMT, Monday is BST.
    const slots = appointmentSlots(new Date("2026-03-26T12:00:00Z"), "Europe/London");
    expect(slots.find((s) => s.localDate === "2026-03-27")!.start).toBe("2026-03-27T09:00:00.000Z");
    expect(slots.find((s) => s.localDate === "2026-03-30")!.start).toBe("2026-03-30T08:00:00.000Z");
  });

  it("property: 10 working days x 9 hourly slots, 09:00-18:00 local, Monday to Friday, all in the future, in order", () => {
    // Plain checks returning a boolean: 90 slots x 300 runs through expect() took tens of seconds.
    const slotIsFine = (slot: AppointmentSlot, zone: string, after: number) => {
      const start = DateTime.fromISO(slot.start, { zone });
      return (
        start.weekday <= 5 &&
        start.hour >= 9 &&
        start.hour <= 17 &&
        start.minute === 0 &&
        Date.parse(slot.end) - start.toMillis() === 3_600_000 &&
        start.toISODate() === slot.localDate &&
        start.toMillis() > after
      );
    };
    fc.assert(
      fc.property(
        fc.date({ min: new Date("2024-01-01"), max: new Date("2032-12-31"), noInvalidDate: true }),
        fc.constantFrom(...ZONES),
        (now, zone) => {
          const slots = appointmentSlots(now, zone);
          if (slots.length !== 90 || slotsByDay(slots).length !== 10) return false;
          return slots.every((slot, i) =>
            slotIsFine(slot, zone, i === 0 ? now.getTime() : Date.parse(slots[i - 1]!.start)),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it("findSlot only knows slots it offered", () => {
    const slots = appointmentSlots(new Date("2026-11-24T00:00:00Z"), "Asia/Hong_Kong");
    expect(findSlot(slots, slots[3]!.start)).toBe(slots[3]);
    expect(findSlot(slots, "2026-11-29T01:00:00.000Z")).toBeUndefined(); // a Sunday
    expect(findSlot(slots, "2026-11-25T01:00:00Z")).toBeUndefined(); // same instant, different spelling
  });
});

describe("slot wording", () => {
  const slot = { start: "2025-12-31T06:00:00.000Z", end: "2025-12-31T07:00:00.000Z" }; // 14:00 HKT

  it("reads as the SMS templates expect, in each language", () => {
    expect(formatSlotForSms(slot, "Asia/Hong_Kong", "zh-HK")).toBe("12月31日 14:00-15:00");
    expect(formatSlotForSms(slot, "Asia/Hong_Kong", "zh-CN")).toBe("12月31日 14:00-15:00");
    expect(formatSlotForSms(slot, "Asia/Hong_Kong", "en")).toBe("Wed 31 Dec, 2pm-3pm");
    expect(
      formatSlotTimes(
        { start: "2025-12-31T01:00:00.000Z", end: "2025-12-31T02:00:00.000Z" },
        "Asia/Hong_Kong",
        "en",
      ),
    ).toBe("9am-10am");
    expect(
      formatSlotTimes(
        { start: "2025-12-31T03:00:00.000Z", end: "2025-12-31T04:00:00.000Z" },
        "Asia/Hong_Kong",
        "en",
      ),
    ).toBe("11am-12pm");
    expect(
      formatSlotTimes(
        { start: "2025-12-31T03:00:00.000Z", end: "2025-12-31T04:00:00.000Z" },
        "Asia/Kathmandu",
        "en",
      ),
    ).toBe("8:45am-9:45am");
  });

  it("property: never longer than the worst case the SMS templates are proven to fit", () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date("2024-01-01"), max: new Date("2032-12-31"), noInvalidDate: true }),
        fc.constantFrom(...ZONES),
        (now, zone) => {
          for (const s of appointmentSlots(now, zone, 2)) {
            for (const locale of ["zh-HK", "zh-CN", "en"] as const) {
              expect([...formatSlotForSms(s, zone, locale)].length).toBeLessThanOrEqual(
                [...WORST_CASE_VARS[locale].slot].length,
              );
            }
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
