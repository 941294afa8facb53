import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { apiRequest, callRoute, createTestApiKey } from "../support/api";
import { insertAccount, insertPayment } from "../support/builders";
import { syntheticRecord, syntheticRecords } from "../support/synthetic-import";
import { config } from "../../app/platform/config.server";
import { hashVerificationAnswer } from "../../app/borrower/verification-answers.server";
import { createShortLink } from "../../app/messaging/short-links.server";
import { pendingPaymentsMinor } from "../../app/borrower/overview.server";
import * as bulk from "../../app/routes/api.v1.accounts.bulk";
import * as balance from "../../app/routes/api.v1.accounts.$ref.balance";
import * as openapi from "../../app/routes/api.v1.openapi[.]json";
import * as notFound from "../../app/routes/api.v1.$";
import { accountRecordSchema } from "../../app/bank/account-record.server";

let t: TestDatabase;
let key: string;
beforeAll(async () => {
  t = await createTestDatabase();
  key = (await createTestApiKey(t.db, ["accounts:write"])).key;
});
afterAll(async () => {
  await t.destroy();
});

const prefix = () => `T${randomBytes(4).toString("hex")}`;
const post = (body: unknown, opts: { contentType?: string; raw?: string } = {}) =>
  callRoute(
    bulk.action,
    t.db,
    opts.raw !== undefined
      ? apiRequest("/api/v1/accounts/bulk", {
          key,
          body: opts.raw,
          contentType: opts.contentType ?? "application/json",
        })
      : apiRequest("/api/v1/accounts/bulk", { key, json: body }),
  );

async function counts() {
  const row = await sql<{ borrowers: number; accounts: number }>`
    select (select count(*) from borrowers)::int as borrowers, (select count(*) from accounts)::int as accounts
  `.execute(t.db);
  return row.rows[0]!;
}

async function accountByRef(ref: string) {
  return t.db.selectFrom("accounts").selectAll().where("external_ref", "=", ref).executeTakeFirst();
}

