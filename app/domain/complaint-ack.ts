/**
 * Complaint acknowledgement numbers: "C" + the local filing date + "-" + five
 * Crockford base32 characters, e.g. C20261123-7K2QD. Short enough to read out
 * on the phone, no I/L/O/U to confuse with 1/0/V; 32^5 (about 33 million) per
 * day, and the database's unique key plus a retry covers the rare collision.
 */
export const ACK_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const ACK_RANDOM_CHARS = 5;
export const ACK_PATTERN = /^C\d{8}-[0-9A-HJKMNP-TV-Z]{5}$/;

/** `localDate` is YYYY-MM-DD; `random` supplies at least 5 bytes (256 is a multiple of 32, so each byte maps uniformly). */
export function complaintAckNumber(localDate: string, random: Uint8Array): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(localDate)) throw new RangeError(`not a calendar date: ${localDate}`);
  if (random.length < ACK_RANDOM_CHARS) throw new RangeError(`need ${ACK_RANDOM_CHARS} random bytes`);
  const suffix = Array.from(random.subarray(0, ACK_RANDOM_CHARS), (b) => ACK_ALPHABET[b % 32]).join("");
  return `C${localDate.replace(/-/g, "")}-${suffix}`;
}
