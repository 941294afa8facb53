import { createHmac, timingSafeEqual } from "node:crypto";
import { config } from "../platform/config.server";

/**
 * The unsubscribe link every email carries (docs/product-rules.md §4.17): `/email/unsubscribe/<token>`,
 * where the token is the email's random id and a truncated HMAC-SHA256 of it, both base64url. It names
 * no person and no address; a forged or altered token fails the MAC before any database read. It never
 * expires: an old email's unsubscribe link must keep working.
 */
const TOKEN = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{22})$/;
const PURPOSE = "email-unsubscribe:";

function mac(emailIdBytes: Buffer): Buffer {
  return createHmac("sha256", config().sessionSecret)
    .update(PURPOSE)
    .update(emailIdBytes)
    .digest()
    .subarray(0, 16);
}

const uuidBytes = (id: string) => Buffer.from(id.replace(/-/g, ""), "hex");

export function unsubscribeToken(emailId: string): string {
  const id = uuidBytes(emailId);
  return `${id.toString("base64url")}.${mac(id).toString("base64url")}`;
}

/** The link, with the email's language for the page (a language is not personal data). */
export function unsubscribeUrl(emailId: string, locale: string): string {
  return `${config().publicBaseUrl}/email/unsubscribe/${unsubscribeToken(emailId)}?lng=${encodeURIComponent(locale)}`;
}

/**
 * The headers every email with an unsubscribe link carries: the link for mail clients, one-click
 * unsubscribe (RFC 8058), and the email's language.
 */
export function unsubscribeHeaders(unsubscribe: string, locale: string): Record<string, string> {
  return {
    "List-Unsubscribe": `<${unsubscribe}>`,
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    "Content-Language": locale,
  };
}

/** The email id a token was issued for, or null for anything malformed or forged. */
export function verifyUnsubscribeToken(token: string): string | null {
  const match = TOKEN.exec(token);
  if (!match) return null;
  const id = Buffer.from(match[1]!, "base64url");
  const given = Buffer.from(match[2]!, "base64url");
  if (id.length !== 16 || given.length !== 16) return null;
  // Re-encoding must give the same text: two spellings of one token would be two links.
  if (id.toString("base64url") !== match[1] || given.toString("base64url") !== match[2]) return null;
  if (!timingSafeEqual(mac(id), given)) return null;
  const hex = id.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