describe("POST /api/v1/accounts/bulk", () => {
  it("writes new borrowers and accounts with hashed answers and E.164 phones", async () => {
    const p = prefix();
    const record = {
      ...syntheticRecord(0, { prefix: p }),
      phone: "+852 9123 4567",
      dob: "1985-03-14",
      id_last4: "123a",
    };
    const res = await post([record]);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ received: 1, created: 1, updated: 0, unchanged: 0, rejected: 0, errors: [] });
    const borrower = await t.db
      .selectFrom("borrowers")
      .selectAll()
      .where("external_ref", "=", `${p}-B0`)
      .executeTakeFirstOrThrow();
    expect(borrower.phone_e164).toBe("+85291234567");
    expect(borrower.dob_hash).toBe(hashVerificationAnswer("dob", "1985-03-14", config().verificationHashKey));
    expect(borrower.id_last4_hash).toBe(
      hashVerificationAnswer("id_last4", "123A", config().verificationHashKey),
    );
    expect(JSON.stringify(borrower)).not.toContain("1985");
    const account = await accountByRef(`${p}-A0`);
    expect(account).toMatchObject({
      borrower_id: borrower.id,
      balance_minor: record.balance_minor,
      currency: "HKD",
      status: record.status,
    });
  });

  it("stores awkward text exactly (quotes, backslashes, commas, braces, the word NULL)", async () => {
    const p = prefix();
    const awkward = 'O\'Brien "Bob", {x} \\ NULL 陳';
    const res = await post([
      { ...syntheticRecord(0, { prefix: p }), full_name: awkward },
      { ...syntheticRecord(1, { prefix: p }), full_name: "NULL" },
    ]);
    expect(res.body).toMatchObject({ created: 2, rejected: 0 });
    const borrower = await t.db
      .selectFrom("borrowers")
      .select("full_name")
      .where("external_ref", "=", `${p}-B0`)
      .executeTakeFirstOrThrow();
    // Rows 0 and 1 share borrower B0: the later record's name wins.
    expect(borrower.full_name).toBe("NULL");
    await post([{ ...syntheticRecord(2, { prefix: p }), full_name: awkward }]);
    const other = await t.db
      .selectFrom("borrowers")
      .select("full_name")
      .where("external_ref", "=", `${p}-B1`)
      .executeTakeFirstOrThrow();
    expect(other.full_name).toBe(awkward);
  });

  it("an invalid payload gets 400 with every record's field paths and writes nothing", async () => {
    const before = await counts();
    const bad = [
      { ...syntheticRecord(0, { prefix: prefix() }), phone: "12345", balance_minor: -1 },
      {
        ...syntheticRecord(1, { prefix: prefix() }),
        time_zone: "Hong Kong",
        currency: "hkd",
        surprise: true,
      },
      { account_ref: "only-a-ref" },
      "not an object",
    ];
    const res = await post(bad);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("validation_failed");
    const errors = res.body.error.details.errors as { index: number; issues: { path: string }[] }[];
    expect(errors.map((e) => e.index)).toEqual([0, 1, 2, 3]);
    expect(errors[0]!.issues.map((i) => i.path).sort()).toEqual(["balance_minor", "phone"]);
    expect(errors[1]!.issues.map((i) => i.path).sort()).toEqual(
      ["", "currency", "time_zone"].map((p) => p || "(record)").sort(),
    );
    expect(errors[2]!.issues.map((i) => i.path)).toEqual(
      expect.arrayContaining(["borrower_ref", "full_name", "phone", "balance_minor", "status"]),
    );
    expect(await counts()).toEqual(before);
  });

  it("an unparseable body is a 400 and writes nothing (JSON and NDJSON)", async () => {
    const before = await counts();
    const good = JSON.stringify(syntheticRecord(0, { prefix: prefix() }));
    const json = await post(null, { raw: `[${good},` });
    expect(json.status).toBe(400);
    expect(json.body.error.code).toBe("invalid_json");
    const ndjson = await post(null, { raw: `${good}\n{"broken": \n`, contentType: "application/x-ndjson" });
    expect(ndjson.status).toBe(400);
    expect(ndjson.body.error).toMatchObject({ code: "invalid_ndjson", details: { lines: [{ line: 2 }] } });
    const notArray = await post({ records: [] });
    expect(notArray.status).toBe(400);
    expect(await counts()).toEqual(before);
  });

  it("a mixed batch writes the valid records and reports the invalid ones by index, writing none of them", async () => {
    const p = prefix();
    const records = syntheticRecords({ count: 6, prefix: p });
    records[1] = { ...records[1], borrower_ref: `${p}-LONER`, email: "not-an-email" };
    records[4] = { ...records[4], due_date: "2026-13-01" };
    const res = await post(records);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ received: 6, created: 4, updated: 0, unchanged: 0, rejected: 2 });
    expect(res.body.errors).toEqual([
      { index: 1, account_ref: `${p}-A1`, issues: [{ path: "email", message: expect.any(String) }] },
      { index: 4, account_ref: `${p}-A4`, issues: [{ path: "due_date", message: expect.any(String) }] },
    ]);
    for (const i of [0, 2, 3, 5]) expect(await accountByRef(`${p}-A${i}`)).toBeDefined();
    expect(await accountByRef(`${p}-A1`)).toBeUndefined();
    expect(await accountByRef(`${p}-A4`)).toBeUndefined();
    // The invalid record's borrower is not written either.
    expect(
      await t.db
        .selectFrom("borrowers")
        .select("id")
        .where("external_ref", "=", `${p}-LONER`)
        .executeTakeFirst(),
    ).toBeUndefined();
  });

  it("re-sending the same batch changes nothing", async () => {
    const p = prefix();
    const records = syntheticRecords({ count: 20, prefix: p, balanceAsOf: "2026-01-05T00:00:00.000Z" });
    const first = await post(records);
    expect(first.body).toMatchObject({ created: 20, updated: 0, rejected: 0 });
    const snapshot = async () =>
      t.db
        .selectFrom("accounts")
        .selectAll()
        .where("external_ref", "like", `${p}-%`)
        .orderBy("external_ref")
        .execute();
    const borrowersSnapshot = async () =>
      t.db
        .selectFrom("borrowers")
        .selectAll()
        .where("external_ref", "like", `${p}-%`)
        .orderBy("external_ref")
        .execute();
    const [accountsBefore, borrowersBefore, before] = [
      await snapshot(),
      await borrowersSnapshot(),
      await counts(),
    ];
    const second = await post(records);
    expect(second.body).toEqual({
      received: 20,
      created: 0,
      updated: 0,
      unchanged: 20,
      rejected: 0,
      errors: [],
    });
    expect(await snapshot()).toEqual(accountsBefore);
    expect(await borrowersSnapshot()).toEqual(borrowersBefore);
    expect(await counts()).toEqual(before);
  });

  it("NDJSON works the same way, with indexes counting non-blank lines", async () => {
    const p = prefix();
    const records = syntheticRecords({ count: 3, prefix: p });
    records[2] = { ...records[2], last4: "12" };
    const body = `${JSON.stringify(records[0])}\n\n${JSON.stringify(records[1])}\r\n${JSON.stringify(records[2])}\n`;
    const res = await post(null, { raw: body, contentType: "application/x-ndjson" });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      created: 2,
      rejected: 1,
      errors: [{ index: 2, issues: [{ path: "last4" }] }],
    });
  });

  it("updates in place, keeps answers that are not re-sent, and ignores records older than what it holds", async () => {
    const p = prefix();
    const base = { ...syntheticRecord(0, { prefix: p }), balance_as_of: "2026-03-01T00:00:00Z" };
    await post([base]);
    const before = await t.db
      .selectFrom("borrowers")
      .selectAll()
      .where("external_ref", "=", `${p}-B0`)
      .executeTakeFirstOrThrow();
    const { dob: _dob, id_last4: _id, ...withoutAnswers } = base;
    const newer = {
      ...withoutAnswers,
      id_last4: "9999",
      balance_minor: 1234,
      full_name: "New Name",
      balance_as_of: "2026-03-02T00:00:00Z",
    };
    const res = await post([newer]);
    expect(res.body).toMatchObject({ updated: 1, created: 0 });
    const after = await t.db
      .selectFrom("borrowers")
      .selectAll()
      .where("external_ref", "=", `${p}-B0`)
      .executeTakeFirstOrThrow();
    expect(after.full_name).toBe("New Name");
    expect(after.dob_hash).toBe(before.dob_hash);
    expect(after.id_last4_hash).toBe(
      hashVerificationAnswer("id_last4", "9999", config().verificationHashKey),
    );
    expect((await accountByRef(`${p}-A0`))!.balance_minor).toBe(1234);

    const stale = await post([{ ...newer, balance_minor: 1, balance_as_of: "2026-03-01T12:00:00Z" }]);
    expect(stale.body).toMatchObject({ updated: 0, unchanged: 1 });
    expect((await accountByRef(`${p}-A0`))!.balance_minor).toBe(1234);
  });

  it("within one request the latest record per account wins", async () => {
    const p = prefix();
    const r = syntheticRecord(0, { prefix: p });
    const res = await post([
      { ...r, balance_minor: 300, balance_as_of: "2026-04-03T00:00:00Z" },
      { ...r, balance_minor: 100, balance_as_of: "2026-04-01T00:00:00Z" },
      { ...r, balance_minor: 301, balance_as_of: "2026-04-03T00:00:00Z" },
    ]);
    expect(res.body).toMatchObject({ received: 3, created: 1, unchanged: 2, rejected: 0 });
    expect((await accountByRef(`${p}-A0`))!.balance_minor).toBe(301);
  });

  it("refuses to move an account to another borrower", async () => {
    const p = prefix();
    const r = syntheticRecord(0, { prefix: p });
    await post([r]);
    const res = await post([
      { ...r, borrower_ref: `${p}-SOMEONE-ELSE`, balance_minor: 5 },
      syntheticRecord(2, { prefix: p }),
    ]);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      created: 1,
      rejected: 1,
      errors: [{ index: 0, issues: [{ path: "borrower_ref" }] }],
    });
    expect(
      await t.db
        .selectFrom("borrowers")
        .select("id")
        .where("external_ref", "=", `${p}-SOMEONE-ELSE`)
        .executeTakeFirst(),
    ).toBeUndefined();
    expect((await accountByRef(`${p}-A0`))!.balance_minor).toBe(r.balance_minor);
  });

  it("a balance that moves forward confirms the portal payments it includes; later ones stay pending", async () => {
    const p = prefix();
    const record = { ...syntheticRecord(0, { prefix: p }), balance_as_of: "2026-05-01T00:00:00Z" };
    await post([record]);
    const account = (await accountByRef(`${p}-A0`))!;
    const early = await insertPayment(t.db, account, {
      status: "succeeded",
      amount_minor: 1_000,
      succeeded_at: new Date("2026-05-02T10:00:00Z"),
    });
    const late = await insertPayment(t.db, account, {
      status: "succeeded",
      amount_minor: 2_000,
      succeeded_at: new Date("2026-05-04T10:00:00Z"),
    });
    const scope = { accountId: account.id, borrowerId: account.borrower_id };
    expect(await pendingPaymentsMinor(t.db, { ...scope, since: new Date("2026-05-01T00:00:00Z") })).toBe(
      3_000,
    );

    const res = await post([
      {
        ...record,
        balance_minor: Number(record.balance_minor) - 1_000,
        balance_as_of: "2026-05-03T00:00:00Z",
      },
    ]);
    expect(res.body).toMatchObject({ updated: 1 });
    const moved = (await accountByRef(`${p}-A0`))!;
    expect(moved.balance_as_of.toISOString()).toBe("2026-05-03T00:00:00.000Z");
    const rows = await t.db
      .selectFrom("payments")
      .select(["id", "bank_confirmed_at"])
      .where("account_id", "=", account.id)
      .execute();
    expect(rows.find((r) => r.id === early.id)!.bank_confirmed_at).toBeInstanceOf(Date);
    expect(rows.find((r) => r.id === late.id)!.bank_confirmed_at).toBeNull();
    expect(await pendingPaymentsMinor(t.db, { ...scope, since: moved.balance_as_of })).toBe(2_000);
  });

  it("closing an account revokes its links", async () => {
    const p = prefix();
    const record = syntheticRecord(0, { prefix: p });
    await post([record]);
    const account = (await accountByRef(`${p}-A0`))!;
    const link = await createShortLink(t.db, {
      accountId: account.id,
      keys: config().linkSigningKeys,
      baseUrl: "http://portal.test",
    });
    await post([{ ...record, status: "closed", balance_minor: 0 }]);
    const row = await t.db
      .selectFrom("short_links")
      .selectAll()
      .where("id", "=", link.id)
      .executeTakeFirstOrThrow();
    expect(row.revoked_at).toBeInstanceOf(Date);
    expect(row.revoked_reason).toBe("account_closed");
  });

  it("refuses more than 10,000 records and bodies over the size limit with 413, writing nothing", async () => {
    const before = await counts();
    const many = Array.from({ length: 10_001 }, (_, i) => ({ account_ref: `X${i}` }));
    const tooMany = await post(many);
    expect(tooMany.status).toBe(413);
    expect(tooMany.body.error.code).toBe("too_many_records");

    const huge = `[${JSON.stringify(syntheticRecord(0, { prefix: prefix() }))}${" ".repeat(11 * 1024 * 1024)}]`;
    const declared = await post(null, { raw: huge });
    expect(declared.status).toBe(413);
    expect(declared.body.error.code).toBe("payload_too_large");
    // Streamed without a Content-Length: counted as it arrives.
    const encoder = new TextEncoder();
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 12; i++) controller.enqueue(encoder.encode(" ".repeat(1024 * 1024)));
        controller.close();
      },
    });
    const chunked = await callRoute(
      bulk.action,
      t.db,
      new Request("http://portal.test/api/v1/accounts/bulk", {
        method: "POST",
        headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
        body: stream,
        duplex: "half",
      } as RequestInit),
    );
    expect(chunked.status).toBe(413);
    expect(await counts()).toEqual(before);
  });

  it("refuses other content types with 415", async () => {
    const res = await post(null, { raw: "a,b\n1,2", contentType: "text/csv" });
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe("unsupported_media_type");
  });
});

