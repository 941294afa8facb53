import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { apiRequest, callRoute, createTestApiKey } from "../support/api";
import { insertAccount } from "../support/builders";
import * as payments from "../../app/routes/api.v1.payments";

let t: TestDatabase;
let key: string;
beforeAll(async () => {
  t = await createTestDatabase();
  key = (await createTestApiKey(t.db, ["payments:write"])).key;
});
afterAll(async () => {
  await t.destroy();
});

const ref = () => `PAY-${randomBytes(5).toString("hex")}`;
const postPayment = (json: unknown) =>
  callRoute(payments.action, t.db, apiRequest("/api/v1/payments", { key, json }));

describe("POST /api/v1/payments (offline payments)", () => {
  it("is applied once when posted twice", async () => {
    const account = await insertAccount(t.db, { currency: "HKD" });
    const body = {
      external_ref: ref(),
      account_ref: account.external_ref,
      amount_minor: 12_345,
      currency: "HKD",
      source: "offline_branch",
    };
    const first = await postPayment(body);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      external_ref: body.external_ref,
      applied: true,
      payment_id: expect.any(String),
    });
    const second = await postPayment(body);
    expect(second.status).toBe(200);
    expect(second.body).toEqual({
      payment_id: first.body.payment_id,
      external_ref: body.external_ref,
      applied: false,
    });

    const rows = await t.db.selectFrom("payments").selectAll().where("account_id", "=", account.id).execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      id: first.body.payment_id,
      source: "offline_branch",
      status: "succeeded",
      amount_minor: 12_345,
      external_ref: body.external_ref,
      idempotency_key: `offline:${body.external_ref}`,
    });
    const events = await t.db
      .selectFrom("bank_events")
      .select("type")
      .where("account_id", "=", account.id)
      .execute();
    expect(events).toEqual([{ type: "payment.succeeded" }]);
  });

  it("posted concurrently, it is still applied once", async () => {
    const account = await insertAccount(t.db, { currency: "HKD" });
    const body = {
      external_ref: ref(),
      account_ref: account.external_ref,
      amount_minor: 500,
      currency: "HKD",
      source: "offline_transfer",
    };
    const results = await Promise.all([postPayment(body), postPayment(body), postPayment(body)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 201]);
    expect(new Set(results.map((r) => r.body.payment_id)).size).toBe(1);
    const rows = await t.db
      .selectFrom("payments")
      .select("id")
      .where("account_id", "=", account.id)
      .execute();
    expect(rows).toHaveLength(1);
  });

  it("the same reference with a different amount is a 409 and changes nothing", async () => {
    const account = await insertAccount(t.db, { currency: "HKD" });
    const body = {
      external_ref: ref(),
      account_ref: account.external_ref,
      amount_minor: 1_000,
      currency: "HKD",
      source: "offline_transfer",
    };
    expect((await postPayment(body)).status).toBe(201);
    const conflict = await postPayment({ ...body, amount_minor: 2_000 });
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.code).toBe("payment_conflict");
    const rows = await t.db
      .selectFrom("payments")
      .select("amount_minor")
      .where("account_id", "=", account.id)
      .execute();
    expect(rows).toEqual([{ amount_minor: 1_000 }]);
  });

  it("validates: 400 with field paths, 404 unknown account, 422 wrong currency; nothing written", async () => {
    const account = await insertAccount(t.db, { currency: "HKD" });
    const bad = await postPayment({
      external_ref: "has space",
      account_ref: account.external_ref,
      amount_minor: 0,
      currency: "HKD",
      source: "cash",
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.issues.map((i: { path: string }) => i.path).sort()).toEqual([
      "amount_minor",
      "external_ref",
      "source",
    ]);
    const unknown = await postPayment({
      external_ref: ref(),
      account_ref: "NOPE",
      amount_minor: 1,
      currency: "HKD",
      source: "offline_branch",
    });
    expect(unknown.status).toBe(404);
    const currency = await postPayment({
      external_ref: ref(),
      account_ref: account.external_ref,
      amount_minor: 1,
      currency: "CNY",
      source: "offline_branch",
    });
    expect(currency.status).toBe(422);
    expect(currency.body.error).toMatchObject({
      code: "currency_mismatch",
      details: { accountCurrency: "HKD" },
    });
    expect(
      await t.db.selectFrom("payments").select("id").where("account_id", "=", account.id).execute(),
    ).toHaveLength(0);
  });

  it("a payment made before the bank's latest balance is already in it: recorded, confirmed, not subtracted again", async () => {
    const account = await insertAccount(t.db, {
      currency: "HKD",
      balance_as_of: new Date("2026-07-10T00:00:00Z"),
    });
    const before = await postPayment({
      external_ref: ref(),
      account_ref: account.external_ref,
      amount_minor: 700,
      currency: "HKD",
      source: "offline_branch",
      paid_at: "2026-07-09T15:00:00+08:00",
    });
    expect(before.status).toBe(201);
    const row = await t.db
      .selectFrom("payments")
      .selectAll()
      .where("id", "=", before.body.payment_id)
      .executeTakeFirstOrThrow();
    expect(row.succeeded_at!.toISOString()).toBe("2026-07-09T07:00:00.000Z");
    expect(row.bank_confirmed_at).toBeInstanceOf(Date);

    const after = await postPayment({
      external_ref: ref(),
      account_ref: account.external_ref,
      amount_minor: 300,
      currency: "HKD",
      source: "offline_branch",
    });
    const afterRow = await t.db
      .selectFrom("payments")
      .selectAll()
      .where("id", "=", after.body.payment_id)
      .executeTakeFirstOrThrow();
    expect(afterRow.bank_confirmed_at).toBeNull();
  });
});
