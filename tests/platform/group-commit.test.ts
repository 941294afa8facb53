import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DatabaseBusy, isDatabaseUnavailable } from "../../db/unavailable";
import { groupCommit, groupCommitPerHandle } from "../../app/platform/group-commit.server";

/** A run that records each batch and answers once released (or at once). */
function recorder<O>(answer: (item: number) => O, opts: { hold?: boolean } = {}) {
  const batches: number[][] = [];
  const pending: Array<() => void> = [];
  let inFlight = 0;
  let maxSeen = 0;
  const run = async (items: number[]) => {
    batches.push(items);
    inFlight += 1;
    maxSeen = Math.max(maxSeen, inFlight);
    if (opts.hold) await new Promise<void>((resolve) => pending.push(resolve));
    else await new Promise((resolve) => setImmediate(resolve));
    inFlight -= 1;
    return items.map(answer);
  };
  return { run, batches, release: () => pending.splice(0).forEach((r) => r()), maxInFlight: () => maxSeen };
}

// The next turn of the event loop: the group commit sends its queue from a setImmediate scheduled by the
// call, and immediates run in order, so this runs after it. A wall-clock timer did not: on a busy machine
// a 5 ms timer could fire first, and the calls meant to wait behind the first batch found it still queued.
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("group commit", () => {
  it("sends a lone call by itself, at once", async () => {
    const r = recorder((n) => n * 10);
    const call = groupCommit(r.run, { maxBatch: 10, maxInFlight: 1 });
    expect(await call(7)).toBe(70);
    expect(r.batches).toEqual([[7]]);
  });

  it("sends the calls of one turn together, and those that wait for a slot together in the next batch", async () => {
    const r = recorder((n) => n + 1, { hold: true });
    const call = groupCommit(r.run, { maxBatch: 100, maxInFlight: 1 });
    const first = [1, 2, 3].map(call);
    await settle();
    expect(r.batches).toEqual([[1, 2, 3]]);
    const later = [4, 5, 6, 7].map(call); // the only slot is busy: these queue
    await settle();
    expect(r.batches).toHaveLength(1);
    r.release();
    expect(await Promise.all(first)).toEqual([2, 3, 4]);
    await settle();
    expect(r.batches).toEqual([
      [1, 2, 3],
      [4, 5, 6, 7],
    ]);
    r.release();
    expect(await Promise.all(later)).toEqual([5, 6, 7, 8]);
  });

  it("fails every call of a failed batch with its error, and goes on with the next", async () => {
    let calls = 0;
    const call = groupCommit(
      async (items: number[]) => {
        calls += 1;
        if (items.includes(13)) throw new Error("unlucky batch");
        return items;
      },
      { maxBatch: 10, maxInFlight: 1 },
    );
    const failed = [12, 13].map((n) =>
      call(n).then(
        (v) => ({ v }),
        (e: Error) => ({ e: e.message }),
      ),
    );
    expect(await Promise.all(failed)).toEqual([{ e: "unlucky batch" }, { e: "unlucky batch" }]);
    expect(await call(14)).toBe(14);
    expect(calls).toBe(2);
  });

  it("refuses an answer that does not give one result per item", async () => {
    const call = groupCommit(async (items: number[]) => items.slice(1), { maxBatch: 10, maxInFlight: 1 });
    await expect(Promise.all([call(1), call(2)])).rejects.toThrow(/2 items answered with 1 results/);
  });

  it("a run that throws before it returns a promise fails its batch only", async () => {
    let first = true;
    const call = groupCommit(
      (items: number[]) => {
        if (first) {
          first = false;
          throw new Error("sync failure");
        }
        return Promise.resolve(items);
      },
      { maxBatch: 10, maxInFlight: 1 },
    );
    await expect(call(1)).rejects.toThrow("sync failure");
    expect(await call(2)).toBe(2);
  });

  it("under any arrival pattern: every call gets its own answer, batches respect maxBatch, and no more than maxInFlight run at once", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 3 }),
        async (waves, maxBatch, maxInFlight) => {
          const r = recorder((n) => `answer ${n}`);
          const call = groupCommit(r.run, { maxBatch, maxInFlight });
          const calls: Array<Promise<string>> = [];
          let next = 0;
          for (const size of waves) {
            for (let i = 0; i < size; i++) calls.push(call(next++));
            await new Promise((resolve) => setImmediate(resolve));
          }
          const answers = await Promise.all(calls);
          expect(answers).toEqual(calls.map((_, i) => `answer ${i}`));
          expect(r.batches.flat().sort((a, b) => a - b)).toEqual([...Array(next).keys()]);
          expect(Math.max(...r.batches.map((b) => b.length))).toBeLessThanOrEqual(maxBatch);
          expect(r.maxInFlight()).toBeLessThanOrEqual(maxInFlight);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("per handle: each handle's calls go in batches of their own, to that handle", async () => {
    const seen: Array<{ handle: string; items: number[] }> = [];
    const call = groupCommitPerHandle(
      async (handle: { name: string }, items: number[]) => {
        seen.push({ handle: handle.name, items });
        return items.map((n) => `${handle.name}:${n}`);
      },
      { maxBatch: 10, maxInFlight: 1 },
    );
    const a = { name: "a" };
    const b = { name: "b" };
    const answers = await Promise.all([call(a, 1), call(b, 2), call(a, 3), call(b, 4)]);
    expect(answers).toEqual(["a:1", "b:2", "a:3", "b:4"]);
    expect(seen).toEqual([
      { handle: "a", items: [1, 3] },
      { handle: "b", items: [2, 4] },
    ]);
  });

  it("bounds the queue: past maxWaiting a call fails at once as database-unavailable (a 503), and the queue still drains", async () => {
    const r = recorder((n) => n, { hold: true });
    const call = groupCommit(r.run, { maxBatch: 2, maxInFlight: 1, maxWaiting: 3 });
    const first = call(1);
    await settle();
    const waiting = [2, 3, 4].map(call); // the slot is busy: these wait
    const refused = await call(5).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DatabaseBusy);
    expect(isDatabaseUnavailable(refused)).toBe(true);
    r.release();
    await settle();
    r.release();
    await settle();
    r.release();
    expect(await Promise.all([first, ...waiting])).toEqual([1, 2, 3, 4]);
    expect(r.batches.flat()).toEqual([1, 2, 3, 4]);
  });

  it("rejects a nonsensical configuration", () => {
    expect(() => groupCommit(async (x: number[]) => x, { maxBatch: 0, maxInFlight: 1 })).toThrow(RangeError);
    expect(() => groupCommit(async (x: number[]) => x, { maxBatch: 1, maxInFlight: 1.5 })).toThrow(
      RangeError,
    );
  });
});
