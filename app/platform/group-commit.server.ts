import { benchWithout } from "../../db/bench-switches";
import { DatabaseBusy } from "../../db/unavailable";
import { config } from "./config.server";

/**
 * Group commit: calls that arrive while earlier ones are with the database go to it together, as one
 * statement, and each caller still waits for its own answer (so an answered request's write has
 * committed, exactly as if it had run alone).
 *
 * Nothing waits on a timer. A call that finds a free slot is sent in the same turn of the event loop
 * (after the other requests that turn parsed, which join it); calls that arrive while every slot is
 * busy queue, and the next free slot takes them all (up to `maxBatch`). So a quiet server sends each
 * call alone, as before, and a busy one sends fewer, larger statements the busier it is: each
 * statement's fixed costs (a round trip, a wake-up of a Postgres backend, a plan, a commit) are paid
 * once per batch instead of once per request (docs/product-rules.md §12: the landing under a burst of taps).
 *
 * `run` answers a batch with one result per item, in order; if it throws, every call of that batch
 * fails with its error and later batches go on.
 *
 * The queue is bounded (`maxWaiting`): when the database falls behind, a call that would wait behind
 * that many others fails at once with DatabaseBusy, which the web answers as 503 with Retry-After
 * (db/unavailable.ts), instead of requests piling up in memory until the process runs out of it.
 */
export interface GroupCommitOptions {
  /** The most items one statement carries. */
  maxBatch: number;
  /** Batches with the database at once (each holds one connection). */
  maxInFlight: number;
  /** The most calls that may wait for a slot; default GROUP_COMMIT_MAX_WAITING (read when the group is made). */
  maxWaiting?: number;
}

export function groupCommit<I, O>(
  run: (items: I[]) => Promise<O[]>,
  opts: GroupCommitOptions,
): (item: I) => Promise<O> {
  if (!Number.isInteger(opts.maxBatch) || opts.maxBatch < 1)
    throw new RangeError("maxBatch must be a positive integer");
  if (!Number.isInteger(opts.maxInFlight) || opts.maxInFlight < 1)
    throw new RangeError("maxInFlight must be a positive integer");
  const maxWaiting = opts.maxWaiting ?? config().GROUP_COMMIT_MAX_WAITING;
  if (!Number.isInteger(maxWaiting) || maxWaiting < 1)
    throw new RangeError("maxWaiting must be a positive integer");
  // The benchmark's comparison run: every call its own statement.
  if (benchWithout("group-commit")) return (item) => run([item]).then((results) => results[0]!);
  type Waiting = { item: I; resolve: (value: O) => void; reject: (error: unknown) => void };
  const queue: Waiting[] = [];
  let inFlight = 0;
  let scheduled = false;

  const send = (batch: Waiting[]) => {
    inFlight += 1;
    let answer: Promise<O[]>;
    try {
      answer = run(batch.map((w) => w.item));
    } catch (error) {
      answer = Promise.reject(error);
    }
    answer
      .then((results) => {
        if (!Array.isArray(results) || results.length !== batch.length) {
          throw new Error(
            `group commit: ${batch.length} items answered with ${Array.isArray(results) ? results.length : "no"} results`,
          );
        }
        batch.forEach((w, i) => w.resolve(results[i]!));
      })
      .catch((error: unknown) => batch.forEach((w) => w.reject(error)))
      .finally(() => {
        inFlight -= 1;
        pump();
      });
  };

  const pump = () => {
    while (inFlight < opts.maxInFlight && queue.length > 0) send(queue.splice(0, opts.maxBatch));
  };

  return (item) =>
    new Promise<O>((resolve, reject) => {
      if (queue.length >= maxWaiting)
        return reject(new DatabaseBusy(`${queue.length} calls already waiting`));
      queue.push({ item, resolve, reject });
      // Sent at the end of this turn of the event loop, with whatever else arrived in it; when every
      // slot is busy, the batch that frees one sends the queue.
      if (!scheduled && inFlight < opts.maxInFlight) {
        scheduled = true;
        setImmediate(() => {
          scheduled = false;
          pump();
        });
      }
    });
}

/**
 * groupCommit per database handle (a handle is one pool: tests and the bench open several), created on
 * the handle's first call.
 */
export function groupCommitPerHandle<H extends object, I, O>(
  run: (handle: H, items: I[]) => Promise<O[]>,
  opts: GroupCommitOptions,
): (handle: H, item: I) => Promise<O> {
  const perHandle = new WeakMap<H, (item: I) => Promise<O>>();
  return (handle, item) => {
    let call = perHandle.get(handle);
    if (!call) perHandle.set(handle, (call = groupCommit((items: I[]) => run(handle, items), opts)));
    return call(item);
  };
}
