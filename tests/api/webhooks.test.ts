import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { Logger, runOnce } from "graphile-worker";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { insertAccount } from "../support/builders";
import { emitBankEvent } from "../../app/platform/bank-events.server";
import {
  bankEventBody,
  createBankEventDeliveryTask,
  deliverBankEvent,
  DELIVER_TASK,
  redeliverBankEvent,
  verifyWebhookSignature,
  type WebhookTarget,
} from "../../app/bank/webhook-delivery.server";
import { signatureHeader } from "../../app/bank/webhook-signature.server";
import { parseCommandLine } from "../../app/cli/settle";
import { createTaskList } from "../../app/worker/tasks.server";

const SECRET = "whsec-test-0123456789-0123456789-0123456789";

/** A stand-in for the bank: verifies every signature and answers from a script (then 200). */
class BankReceiver {
  server!: Server;
  url = "";
  received: { headers: IncomingHttpHeaders; body: string; signatureOk: boolean }[] = [];
  script: (number | "hang")[] = [];

  async start() {
    this.server = createServer((req, res) => {
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        const signatureOk = verifyWebhookSignature(SECRET, req.headers["settle-signature"] as string, body);
        this.received.push({ headers: req.headers, body, signatureOk });
        const next = this.script.shift() ?? 200;
        if (next === "hang") return; // never answers: the sender must time out
        res.writeHead(next, { "Content-Type": "text/plain" }).end(next === 200 ? "ok" : "nope");
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    const address = this.server.address();
    this.url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/settle-events`;
  }
  async stop() {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

let t: TestDatabase;
const bank = new BankReceiver();
let target: WebhookTarget;
const quiet = new Logger(() => () => {});

beforeAll(async () => {
  t = await createTestDatabase();
  await bank.start();
  target = { url: bank.url, secret: SECRET, timeoutMs: 2_000 };
});
afterAll(async () => {
  await bank.stop();
  await t.destroy();
});

async function emitEvent() {
  const account = await insertAccount(t.db);
  const eventId = await t.db.transaction().execute((trx) =>
    emitBankEvent(trx, {
      type: "promise.made",
      accountId: account.id,
      borrowerId: account.borrower_id,
      payload: { amountMinor: 5_000, promisedDate: "2026-12-01" },
    }),
  );
  return { account, eventId };
}

/** Runs every job that is due, with the delivery task pointed at the local receiver. */
async function runDueJobs() {
  await runOnce({
    pgPool: t.pool,
    logger: quiet,
    taskList: { [DELIVER_TASK]: createBankEventDeliveryTask(t.db, { target }) },
  });
}

/** graphile-worker records failures in batches, possibly just after runOnce returns: wait until it has. */
async function failedJob(eventId: string, attempts: number) {
  for (let i = 0; ; i++) {
    const job = await sql<{
      attempts: number;
      max_attempts: number;
      run_at: Date;
      last_error: string | null;
      locked_by: string | null;
    }>`
      select attempts, max_attempts, run_at, last_error, locked_by from graphile_worker._private_jobs where payload->>'eventId' = ${eventId}
    `.execute(t.db);
    const row = job.rows[0];
    if (row && row.attempts === attempts && row.locked_by === null && row.last_error) return row;
    if (i > 100)
      throw new Error(`job for ${eventId} never recorded failure ${attempts}: ${JSON.stringify(row)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Skip graphile-worker's backoff wait: make the event's failed job due now. */
async function makeRetryDue(eventId: string, attempts: number) {
  await failedJob(eventId, attempts);
  await sql`update graphile_worker._private_jobs set run_at = now() where payload->>'eventId' = ${eventId}`.execute(
    t.db,
  );
}

async function deliveries(eventId: string) {
  return t.db
    .selectFrom("webhook_deliveries")
    .selectAll()
    .where("event_id", "=", eventId)
    .orderBy("attempt")
    .execute();
}

describe("bank webhooks", () => {
  it("signs each delivery, records every attempt, and is retried by graphile-worker after a 500 until it succeeds", async () => {
    const { account, eventId } = await emitEvent();
    bank.received = [];
    bank.script = [500, 503];

    await runDueJobs();
    const job = await failedJob(eventId, 1);
    expect(job).toMatchObject({ attempts: 1, max_attempts: 12 });
    expect(job.run_at.getTime()).toBeGreaterThan(Date.now()); // backoff scheduled
    expect(job.last_error).toContain("HTTP 500");

    await makeRetryDue(eventId, 1);
    await runDueJobs();
    await makeRetryDue(eventId, 2);
    await runDueJobs();

    expect(bank.received).toHaveLength(3);
    expect(bank.received.every((r) => r.signatureOk)).toBe(true);
    expect(new Set(bank.received.map((r) => r.headers["settle-event-id"]))).toEqual(new Set([eventId]));
    expect(new Set(bank.received.map((r) => r.body)).size).toBe(1); // identical bytes on every attempt
    const body = JSON.parse(bank.received[0]!.body);
    expect(body).toEqual({
      id: eventId,
      type: "promise.made",
      created_at: expect.any(String),
      data: {
        amountMinor: 5_000,
        promisedDate: "2026-12-01",
        account_ref: account.external_ref,
        borrower_ref: expect.any(String),
      },
    });
    expect(bank.received[0]!.headers["settle-event-type"]).toBe("promise.made");

    const rows = await deliveries(eventId);
    expect(rows.map((r) => [r.attempt, r.status_code, r.ok])).toEqual([
      [1, 500, false],
      [2, 503, false],
      [3, 200, true],
    ]);
    expect(rows[0]!.error).toBe("HTTP 500");
    expect(rows[0]!.next_attempt_at!.getTime()).toBeGreaterThan(rows[0]!.attempted_at.getTime());
    expect(rows[2]!.next_attempt_at).toBeNull();
    expect(rows.every((r) => r.endpoint_url === bank.url)).toBe(true);
    // Succeeded: the job is gone (completions are batched too, so allow it a moment).
    let left = 1;
    for (let i = 0; i < 100 && left > 0; i++) {
      left = (
        await sql`select 1 from graphile_worker._private_jobs where payload->>'eventId' = ${eventId}`.execute(
          t.db,
        )
      ).rows.length;
      if (left > 0) await new Promise((r) => setTimeout(r, 20));
    }
    expect(left).toBe(0);
  });

  it("re-delivery queues a fresh job; attempt numbers continue", async () => {
    const { eventId } = await emitEvent();
    bank.received = [];
    bank.script = [];
    await runDueJobs();
    expect(await redeliverBankEvent(t.db, eventId)).toMatchObject({
      jobKey: expect.stringContaining(eventId),
    });
    await runDueJobs();
    expect(bank.received).toHaveLength(2);
    expect((await deliveries(eventId)).map((r) => [r.attempt, r.ok])).toEqual([
      [1, true],
      [2, true],
    ]);
    expect(await redeliverBankEvent(t.db, "00000000-0000-4000-8000-000000000000")).toBeNull();
    expect(await redeliverBankEvent(t.db, "not-a-uuid")).toBeNull();
    expect(parseCommandLine(["webhook:redeliver", "--event", eventId]).args).toEqual({ event: eventId });
    expect(() => parseCommandLine(["webhook:redeliver", "--event", "42"])).toThrow(/UUID/);
  });

  it("a receiver that does not answer in time counts as a failed attempt (thrown, so it is retried)", async () => {
    const { eventId } = await emitEvent();
    bank.script = ["hang"];
    await expect(
      deliverBankEvent(
        t.db,
        eventId,
        { attempts: 1, maxAttempts: 12 },
        { target: { ...target, timeoutMs: 200 } },
      ),
    ).rejects.toThrow(/timed out/);
    const [row] = await deliveries(eventId);
    expect(row).toMatchObject({ attempt: 1, ok: false, status_code: null, error: "timed out after 200 ms" });
    // On the last attempt there is no next one.
    bank.script = [500];
    await expect(
      deliverBankEvent(t.db, eventId, { attempts: 12, maxAttempts: 12 }, { target }),
    ).rejects.toThrow(/HTTP 500/);
    expect((await deliveries(eventId))[1]).toMatchObject({ attempt: 2, next_attempt_at: null });
  });

  it("is registered with the worker under the name emitBankEvent enqueues", () => {
    expect(Object.keys(createTaskList(t.db))).toContain(DELIVER_TASK);
    expect(DELIVER_TASK).toBe("bank-event:deliver");
  });

  it("without BANK_WEBHOOK_URL the job completes and records nothing", async () => {
    const { eventId } = await emitEvent();
    const outcome = await deliverBankEvent(
      t.db,
      eventId,
      { attempts: 1, maxAttempts: 12 },
      { target: { ...target, url: null } },
    );
    expect(outcome).toEqual({ status: "no_endpoint" });
    expect(await deliveries(eventId)).toHaveLength(0);
  });
});

describe("verifyWebhookSignature (the bank's side)", () => {
  const now = new Date("2026-11-23T10:00:00Z");
  const body = '{"id":"e1","type":"payment.succeeded"}';

  it("accepts the signature Settle sends and refuses tampering, wrong secrets and replays", () => {
    const header = signatureHeader(SECRET, body, now);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(SECRET, header, body, { now })).toBe(true);
    expect(verifyWebhookSignature(SECRET, header, body.replace("e1", "e2"), { now })).toBe(false);
    expect(verifyWebhookSignature(`${SECRET}x`, header, body, { now })).toBe(false);
    expect(verifyWebhookSignature(SECRET, header, body, { now: new Date(now.getTime() + 301_000) })).toBe(
      false,
    );
    expect(verifyWebhookSignature(SECRET, header, body, { now: new Date(now.getTime() + 299_000) })).toBe(
      true,
    );
    expect(
      verifyWebhookSignature(SECRET, header, body, {
        now: new Date(now.getTime() + 3_600_000),
        toleranceSec: 7_200,
      }),
    ).toBe(true);
    expect(verifyWebhookSignature(SECRET, undefined, body, { now })).toBe(false);
    expect(verifyWebhookSignature(SECRET, "t=abc,v1=zz", body, { now })).toBe(false);
  });

  it("accepts any one valid v1 among several (secret rotation)", () => {
    const good = signatureHeader(SECRET, body, now);
    const other = signatureHeader("another-secret-another-secret-another", body, now).split(",")[1];
    expect(verifyWebhookSignature(SECRET, `${good},${other}`, body, { now })).toBe(true);
    expect(verifyWebhookSignature(SECRET, `${good.split(",")[0]},${other}`, body, { now })).toBe(false);
  });

  it("the event body is stable and carries the bank's refs", async () => {
    const { account, eventId } = await emitEvent();
    const a = await bankEventBody(t.db, eventId);
    const b = await bankEventBody(t.db, eventId);
    expect(a).toEqual(b);
    expect(JSON.parse(a!.body).data.account_ref).toBe(account.external_ref);
  });
});
