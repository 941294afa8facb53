import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { ACK_ALPHABET, ACK_PATTERN, complaintAckNumber } from "./complaint-ack";

describe("complaintAckNumber", () => {
  it("is C + the date + five Crockford base32 characters", () => {
    expect(complaintAckNumber("2026-11-23", new Uint8Array([0, 1, 10, 18, 31]))).toBe("C20261123-01AJZ");
    expect(complaintAckNumber("2026-11-23", new Uint8Array([32, 33, 255, 200, 100, 7]))).toBe(
      "C20261123-01Z84",
    );
  });

  it("has no letters that read like digits", () => {
    expect(ACK_ALPHABET).toHaveLength(32);
    expect(ACK_ALPHABET).not.toMatch(/[ILOU]/);
  });

  it("property: any random bytes give a well-formed number", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 5, maxLength: 8 }), (bytes) => {
        expect(complaintAckNumber("2030-01-31", bytes)).toMatch(ACK_PATTERN);
      }),
    );
  });

  it("refuses too little randomness or a malformed date", () => {
    expect(() => complaintAckNumber("2030-01-31", new Uint8Array(4))).toThrow(RangeError);
    expect(() => complaintAckNumber("31/01/2030", new Uint8Array(5))).toThrow(RangeError);
  });
});
