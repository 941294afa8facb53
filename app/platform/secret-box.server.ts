import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

/**
 * Small secrets at rest (staff TOTP secrets), sealed with AES-256-GCM. The 256-bit key is derived from a
 * configured secret with HKDF-SHA256 and a purpose label, so one setting can never serve two uses.
 * `context` is bound as associated data: a sealed value copied to another row (another staff member)
 * does not open there. Stored form: `v1.<iv>.<ciphertext>.<tag>`, each part base64url.
 */
const VERSION = "v1";
const IV_BYTES = 12;
const TAG_BYTES = 16;

const keys = new Map<string, Buffer>();
function derivedKey(secret: string, purpose: string): Buffer {
  const id = `${purpose}\0${secret}`;
  let key = keys.get(id);
  if (!key) {
    key = Buffer.from(hkdfSync("sha256", secret, Buffer.alloc(0), `settle:${purpose}`, 32));
    keys.set(id, key);
  }
  return key;
}

export interface SealKey {
  secret: string;
  /** What the key is for (part of the key derivation). */
  purpose: string;
}

export function seal(plaintext: string, key: SealKey, context: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", derivedKey(key.secret, key.purpose), iv);
  cipher.setAAD(Buffer.from(context));
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return [VERSION, iv, body, cipher.getAuthTag()]
    .map((part) => (typeof part === "string" ? part : part.toString("base64url")))
    .join(".");
}

export function isSealed(value: string): boolean {
  return value.startsWith(`${VERSION}.`);
}

export class UnsealError extends Error {}

/** The plaintext, or UnsealError when the value is not sealed, was altered, or the key or context differ. */
export function unseal(sealed: string, key: SealKey, context: string): string {
  const [version, iv, body, tag, ...rest] = sealed.split(".");
  if (version !== VERSION || iv === undefined || body === undefined || tag === undefined || rest.length)
    throw new UnsealError("not a sealed value");
  const ivBytes = Buffer.from(iv, "base64url");
  const tagBytes = Buffer.from(tag, "base64url");
  if (ivBytes.length !== IV_BYTES || tagBytes.length !== TAG_BYTES)
    throw new UnsealError("malformed sealed value");
  const decipher = createDecipheriv("aes-256-gcm", derivedKey(key.secret, key.purpose), ivBytes);
  decipher.setAAD(Buffer.from(context));
  decipher.setAuthTag(tagBytes);
  try {
    return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString(
      "utf8",
    );
  } catch (error) {
    throw new UnsealError("sealed value does not open with this key (altered, or the key changed)", {
      cause: error,
    });
  }
}
