import { v7 } from "uuid";
import { randomPool } from "./random-pool.server";

/**
 * Ids for rows written in creation order at volume (texts and their short links: the planner writes half a
 * million of each at a million accounts, docs/product-rules.md §12): UUIDv7 (RFC 9562), whose leading 48 bits
 * are the creation time in milliseconds. A new row's primary-key entry then lands on the right edge of the
 * index (Postgres caches that leaf page) instead of on a random page, and reads of recent rows by id (the
 * dispatcher's, the links' foreign-key checks) touch few pages. The id reveals when the row was created,
 * which every such row stores anyway; the rest of it is random, and none of these ids is a credential (a
 * link's code is, and is drawn separately).
 *
 * uuid's v7() draws its 16 random bytes with one crypto.getRandomValues() call per id, about 3 µs on the
 * bench machine (a million ids per planner run at a million accounts). Here the bytes come from a pool
 * refilled 1,024 ids at a time (as Node's own randomUUID() does), and the library lays out the id from
 * them; ids made within one millisecond keep ascending through RFC 9562's counter (method 1: a random
 * start each millisecond, plus one per id), kept here as uuid keeps it when it draws the bytes itself.
 */
export function timeOrderedId(): string {
  const random = randomBytes16();
  const now = Date.now();
  if (now > state.msecs) {
    state.msecs = now;
    state.seq = ((random[6]! & 0x7f) << 24) | (random[7]! << 16) | (random[8]! << 8) | random[9]!;
  } else {
    state.seq = (state.seq + 1) | 0;
    if (state.seq === 0) state.msecs += 1; // the counter ran out within the millisecond: borrow the next one
  }
  return v7({ msecs: state.msecs, seq: state.seq, random });
}

const state = { msecs: -Infinity, seq: 0 };

// 16 random bytes per id, drawn from a pool refilled 1,024 ids at a time.
const randomBytes16 = randomPool(16);
