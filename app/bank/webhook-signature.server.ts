import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Signatures on Settle's outbound webhooks, Stripe-style:
 * `Settle-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`.
 * Signing the timestamp with the body lets the receiver refuse replays outside
 * a tolerance window; several v1 values may appear while a secret is rotated.
 */
export const SIGNATURE_HEADER = "Settle-Signature";

function webhookSignature(secret: string, timestamp: number, body: string): string {
  return createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
}

export function signatureHeader(secret: string, body: string, now = new Date()): string {
  const t = Math.floor(now.getTime() / 1000);
  return `t=${t},v1=${webhookSignature(secret, t, body)}`;
}

/**
 * The bank's side: true when `header` carries a v1 signature of exactly `body`
 * (the raw bytes as received, before any JSON parsing) made with `secret`, and its
 * timestamp is within `toleranceSec` of `now` (either direction, for clock skew).
 */
export function verifyWebhookSignature(
  secret: string,
  header: string | null | undefined,
  body: string,
  opts: { toleranceSec?: number; now?: Date } = {},
): boolean {
  if (!header) return false;
  const toleranceSec = opts.toleranceSec ?? 300;
  let timestamp: number | null = null;
  const candidates: string[] = [];
  for (const part of header.split(",")) {
    const [key, value] = part.trim().split("=", 2);
    if (key === "t" && value && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === "v1" && value && /^[0-9a-f]{64}$/.test(value)) candidates.push(value);
  }
  if (timestamp === null || candidates.length === 0) return false;
  const nowSec = Math.floor((opts.now ?? new Date()).getTime() / 1000);
  if (Math.abs(nowSec - timestamp) > toleranceSec) return false;
  const expected = Buffer.from(webhookSignature(secret, timestamp, body), "hex");
  // Check every candidate (no early exit), each in constant time.
  let ok = false;
  for (const candidate of candidates) {
    if (timingSafeEqual(expected, Buffer.from(candidate, "hex"))) ok = true;
  }
  return ok;
}
