import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consume, peek, pruneRateLimits, resetRateLimit } from "../../app/services/rate-limit.server";
import { connectDatabase } from "../../db/connection";
import { createTestDatabase, type TestDatabase } from "../support/database";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.destroy();
});

describe("rate limits in Postgres", () => {
  const rule = { points: 3, durationSec: 60 };

  it("allows the budget, then says how long to wait", async () => {
    expect(await consume(t.db, "k1", rule)).toEqual({ ok: true, remaining: 2 });
    expect(await consume(t.db, "k1", rule)).toEqual({ ok: true, remaining: 1 });
    expect(await consume(t.db, "k1", rule)).toEqual({ ok: true, remaining: 0 });
    const over = await consume(t.db, "k1", rule);
    expect(over.ok).toBe(false);
    expect(over.ok === false && over.retryAfterSec).toBeGreaterThan(55);
    expect(await consume(t.db, "k2", rule)).toMatchObject({ ok: true }); // keys are independent
  });

  it("peek reads without spending; reset clears", async () => {
    expect(await peek(t.db, "k3", rule)).toEqual({ ok: true, remaining: 3 });
    await consume(t.db, "k3", rule, 3);
    expect(await peek(t.db, "k3", rule)).toMatchObject({ ok: false });
    expect(await peek(t.db, "k3", rule)).toMatchObject({ ok: false });
    await resetRateLimit(t.db, "k3");
    expect(await peek(t.db, "k3", rule)).toEqual({ ok: true, remaining: 3 });
  });

  it("is shared by every process using the database (a second connection pool sees the same count)", async () => {
    const other = connectDatabase(t.url, { max: 2 });
    try {
      await consume(t.db, "shared", rule, 2);
      expect(await consume(other.db, "shared", rule)).toEqual({ ok: true, remaining: 0 });
      expect((await consume(t.db, "shared", rule)).ok).toBe(false);
    } finally {
      await other.close();
    }
  });

  it("counts concurrent spends exactly", async () => {
    const results = await Promise.all(Array.from({ length: 10 }, () => consume(t.db, "burst", { points: 4, durationSec: 60 })));
    expect(results.filter((r) => r.ok)).toHaveLength(4);
  });

  it("prunes windows that have ended", async () => {
    await consume(t.db, "old", rule);
    const pruned = await pruneRateLimits(t.db, new Date(Date.now() + 61_000));
    expect(pruned).toBeGreaterThanOrEqual(1);
    expect(await t.db.selectFrom("rate_limits").select("key").where("key", "=", "settle:old").executeTakeFirst()).toBeUndefined();
  });
});
