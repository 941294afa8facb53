import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { countSegments } from "./sms-segments";

describe("countSegments", () => {
  it("fits 160 plain ASCII characters in one GSM-7 part", () => {
    expect(countSegments("a".repeat(160))).toEqual({
      encoding: "GSM-7",
      segments: 1,
      characters: 160,
      unitsPerSegment: 160,
    });
  });

  it("splits 161 ASCII characters into two parts of 153", () => {
    expect(countSegments("a".repeat(161))).toEqual({
      encoding: "GSM-7",
      segments: 2,
      characters: 161,
      unitsPerSegment: 153,
    });
    expect(countSegments("a".repeat(306)).segments).toBe(2);
    expect(countSegments("a".repeat(307)).segments).toBe(3);
  });

  it("switches the whole message to UCS-2 for a single Chinese character", () => {
    const text = "a".repeat(69) + "陳";
    expect(countSegments(text)).toEqual({
      encoding: "UCS-2",
      segments: 1,
      characters: 70,
      unitsPerSegment: 70,
    });
    expect(countSegments(text + "a")).toMatchObject({ encoding: "UCS-2", segments: 2, unitsPerSegment: 67 });
    expect(countSegments("還".repeat(134)).segments).toBe(2);
    expect(countSegments("還".repeat(135)).segments).toBe(3);
  });

  it("counts GSM-7 extension characters twice", () => {
    expect(countSegments("€[]")).toMatchObject({ encoding: "GSM-7", characters: 6 });
    expect(countSegments("€".repeat(80))).toMatchObject({ segments: 1, characters: 160 });
    expect(countSegments("€".repeat(81))).toMatchObject({ segments: 2, characters: 162 });
    // £ and é are in the basic table and cost one unit; ç is not in GSM-7 at all.
    expect(countSegments("£é")).toMatchObject({ encoding: "GSM-7", characters: 2 });
    expect(countSegments("ç").encoding).toBe("UCS-2");
  });

  it("counts an emoji as two UCS-2 units", () => {
    expect(countSegments("Thanks 🙏")).toEqual({
      encoding: "UCS-2",
      segments: 1,
      characters: 9,
      unitsPerSegment: 70,
    });
    expect(countSegments("🙏".repeat(35)).segments).toBe(1);
    expect(countSegments("🙏".repeat(36)).segments).toBe(2);
  });

  it("treats the empty message as one (empty) part", () => {
    expect(countSegments("")).toEqual({
      encoding: "GSM-7",
      segments: 1,
      characters: 0,
      unitsPerSegment: 160,
    });
  });

  it("never needs fewer parts for longer ASCII text", () => {
    const ascii = fc.string({
      unit: fc.constantFrom(..."abcXYZ0189 .,:?!-/'\"@$%&()+=<>#*;_"),
      maxLength: 700,
    });
    fc.assert(
      fc.property(ascii, ascii, (text, more) => {
        const shorter = countSegments(text);
        const longer = countSegments(text + more);
        expect(shorter.encoding).toBe("GSM-7");
        expect(longer.segments).toBeGreaterThanOrEqual(shorter.segments);
        expect(longer.segments).toBe(longer.characters <= 160 ? 1 : Math.ceil(longer.characters / 153));
      }),
      { numRuns: 500 },
    );
  });
});
