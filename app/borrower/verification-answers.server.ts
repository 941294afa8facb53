import { createHmac, timingSafeEqual } from "node:crypto";

export type VerificationKind = "dob" | "id_last4";

/**
 * Borrowers type these answers on a phone, so we accept the obvious variants
 * ("1985/3/14", " 123a ", "456(7)", full-width "１２３４") and hash one canonical form. Only the keyed
 * hash is ever stored: without the key a leaked table cannot be brute-forced
 * over the small space of birth dates.
 */
export function hashVerificationAnswer(kind: VerificationKind, raw: string, key: string): string | null {
  if (!key) throw new Error("hashVerificationAnswer needs a non-empty key");
  const normalised = normaliseVerificationAnswer(kind, raw);
  if (normalised === null) return null;
  return createHmac("sha256", key).update(`${kind}:${normalised}`).digest("hex");
}

export function normaliseVerificationAnswer(kind: VerificationKind, raw: string): string | null {
  // NFKC folds full-width digits and letters (common with Chinese input methods) to ASCII.
  const folded = raw.normalize("NFKC");
  return kind === "dob" ? normaliseDateOfBirth(folded) : normaliseIdLast4(folded);
}

/** Constant-time comparison of two hex hashes; false when either is missing. */
export function answersMatch(a: string | null | undefined, b: string | null | undefined): boolean {
  if (!a || !b) return false;
  const left = Buffer.from(a, "utf8");
  const right = Buffer.from(b, "utf8");
  if (left.length !== right.length) return false;
  return timingSafeEqual(left, right);
}

const DATE_PATTERNS = [/^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$/, /^(\d{4})(\d{2})(\d{2})$/];

function normaliseDateOfBirth(raw: string): string | null {
  const input = raw.trim();
  for (const pattern of DATE_PATTERNS) {
    const match = pattern.exec(input);
    if (!match) continue;
    const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
    if (year < 1900 || year > 2100 || month < 1 || month > 12 || day < 1) return null;
    // Date.UTC rolls 31 February over into March; a real date survives the round trip.
    const date = new Date(Date.UTC(year, month - 1, day));
    if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
    return `${match[1]}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
  }
  return null;
}

function normaliseIdLast4(raw: string): string | null {
  // HKID check digits are often written in brackets: "456(7)" means "4567".
  const compact = raw
    .trim()
    .replace(/[\s()]/g, "")
    .toUpperCase();
  return /^[0-9A-Z]{4}$/.test(compact) ? compact : null;
}
