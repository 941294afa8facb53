import { parsePhoneNumberFromString, type CountryCode } from "libphonenumber-js";

/**
 * Pure helpers for the staff borrower search: what a typed query could mean
 * as a phone number, and how to use it inside LIKE safely.
 */

/** Where Settle's borrowers live (jurisdiction profiles): national numbers are tried in each. */
const SEARCH_COUNTRIES: readonly CountryCode[] = ["HK", "CN", "GB", "US"];

const PHONE_LIKE = /^[+\d\s().-]+$/;

/**
 * Every E.164 number the query could be: "+852 9123 4502" -> one; "9123 4502" ->
 * the HK reading (and any other country where it is a possible number);
 * "85291234502" -> also read as international without the "+".
 */
export function phoneCandidates(query: string): string[] {
  const q = query.trim();
  if (!PHONE_LIKE.test(q)) return [];
  const digits = q.replace(/\D/g, "");
  if (digits.length < 6 || digits.length > 15) return [];
  const found = new Set<string>();
  const add = (text: string, country?: CountryCode) => {
    const parsed = parsePhoneNumberFromString(text, country);
    if (parsed?.isPossible()) found.add(parsed.number);
  };
  if (q.startsWith("+")) {
    add(q);
  } else {
    for (const country of SEARCH_COUNTRIES) add(q, country);
    add(`+${digits}`);
  }
  return [...found];
}

/**
 * Escapes LIKE/ILIKE metacharacters so user input matches literally (used
 * with `escape '\'`). Quotes need nothing: the value is a bound parameter.
 */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
