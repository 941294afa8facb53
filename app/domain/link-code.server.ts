import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Short-link codes (docs/product-rules.md §3.1): 16 base62 characters =
 *   1 key id + 11 random (64 bits) + 4 truncated HMAC-SHA256.
 * The HMAC lets a forged or mistyped code be rejected before any database
 * read; only a hash of the code is stored, so a database leak yields no links.
 * Key rotation: the first key signs, every listed key still verifies.
 */
export const LINK_CODE_LENGTH = 16;
const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const RANDOM_CHARS = 11;
const MAC_CHARS = 4;
const CODE_PATTERN = /^[0-9A-Za-z]{16}$/;

export interface SigningKey {
  /** One base62 character. */
  id: string;
  secret: string;
}

export function generateLinkCode(keys: readonly SigningKey[], random: Buffer = randomBytes(8)): string {
  const key = keys[0];
  if (!key) throw new Error("no link signing key configured");
  if (key.id.length !== 1) throw new Error("link signing key ids must be one base62 character");
  if (random.length !== 8) throw new Error("a link code needs exactly 64 random bits");
  const body = key.id + toBase62(random.readUInt32BE(0), random.readUInt32BE(4), RANDOM_CHARS);
  return body + mac(key.secret, body);
}

export type LinkCodeCheck =
  { ok: true; keyId: string } | { ok: false; reason: "malformed" | "unknown_key" | "bad_signature" };

/** Pure and constant-time in the MAC comparison; touches no storage. */
export function verifyLinkCode(code: string, keys: readonly SigningKey[]): LinkCodeCheck {
  if (!CODE_PATTERN.test(code)) return { ok: false, reason: "malformed" };
  const keyId = code[0]!;
  const key = keys.find((k) => k.id === keyId);
  if (!key) return { ok: false, reason: "unknown_key" };
  const body = code.slice(0, 1 + RANDOM_CHARS);
  const expected = Buffer.from(mac(key.secret, body));
  const given = Buffer.from(code.slice(1 + RANDOM_CHARS));
  if (!timingSafeEqual(expected, given)) return { ok: false, reason: "bad_signature" };
  return { ok: true, keyId };
}

/**
 * What the database stores and looks up by: HMAC-SHA256 under LINK_HASH_KEY. Unkeyed, a copy of
 * short_links could be searched offline for every live code at once (64 random bits against a million
 * stored hashes is within reach of a GPU); keyed, not without the key.
 */
export function hashLinkCode(code: string, hashKey: string): string {
  return createHmac("sha256", hashKey).update(code).digest("hex");
}

/**
 * The unkeyed SHA-256 that links issued before LINK_HASH_KEY (migration 0015) were stored under. Looked up
 * only as a fallback, so links already texted keep working until they expire (LINK_TTL_DAYS); new links
 * never store it.
 */
export function legacyLinkCodeHash(code: string): string {
  return createHash("sha256").update(code).digest("hex");
}

/** Every hash a code may be stored under, keyed first: the lookups' `code_hash in (...)`. */
export function storedLinkCodeHashes(code: string, hashKey: string): [string, string] {
  return [hashLinkCode(code, hashKey), legacyLinkCodeHash(code)];
}

function mac(secret: string, body: string): string {
  const digest = createHmac("sha256", secret).update(body).digest();
  return toBase62(0, digest.readUInt32BE(0) % 62 ** MAC_CHARS, MAC_CHARS);
}

/**
 * The base62 digits of the 64-bit value hi * 2^32 + lo, by long division on two 32-bit halves: every
 * intermediate stays below 2^38, exact in a double, with none of BigInt's allocations (the planner
 * writes half a million codes a run).
 */
function toBase62(hi: number, lo: number, width: number): string {
  let out = "";
  while (hi > 0 || lo > 0) {
    const carry = hi % 62;
    hi = (hi - carry) / 62;
    const rest = carry * 0x1_0000_0000 + lo;
    lo = Math.floor(rest / 62);
    out = ALPHABET[rest - lo * 62] + out;
  }
  if (out.length > width) throw new RangeError("value does not fit the code width");
  return out.padStart(width, "0");
}
