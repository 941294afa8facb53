import { v7 } from "uuid";

/**
 * Ids for rows written in creation order at volume (texts and their short links: the planner writes half
 * a million of each at a million accounts, DESIGN §12): UUIDv7 (RFC 9562), whose leading 48 bits are the
 * creation time in milliseconds. A new row's primary-key entry then lands on the right edge of the index
 * (Postgres caches that leaf page) instead of on a random page, and reads of recent rows by id (the
 * dispatcher's, the links' foreign-key checks) touch few pages. The id reveals when the row was created,
 * which every such row stores anyway; the rest of it is random, and none of these ids is a credential
 * (a link's code is, and is drawn separately).
 */
export function timeOrderedId(): string {
  return v7();
}
