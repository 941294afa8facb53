import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { allocateToInstalments } from "./payment-allocation";

const plan = () => [
  { id: "i1", amountMinor: 20_000, paidMinor: 0 },
  { id: "i2", amountMinor: 20_000, paidMinor: 0 },
  { id: "i3", amountMinor: 20_000, paidMinor: 0 },
];

describe("allocateToInstalments", () => {
  it("part-pays the earliest instalment", () => {
    expect(allocateToInstalments(plan(), 5_000)).toEqual({
      changes: [{ id: "i1", addedMinor: 5_000, paidMinor: 5_000, fullyPaid: false }],
      allocatedMinor: 5_000,
      remainderMinor: 0,
      planPaidOff: false,
    });
  });

  it("tops up a part-paid instalment before moving on", () => {
    const rows = plan();
    rows[0]!.paidMinor = 15_000;
    const a = allocateToInstalments(rows, 10_000);
    expect(a.changes).toEqual([
      { id: "i1", addedMinor: 5_000, paidMinor: 20_000, fullyPaid: true },
      { id: "i2", addedMinor: 5_000, paidMinor: 5_000, fullyPaid: false },
    ]);
  });

  it("an overpayment pays the whole plan off and reports the rest", () => {
    const a = allocateToInstalments(plan(), 70_000);
    expect(a.changes.every((c) => c.fullyPaid)).toBe(true);
    expect(a.allocatedMinor).toBe(60_000);
    expect(a.remainderMinor).toBe(10_000);
    expect(a.planPaidOff).toBe(true);
  });

  it("refuses zero, negative and fractional payments", () => {
    expect(() => allocateToInstalments(plan(), 0)).toThrow(RangeError);
    expect(() => allocateToInstalments(plan(), -1)).toThrow(RangeError);
    expect(() => allocateToInstalments(plan(), 1.5)).toThrow(RangeError);
  });

  it("conserves money and never overfills an instalment (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 0, max: 100 })), {
          minLength: 1,
          maxLength: 12,
        }),
        fc.integer({ min: 1, max: 2_000_000 }),
        (shape, payment) => {
          const rows = shape.map(([amount, pct], i) => ({
            id: `i${i}`,
            amountMinor: amount,
            paidMinor: Math.floor((amount * pct) / 100),
          }));
          const a = allocateToInstalments(rows, payment);
          expect(a.allocatedMinor + a.remainderMinor).toBe(payment);
          expect(a.changes.reduce((s, c) => s + c.addedMinor, 0)).toBe(a.allocatedMinor);
          for (const c of a.changes) {
            const row = rows.find((r) => r.id === c.id)!;
            expect(c.paidMinor).toBeLessThanOrEqual(row.amountMinor);
            expect(c.paidMinor).toBe(row.paidMinor + c.addedMinor);
          }
          const owed = rows.reduce((s, r) => s + r.amountMinor - r.paidMinor, 0);
          expect(a.allocatedMinor).toBe(Math.min(owed, payment));
          expect(a.planPaidOff).toBe(payment >= owed);
        },
      ),
    );
  });
});
