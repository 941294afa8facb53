import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

/**
 * Small secrets at rest (staff TOTP secrets, queued texts' link codes), sealed with AES-256-GCM. The
 * 256-bit key is derived from a configured secret with HKDF-SHA256 and a purpose label, so one setting can
 * never serve two uses. `context` is bound as associated data: a sealed value copied to another row
 * (another staff member, another text) does not open there. Stored as text, `v1.<iv>.<ciphertext>.<tag>`
 * (each part base64url), or for a bytea column as the bytes iv, ciphertext, tag.
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

interface Sealed {
  iv: Buffer;
  body: Buffer;
  tag: Buffer;
}

function encrypt(plaintext: string, key: SealKey, context: string): Sealed {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", derivedKey(key.secret, key.purpose), iv);
  cipher.setAAD(Buffer.from(context));
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return { iv, body, tag: cipher.getAuthTag() };
}

function decrypt({ iv, body, tag }: Sealed, key: SealKey, context: string): string {
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new UnsealError("malformed sealed value");
  const decipher = createDecipheriv("aes-256-gcm", derivedKey(key.secret, key.purpose), iv);
  decipher.setAAD(Buffer.from(context));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(body), decipher.final()]).toString("utf8");
  } catch (error) {
    throw new UnsealError("sealed value does not open with this key (altered, or the key changed)", {
      cause: error,
    });
  }
}

export function seal(plaintext: string, key: SealKey, context: string): string {
  const { iv, body, tag } = encrypt(plaintext, key, context);
  return [VERSION, iv, body, tag]
    .map((part) => (typeof part === "string" ? part : part.toString("base64url")))
    .join(".");
}

/** `seal` as bytes (iv, ciphertext, tag), for a bytea column. */
export function sealBytes(plaintext: string, key: SealKey, context: string): Buffer {
  const { iv, body, tag } = encrypt(plaintext, key, context);
  return Buffer.concat([iv, body, tag]);
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
  const part = (value: string) => Buffer.from(value, "base64url");
  return decrypt({ iv: part(iv), body: part(body), tag: part(tag) }, key, context);
}

/** The plaintext of `sealBytes`, or UnsealError as `unseal`. */
export function unsealBytes(sealed: Uint8Array, key: SealKey, context: string): string {
  const bytes = Buffer.from(sealed);
  if (bytes.length < IV_BYTES + TAG_BYTES) throw new UnsealError("malformed sealed value");
  return decrypt(
    {
      iv: bytes.subarray(0, IV_BYTES),
      body: bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES),
      tag: bytes.subarray(bytes.length - TAG_BYTES),
    },
    key,
    context,
  );
}