describe("POST /api/v1/accounts/{ref}/balance", () => {
  const postBalance = (ref: string, json: unknown) =>
    callRoute(balance.action, t.db, apiRequest(`/api/v1/accounts/${ref}/balance`, { key, json }), { ref });

  it("updates the balance, keeps omitted fields, is idempotent, and ignores stale updates", async () => {
    const account = await insertAccount(t.db, {
      balance_as_of: new Date("2026-06-01T00:00:00Z"),
      overdue_minor: 7_000,
      dpd: 9,
    });
    const paid = await insertPayment(t.db, account, {
      status: "succeeded",
      succeeded_at: new Date("2026-06-01T12:00:00Z"),
    });
    const update = { balance_minor: 400_000, balance_as_of: "2026-06-02T00:00:00Z" };
    const res = await postBalance(account.external_ref, update);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      account_ref: account.external_ref,
      result: "updated",
      balance_as_of: "2026-06-02T00:00:00.000Z",
      payments_confirmed: 1,
    });
    const row = (await accountByRef(account.external_ref))!;
    expect(row).toMatchObject({ balance_minor: 400_000, overdue_minor: 7_000, dpd: 9 });
    const payment = await t.db
      .selectFrom("payments")
      .select("bank_confirmed_at")
      .where("id", "=", paid.id)
      .executeTakeFirstOrThrow();
    expect(payment.bank_confirmed_at).toBeInstanceOf(Date);

    expect((await postBalance(account.external_ref, update)).body.result).toBe("unchanged");
    const stale = await postBalance(account.external_ref, {
      balance_minor: 1,
      balance_as_of: "2026-06-01T06:00:00Z",
    });
    expect(stale.body.result).toBe("stale");
    expect((await accountByRef(account.external_ref))!.balance_minor).toBe(400_000);
  });

  it("400 with field paths for a bad body, 404 for an unknown account", async () => {
    const account = await insertAccount(t.db);
    const bad = await postBalance(account.external_ref, {
      balance_minor: 1.5,
      overdue_minor: -2,
      due_date: "tomorrow",
      extra: 1,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.issues.map((i: { path: string }) => i.path).sort()).toEqual([
      "(body)",
      "balance_minor",
      "due_date",
      "overdue_minor",
    ]);
    const future = await postBalance(account.external_ref, {
      balance_minor: 1,
      balance_as_of: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect(future.status).toBe(400);
    const missing = await postBalance("NO-SUCH-ACCOUNT", { balance_minor: 1 });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("account_not_found");
  });
});

describe("GET /api/v1/openapi.json and unknown paths", () => {
  it("publishes the contract generated from the same schemas", async () => {
    const res = await callRoute(
      openapi.loader as never,
      t.db,
      apiRequest("/api/v1/openapi.json", { method: "GET" }),
    );
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining(["/api/v1/accounts/bulk", "/api/v1/accounts/{ref}/balance", "/api/v1/payments"]),
    );
    const schema = res.body.components.schemas.AccountRecord;
    const shape = accountRecordSchema._def.schema.shape;
    expect(Object.keys(schema.properties).sort()).toEqual(Object.keys(shape).sort());
    const required = Object.entries(shape)
      .filter(([, s]) => !s.isOptional())
      .map(([k]) => k);
    expect([...schema.required].sort()).toEqual(required.sort());
    expect(res.body.webhooks.bankEvent).toBeDefined();
  });

  it("answers unknown API paths with a JSON 404", async () => {
    const res = await callRoute(
      notFound.loader as never,
      t.db,
      apiRequest("/api/v1/nope", { method: "GET" }),
    );
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("not_found");
  });
});

describe("API errors when the database is unreachable", () => {
  it("answers a JSON 503 with Retry-After, not a 500", async () => {
    const { connectDatabase } = await import("../../db/connection");
    // A pool pointed at a port nothing listens on: every query fails to connect.
    const down = connectDatabase("postgres://settle:settle@127.0.0.1:1/none", { max: 1 });
    try {
      const res = await callRoute(
        bulk.action,
        down.db,
        apiRequest("/api/v1/accounts/bulk", { key, json: [syntheticRecord(0, { prefix: prefix() })] }),
      );
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe("service_unavailable");
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    } finally {
      await down.close();
    }
  });
});
