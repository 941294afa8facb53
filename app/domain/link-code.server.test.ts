import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  LINK_CODE_LENGTH,
  generateLinkCode,
  hashLinkCode,
  legacyLinkCodeHash,
  verifyLinkCode,
} from "./link-code.server";

const current = { id: "2", secret: "current-secret-0123456789abcdefghijklmnop" };
const previous = { id: "1", secret: "previous-secret-0123456789abcdefghijklmno" };

describe("link codes", () => {
  it("are 16 base62 characters that verify with the key that signed them", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 8 }), (bytes) => {
        const code = generateLinkCode([current], Buffer.from(bytes));
        expect(code).toMatch(/^[0-9A-Za-z]{16}$/);
        expect(code).toHaveLength(LINK_CODE_LENGTH);
        expect(verifyLinkCode(code, [current])).toEqual({ ok: true, keyId: "2" });
      }),
      { numRuns: 2_000 },
    );
  });

  it("encode exactly as the codes already sent did (known answers, edges of the 64-bit range)", () => {
    const answers: Record<string, string> = {
      "0000000000000000": "2000000000005Lny",
      ffffffffffffffff: "2LygHa16AHYFAczH",
      "0123456789abcdef": "2063UfDVRKBzvliN",
      "8000000000000000": "2AzL8n0Y58m8MUDR",
      "00000000ffffffff": "2000004gfFC35phx",
      deadbeefcafef00d: "2J7JQxujr68TbUJu",
    };
    for (const [hex, code] of Object.entries(answers))
      expect(generateLinkCode([current], Buffer.from(hex, "hex")), hex).toBe(code);
  });

  it("carry the random bits as the base62 digits of the 64-bit number", () => {
    const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (value) => {
        const bytes = Buffer.alloc(8);
        bytes.writeBigUInt64BE(value);
        const digits = generateLinkCode([current], bytes).slice(1, 12);
        const decoded = [...digits].reduce((n, ch) => n * 62n + BigInt(alphabet.indexOf(ch)), 0n);
        expect(decoded).toBe(value);
      }),
      { numRuns: 2_000 },
    );
  });

  it("rejects any single-character change (forgery or typo) before storage is consulted", () => {
    const code = generateLinkCode([current]);
    const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 15 }), fc.constantFrom(...alphabet), (index, ch) => {
        fc.pre(code[index] !== ch);
        const forged = code.slice(0, index) + ch + code.slice(index + 1);
        // A changed MAC or random part fails the signature: the 4-char MAC leaves a 1 in 62^4 chance per try.
        const result = verifyLinkCode(forged, [current]);
        if (result.ok) expect(forged).toBe("this should essentially never happen");
      }),
      { numRuns: 3_000 },
    );
  });

  it("keeps old codes valid after rotation while new codes use the new key", () => {
    const old = generateLinkCode([previous]);
    const rotated = [current, previous];
    expect(verifyLinkCode(old, rotated)).toEqual({ ok: true, keyId: "1" });
    expect(generateLinkCode(rotated)[0]).toBe("2");
    // Once the old key is retired, its codes stop verifying.
    expect(verifyLinkCode(old, [current])).toEqual({ ok: false, reason: "unknown_key" });
  });

  it("rejects malformed input outright", () => {
    for (const bad of ["", "short", "x".repeat(17), "2abc$efgh1jklmno", "2abcdefgh1jklmn\n"]) {
      expect(verifyLinkCode(bad, [current])).toEqual({ ok: false, reason: "malformed" });
    }
  });

  it("refuses a code signed with a different secret under the same key id", () => {
    const impostor = generateLinkCode([{ id: "2", secret: "attacker-guess-0123456789abcdefghijklmnop" }]);
    expect(verifyLinkCode(impostor, [current])).toEqual({ ok: false, reason: "bad_signature" });
  });

  it("stores a keyed hash, never the code, that only the hash key reproduces", () => {
    const code = generateLinkCode([current]);
    const key = "h".repeat(32);
    expect(hashLinkCode(code, key)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashLinkCode(code, key)).not.toContain(code);
    expect(hashLinkCode(code, key)).toBe(hashLinkCode(code, key));
    expect(hashLinkCode(code, "i".repeat(32))).not.toBe(hashLinkCode(code, key));
    expect(hashLinkCode(code, key)).not.toBe(legacyLinkCodeHash(code));
  });
});
