import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  foldReversalEvents,
  reversalTarget,
  reverseNewestFirst,
  type ReversalEvent,
} from "./payment-reversal";

const event: fc.Arbitrary<ReversalEvent> = fc.oneof(
  fc.record({
    type: fc.constant("refund" as const),
    amountRefundedMinor: fc.integer({ min: 0, max: 50_000 }),
  }),
  fc.record({
    type: fc.constant("dispute_created" as const),
    amountMinor: fc.integer({ min: 1, max: 50_000 }),
  }),
  fc.record({
    type: fc.constant("dispute_closed" as const),
    won: fc.boolean(),
    amountMinor: fc.integer({ min: 1, max: 50_000 }),
  }),
);

describe("foldReversalEvents", () => {
  it("takes the largest cumulative refund, and a closed dispute over an open one", () => {
    expect(
      foldReversalEvents([
        { type: "dispute_closed", won: false, amountMinor: 7_000 },
        { type: "refund", amountRefundedMinor: 3_000 },
        { type: "dispute_created", amountMinor: 7_000 },
        { type: "refund", amountRefundedMinor: 1_000 },
      ]),
    ).toEqual({ refundedMinor: 3_000, dispute: { status: "lost", amountMinor: 7_000 } });
  });

  it("does not depend on order or repetition (property)", () => {
    const withRedeliveries = fc.array(event, { maxLength: 8 }).chain((events) => {
      const twice = [...events, ...events];
      return fc.tuple(
        fc.constant(events),
        fc.shuffledSubarray(twice, { minLength: twice.length, maxLength: twice.length }),
      );
    });
    fc.assert(
      fc.property(withRedeliveries, ([events, delivered]) => {
        expect(foldReversalEvents(delivered)).toEqual(foldReversalEvents(events));
      }),
    );
  });
});

describe("reversalTarget", () => {
  it.each([
    [{ refundedMinor: 0, dispute: null }, 0, "succeeded"],
    [{ refundedMinor: 4_000, dispute: null }, 4_000, "partially_refunded"],
    [{ refundedMinor: 10_000, dispute: null }, 10_000, "refunded"],
    [{ refundedMinor: 99_999, dispute: null }, 10_000, "refunded"],
    [{ refundedMinor: 0, dispute: { status: "open", amountMinor: 10_000 } }, 10_000, "disputed"],
    [{ refundedMinor: 3_000, dispute: { status: "lost", amountMinor: 7_000 } }, 10_000, "charged_back"],
    [{ refundedMinor: 3_000, dispute: { status: "won", amountMinor: 7_000 } }, 3_000, "partially_refunded"],
    [{ refundedMinor: 0, dispute: { status: "won", amountMinor: 10_000 } }, 0, "succeeded"],
  ] as const)("%j on 10,000 takes back %i (%s)", (facts, reversedMinor, status) => {
    expect(reversalTarget(10_000, facts)).toEqual({ reversedMinor, status });
  });
});

describe("reverseNewestFirst", () => {
  it("takes from the last credited target first, each at most what it holds", () => {
    const holdings = [
      { instalmentId: "i1", heldMinor: 10_000 },
      { instalmentId: "i2", heldMinor: 10_000 },
      { instalmentId: null, heldMinor: 2_000 },
    ];
    expect(reverseNewestFirst(holdings, 5_000)).toEqual([
      { instalmentId: null, amountMinor: 2_000 },
      { instalmentId: "i2", amountMinor: 3_000 },
    ]);
    expect(() => reverseNewestFirst(holdings, 22_001)).toThrow(RangeError);
  });
});
