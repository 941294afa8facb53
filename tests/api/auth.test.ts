import { runSettle } from "../support/cli";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// Set before any config is read: this file's keys get a tiny per-minute budget.
process.env.API_RATE_LIMIT_PER_MINUTE = "4";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { apiRequest, callRoute, createTestApiKey } from "../support/api";
import { authenticateApiKey } from "../../app/api/auth.server";
import { hashApiKey, parseApiKey, revokeApiKey } from "../../app/api/api-keys.server";
import { bankIntegrationConfig } from "../../app/bank/config.server";
import { parseCommandLine } from "../../app/cli/settle";
import { UsageError } from "../../app/cli/command";
import * as bulk from "../../app/routes/api.v1.accounts.bulk";
import * as payments from "../../app/routes/api.v1.payments";
import { syntheticRecords } from "../support/synthetic-import";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.destroy();
});

const oneRecord = () =>
  syntheticRecords({ count: 1, prefix: `AUTH${Math.random().toString(36).slice(2, 8)}` });

describe("API keys", () => {
  it("have the sk_settle_<prefix>_<secret> format and only a keyed hash is stored", async () => {
    const created = await createTestApiKey(t.db, ["accounts:write"]);
    expect(created.key).toMatch(/^sk_settle_[0-9A-Za-z]{8}_[0-9A-Za-z]{32}$/);
    expect(parseApiKey(created.key)?.prefix).toBe(created.prefix);
    const row = await t.db
      .selectFrom("api_keys")
      .selectAll()
      .where("id", "=", created.id)
      .executeTakeFirstOrThrow();
    expect(row.prefix).toBe(created.prefix);
    expect(row.key_hash).toBe(hashApiKey(created.key, bankIntegrationConfig().apiKeyHashKey));
    expect(JSON.stringify(row)).not.toContain(created.key.split("_")[3]);
    const audit = await t.db
      .selectFrom("audit_events")
      .select("action")
      .where("subject_id", "=", created.id)
      .execute();
    expect(audit.map((a) => a.action)).toEqual(["api_key.created"]);
  });

  it("a valid key with the scope gets through and last_used_at is set, then throttled", async () => {
    const { key, id } = await createTestApiKey(t.db, ["accounts:write"]);
    const first = await callRoute(
      bulk.action,
      t.db,
      apiRequest("/api/v1/accounts/bulk", { key, json: oneRecord() }),
    );
    expect(first.status).toBe(200);
    const afterFirst = await t.db
      .selectFrom("api_keys")
      .select("last_used_at")
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect(afterFirst.last_used_at).toBeInstanceOf(Date);
    await callRoute(bulk.action, t.db, apiRequest("/api/v1/accounts/bulk", { key, json: oneRecord() }));
    const afterSecond = await t.db
      .selectFrom("api_keys")
      .select("last_used_at")
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect(afterSecond.last_used_at?.getTime()).toBe(afterFirst.last_used_at?.getTime());
  });

  it("no key, a malformed key, or a wrong secret: 401 invalid, with a JSON error and a Bearer challenge", async () => {
    const { key } = await createTestApiKey(t.db);
    const wrongSecret = `${key.slice(0, -4)}${key.endsWith("AAAA") ? "BBBB" : "AAAA"}`;
    const missing = await callRoute(
      bulk.action,
      t.db,
      apiRequest("/api/v1/accounts/bulk", { json: oneRecord() }),
    );
    expect(missing.status).toBe(401);
    expect(missing.body.error.code).toBe("missing_api_key");
    expect(missing.headers.get("www-authenticate")).toMatch(/^Bearer/);
    for (const bad of ["sk_settle_nope", wrongSecret, `sk_settle_ZZZZZZZZ_${"a".repeat(32)}`]) {
      const res = await callRoute(
        bulk.action,
        t.db,
        apiRequest("/api/v1/accounts/bulk", { key: bad, json: oneRecord() }),
      );
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: { code: "invalid_api_key", message: expect.any(String) } });
    }
  });

  it("an expired key gets 401 api_key_expired and writes nothing", async () => {
    const { key } = await createTestApiKey(t.db, ["accounts:write"], {
      expiresAt: new Date(Date.now() - 1_000),
    });
    const records = oneRecord();
    const res = await callRoute(
      bulk.action,
      t.db,
      apiRequest("/api/v1/accounts/bulk", { key, json: records }),
    );
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("api_key_expired");
    const written = await t.db
      .selectFrom("accounts")
      .select("id")
      .where("external_ref", "=", String(records[0]!.account_ref))
      .execute();
    expect(written).toHaveLength(0);
  });

  it("a revoked key gets 401 api_key_revoked at once", async () => {
    const { key, prefix } = await createTestApiKey(t.db, ["accounts:write"]);
    expect(
      (await callRoute(bulk.action, t.db, apiRequest("/api/v1/accounts/bulk", { key, json: oneRecord() })))
        .status,
    ).toBe(200);
    expect(await revokeApiKey(t.db, prefix)).toBe(true);
    expect(await revokeApiKey(t.db, prefix)).toBe(false);
    const res = await callRoute(
      bulk.action,
      t.db,
      apiRequest("/api/v1/accounts/bulk", { key, json: oneRecord() }),
    );
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("api_key_revoked");
  });

  it("a key without the endpoint's scope gets 403", async () => {
    const { key } = await createTestApiKey(t.db, ["accounts:write"]);
    const res = await callRoute(
      payments.action,
      t.db,
      apiRequest("/api/v1/payments", {
        key,
        json: {
          external_ref: "X1",
          account_ref: "A1",
          amount_minor: 100,
          currency: "HKD",
          source: "offline_branch",
        },
      }),
    );
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({
      code: "insufficient_scope",
      details: { required: "payments:write" },
    });
  });

  it("checks the key before reading the body, and refuses other methods with a JSON 405", async () => {
    const unauthenticatedHuge = await callRoute(
      bulk.action,
      t.db,
      apiRequest("/api/v1/accounts/bulk", {
        body: "x".repeat(1024),
        contentType: "application/json",
        headers: { "Content-Length": String(50 * 1024 * 1024) },
      }),
    );
    expect(unauthenticatedHuge.status).toBe(401);
    const get = await callRoute(bulk.loader, t.db, apiRequest("/api/v1/accounts/bulk", { method: "GET" }));
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
  });

  it("rate-limits per key (429 with Retry-After), without affecting other keys", async () => {
    const { key } = await createTestApiKey(t.db, ["accounts:write"]);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push(
        (await callRoute(bulk.action, t.db, apiRequest("/api/v1/accounts/bulk", { key, json: oneRecord() })))
          .status,
      );
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
    const limited = await callRoute(
      bulk.action,
      t.db,
      apiRequest("/api/v1/accounts/bulk", { key, json: oneRecord() }),
    );
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(limited.body.error.code).toBe("rate_limited");
    const other = await createTestApiKey(t.db, ["accounts:write"]);
    expect(
      (
        await callRoute(
          bulk.action,
          t.db,
          apiRequest("/api/v1/accounts/bulk", { key: other.key, json: oneRecord() }),
        )
      ).status,
    ).toBe(200);
  });

  it("authenticateApiKey compares in constant time against the stored hash and honours expiry at the given instant", async () => {
    const expiresAt = new Date("2030-01-01T00:00:00Z");
    const { key } = await createTestApiKey(t.db, ["payments:write"], { expiresAt });
    const request = apiRequest("/api/v1/payments", { key });
    const hashKey = bankIntegrationConfig().apiKeyHashKey;
    await expect(
      authenticateApiKey(t.db, request, "payments:write", { hashKey, now: new Date("2029-12-31T23:59:59Z") }),
    ).resolves.toMatchObject({
      scopes: ["payments:write"],
    });
    await expect(
      authenticateApiKey(t.db, request, "payments:write", { hashKey, now: expiresAt }),
    ).rejects.toMatchObject({ status: 401, code: "api_key_expired" });
  });
});

