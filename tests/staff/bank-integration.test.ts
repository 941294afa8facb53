import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "kysely";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { insertAccount } from "../support/builders";
import { authenticateApiKey } from "../../app/api/auth.server";
import { bankIntegrationConfig } from "../../app/bank/config.server";
import { emitBankEvent } from "../../app/platform/bank-events.server";
import { action as keysAction, loader as keysLoader } from "../../app/routes/staff.api-keys";
import { action as hooksAction, loader as hooksLoader } from "../../app/routes/staff.webhooks";
import type { ApiKeyRow, BankEventRow } from "../../app/staff/bank-integration.server";
import { enrolledStaff, get, outcome, post, signedInCookie, staffContext } from "./support";

let t: TestDatabase;
let admin: string;
let adminId: string;
let supervisor: string;

beforeAll(async () => {
  t = await createTestDatabase();
  const a = await enrolledStaff(t.db, "admin");
  adminId = a.user.id;
  admin = await signedInCookie(t.db, a.user);
  supervisor = await signedInCookie(t.db, (await enrolledStaff(t.db, "supervisor")).user);
});
afterAll(async () => {
  await t?.destroy();
});

const ctx = () => staffContext(t.db);
const deliveryJobs = (eventId: string) =>
  sql<{
    key: string;
  }>`select key from graphile_worker._private_jobs where payload->>'eventId' = ${eventId} order by id`
    .execute(t.db)
    .then((r) => r.rows);

describe("bank webhooks page", () => {
  it("lists events with every delivery attempt and its state; only admins see it", async () => {
    const account = await insertAccount(t.db);
    const ids = await t.db.transaction().execute(async (trx) => [
      await emitBankEvent(trx, {
        type: "payment.succeeded",
        accountId: account.id,
        borrowerId: account.borrower_id,
        payload: { amount: 1 },
      }),
      await emitBankEvent(trx, {
        type: "plan.approved",
        accountId: account.id,
        borrowerId: account.borrower_id,
        payload: {},
      }),
      await emitBankEvent(trx, {
        type: "sms.opted_out",
        accountId: null,
        borrowerId: account.borrower_id,
        payload: {},
      }),
    ]);
    const attempt = (
      eventId: string,
      n: number,
      ok: boolean,
      extra: { status_code?: number | null; error?: string | null; next_attempt_at?: Date | null } = {},
    ) =>
      t.db
        .insertInto("webhook_deliveries")
        .values({
          event_id: eventId,
          endpoint_url: "https://bank.example/hooks",
          attempt: n,
          ok,
          status_code: ok ? 200 : 500,
          error: ok ? null : "HTTP 500",
          ...extra,
        })
        .execute();
    await attempt(ids[0]!, 1, false);
    await attempt(ids[0]!, 2, true);
    await attempt(ids[1]!, 1, false, {
      status_code: null,
      error: "timed out after 10000 ms",
      next_attempt_at: new Date(Date.now() + 60_000),
    });

    const page = await outcome(() =>
      hooksLoader({ request: get("/staff/webhooks", admin), params: {}, context: ctx() }),
    );
    expect(page.status).toBe(200);
    const events = (page.data as { events: BankEventRow[] }).events;
    const byId = new Map(events.map((e) => [e.id, e]));
    expect(byId.get(ids[0]!)).toMatchObject({
      type: "payment.succeeded",
      accountRef: account.external_ref,
      state: "delivered",
    });
    expect(byId.get(ids[0]!)!.attempts.map((a) => [a.attempt, a.ok, a.statusCode])).toEqual([
      [1, false, 500],
      [2, true, 200],
    ]);
    expect(byId.get(ids[1]!)).toMatchObject({
      state: "retrying",
      attempts: [{ ok: false, error: "timed out after 10000 ms" }],
    });
    expect(byId.get(ids[2]!)).toMatchObject({ state: "not_attempted", accountRef: null, attempts: [] });

    const failedOnly = await outcome(() =>
      hooksLoader({ request: get("/staff/webhooks?failed=1", admin), params: {}, context: ctx() }),
    );
    expect((failedOnly.data as { events: BankEventRow[] }).events.map((e) => e.id)).toEqual([ids[1]]);

    expect(
      (
        await outcome(() =>
          hooksLoader({ request: get("/staff/webhooks", supervisor), params: {}, context: ctx() }),
        )
      ).status,
    ).toBe(403);
  });

  it("Redeliver queues a fresh delivery job and records who asked; unknown events are 404", async () => {
    const account = await insertAccount(t.db);
    const event = await t.db
      .insertInto("bank_events")
      .values({ type: "plan.broken", account_id: account.id, borrower_id: account.borrower_id, payload: {} })
      .returning("id")
      .executeTakeFirstOrThrow();
    const before = (await deliveryJobs(event.id)).length;

    const o = await outcome(() =>
      hooksAction({
        request: post("/staff/webhooks", { intent: "redeliver", eventId: event.id }, admin),
        params: {},
        context: ctx(),
      }),
    );
    expect(o).toMatchObject({ status: 303, location: "/staff/webhooks?queued=1" });
    const jobs = await deliveryJobs(event.id);
    expect(jobs).toHaveLength(before + 1);
    expect(jobs.at(-1)!.key).toContain(`bank-event:${event.id}:redeliver:`);
    const audit = await t.db
      .selectFrom("audit_events")
      .select(["actor_id", "borrower_id", "detail"])
      .where("action", "=", "bank_event.redelivery_requested")
      .where("subject_id", "=", event.id)
      .execute();
    expect(audit).toEqual([
      {
        actor_id: adminId,
        borrower_id: account.borrower_id,
        detail: { type: "plan.broken", jobKey: jobs.at(-1)!.key },
      },
    ]);

    const missing = await outcome(() =>
      hooksAction({
        request: post(
          "/staff/webhooks",
          { intent: "redeliver", eventId: "00000000-0000-4000-8000-000000000000" },
          admin,
        ),
        params: {},
        context: ctx(),
      }),
    );
    expect(missing.status).toBe(404);
    const refused = await outcome(() =>
      hooksAction({
        request: post("/staff/webhooks", { intent: "redeliver", eventId: event.id }, supervisor),
        params: {},
        context: ctx(),
      }),
    );
    expect(refused.status).toBe(403);
    expect(await deliveryJobs(event.id)).toHaveLength(before + 1);
  });
});

