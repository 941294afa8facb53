import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "kysely";
import {
  consume,
  peek,
  pruneRateLimits,
  resetRateLimit,
  spentBudgetSql,
} from "../../app/platform/rate-limit.server";
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

  it("spentBudgetSql, the brake as one SQL expression, answers as peek does at every spend, and after the window", async () => {
    const spent = async (key: string, at = new Date()) =>
      (await sql<{ r: number | null }>`select ${spentBudgetSql(key, rule, at)} as r`.execute(t.db)).rows[0]!
        .r;
    for (let used = 0; used <= rule.points + 1; used++) {
      const [viaPeek, viaSql] = [await peek(t.db, "sql-brake", rule), await spent("sql-brake")];
      expect(viaSql === null).toBe(viaPeek.ok);
      if (!viaPeek.ok) expect(Math.abs(viaSql! - viaPeek.retryAfterSec)).toBeLessThanOrEqual(1);
      await consume(t.db, "sql-brake", rule);
    }
    expect(await spent("sql-brake")).toBeGreaterThan(55);
    expect(await spent("sql-brake", new Date(Date.now() + (rule.durationSec + 1) * 1000))).toBeNull(); // the window has ended
    expect(await spent("sql-brake-other")).toBeNull();
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
    const results = await Promise.all(
      Array.from({ length: 10 }, () => consume(t.db, "burst", { points: 4, durationSec: 60 })),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(4);
  });

  it("prunes windows that have ended", async () => {
    await consume(t.db, "old", rule);
    const pruned = await pruneRateLimits(t.db, new Date(Date.now() + 61_000));
    expect(pruned).toBeGreaterThanOrEqual(1);
    expect(
      await t.db.selectFrom("rate_limits").select("key").where("key", "=", "settle:old").executeTakeFirst(),
    ).toBeUndefined();
  });
});