describe("apikey CLI", () => {
  it("validates scopes and the prefix", () => {
    expect(() =>
      parseCommandLine(["apikey:create", "--name", "core", "--scopes", "accounts:write,everything"]),
    ).toThrow(UsageError);
    expect(() => parseCommandLine(["apikey:create", "--name", "core"])).toThrow(/--scopes/);
    expect(() => parseCommandLine(["apikey:revoke", "--prefix", "short"])).toThrow(UsageError);
    const ok = parseCommandLine([
      "apikey:create",
      "--name",
      "core",
      "--scopes",
      "accounts:write, payments:write",
      "--expires-days",
      "30",
    ]);
    expect(ok.args).toEqual({
      name: "core",
      scopes: ["accounts:write", "payments:write"],
      "expires-days": 30,
    });
  });

  it("creates a key that prints once and works, then revokes it, as real processes", async () => {
    const env = { ...process.env, DATABASE_URL: t.url, LOG_LEVEL: "silent" };
    const created = runSettle(
      ["apikey:create", "--name", "core banking", "--scopes", "accounts:write", "--expires-days", "7"],
      { env },
    );
    expect(created.status).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^sk_settle_[0-9A-Za-z]{8}_[0-9A-Za-z]{32}$/);
    expect(created.stderr).toContain("shown only this once");
    const prefix = parseApiKey(key)!.prefix;
    const row = await t.db
      .selectFrom("api_keys")
      .selectAll()
      .where("prefix", "=", prefix)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ name: "core banking", scopes: ["accounts:write"] });
    expect(row.expires_at!.getTime() - Date.now()).toBeGreaterThan(6.9 * 86_400_000);
    expect(
      (await callRoute(bulk.action, t.db, apiRequest("/api/v1/accounts/bulk", { key, json: oneRecord() })))
        .status,
    ).toBe(200);

    const revoked = runSettle(["apikey:revoke", "--prefix", prefix], { env });
    expect(revoked.status).toBe(0);
    expect(
      (await callRoute(bulk.action, t.db, apiRequest("/api/v1/accounts/bulk", { key, json: oneRecord() })))
        .body.error.code,
    ).toBe("api_key_revoked");
  });
});