describe("API keys page", () => {
  it("creates a key shown once, which then authenticates; the list never shows it again", async () => {
    const o = await outcome(() =>
      keysAction({
        request: post(
          "/staff/api-keys",
          { intent: "create", name: "Core nightly sync", scopes: "payments:write", expiresInDays: "30" },
          admin,
        ),
        params: {},
        context: ctx(),
      }),
    );
    expect(o.status).toBe(200);
    const { created } = o.data as { created: { key: string; prefix: string; name: string } };
    expect(created.key).toMatch(/^sk_settle_[0-9A-Za-z]{8}_[0-9A-Za-z]{32}$/);

    const request = new Request("http://portal.test/api/v1/payments", {
      headers: { Authorization: `Bearer ${created.key}` },
    });
    const principal = await authenticateApiKey(t.db, request, "payments:write", {
      hashKey: bankIntegrationConfig().apiKeyHashKey,
    });
    expect(principal).toMatchObject({
      prefix: created.prefix,
      name: "Core nightly sync",
      scopes: ["payments:write"],
    });

    const row = await t.db
      .selectFrom("api_keys")
      .selectAll()
      .where("prefix", "=", created.prefix)
      .executeTakeFirstOrThrow();
    expect(row.created_by_staff_id).toBe(adminId);
    expect(row.expires_at!.getTime()).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    const list = await outcome(() =>
      keysLoader({ request: get("/staff/api-keys", admin), params: {}, context: ctx() }),
    );
    expect(JSON.stringify(list.data)).not.toContain(created.key);
    expect((list.data as { keys: ApiKeyRow[] }).keys.find((k) => k.prefix === created.prefix)).toMatchObject({
      state: "live",
      scopes: ["payments:write"],
      createdBy: "Test admin",
    });
    const audit = await t.db
      .selectFrom("audit_events")
      .select(["actor_id", "detail"])
      .where("action", "=", "api_key.created")
      .where("subject_id", "=", row.id)
      .executeTakeFirstOrThrow();
    expect(audit.actor_id).toBe(adminId);
    expect(JSON.stringify(audit.detail)).not.toContain(created.key);
  });

  it("refuses a key without a name or scope, creating nothing", async () => {
    const count = async () => (await t.db.selectFrom("api_keys").select("id").execute()).length;
    const before = await count();
    const o = await outcome(() =>
      keysAction({
        request: post("/staff/api-keys", { intent: "create", name: " ", expiresInDays: "0" }, admin),
        params: {},
        context: ctx(),
      }),
    );
    expect(o.status).toBe(400);
    expect((o.data as { result: { error: Record<string, string[]> } }).result.error).toEqual({
      name: ["console:apiKeys.errors.name"],
      scopes: ["console:apiKeys.errors.scopes"],
      expiresInDays: ["console:apiKeys.errors.expires"],
    });
    expect(await count()).toBe(before);
  });

  it("revokes a key at once (audited); revoking again says it is not live; non-admins are refused", async () => {
    const o = await outcome(() =>
      keysAction({
        request: post(
          "/staff/api-keys",
          { intent: "create", name: "To revoke", scopes: "accounts:write" },
          admin,
        ),
        params: {},
        context: ctx(),
      }),
    );
    const { created } = o.data as { created: { key: string; prefix: string } };
    expect(
      (
        await outcome(() =>
          keysAction({
            request: post("/staff/api-keys", { intent: "revoke", prefix: created.prefix }, supervisor),
            params: {},
            context: ctx(),
          }),
        )
      ).status,
    ).toBe(403);

    const revoked = await outcome(() =>
      keysAction({
        request: post("/staff/api-keys", { intent: "revoke", prefix: created.prefix }, admin),
        params: {},
        context: ctx(),
      }),
    );
    expect(revoked).toMatchObject({ status: 303, location: `/staff/api-keys?revoked=${created.prefix}` });
    const request = new Request("http://portal.test/api/v1/accounts/bulk", {
      headers: { Authorization: `Bearer ${created.key}` },
    });
    await expect(
      authenticateApiKey(t.db, request, "accounts:write", { hashKey: bankIntegrationConfig().apiKeyHashKey }),
    ).rejects.toMatchObject({ status: 401, code: "api_key_revoked" });
    const audit = await t.db
      .selectFrom("audit_events")
      .select("actor_id")
      .where("action", "=", "api_key.revoked")
      .execute();
    expect(audit.map((a) => a.actor_id)).toContain(adminId);

    const again = await outcome(() =>
      keysAction({
        request: post("/staff/api-keys", { intent: "revoke", prefix: created.prefix }, admin),
        params: {},
        context: ctx(),
      }),
    );
    expect(again).toMatchObject({ status: 409, data: { error: "console:apiKeys.errors.notLive" } });
  });
});
