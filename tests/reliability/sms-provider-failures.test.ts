import { createServer, type Server } from "node:http";
import type { Runner } from "graphile-worker";
import { sql } from "kysely";
import twilio from "twilio";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dispatchSms } from "../../app/engine/dispatcher.server";
import { createTwilioProvider } from "../../app/messaging/providers/twilio.server";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { insertAccount } from "../support/builders";
import { startTestWorker } from "../support/worker";

/**
 * The SMS provider failing for real: the Twilio SDK over HTTP to a local stub
 * that answers 500 and then 201, or never answers (timeout), with the
 * `sms:send` jobs run by graphile-worker. A 500 is retried with backoff and the
 * text goes out once; a timeout (the provider may have taken it) is parked as
 * failed and never sent again.
 */

type Behaviour = "500-then-201" | "hang";
const hits = new Map<string, number[]>(); // message body -> request times
let behaviour = new Map<string, Behaviour>();
let stub: Server;
let stubBase: string;
let t: TestDatabase;
let runner: Runner;

beforeAll(async () => {
  t = await createTestDatabase();
  stub = createServer((req, res) => {
    let raw = "";
    req.on("data", (c: Buffer) => (raw += c.toString()));
    req.on("end", () => {
      const body = new URLSearchParams(raw).get("Body") ?? "";
      const times = hits.get(body) ?? [];
      times.push(Date.now());
      hits.set(body, times);
      if (behaviour.get(body) === "hang") return; // never answers
      if (times.length === 1) {
        res
          .writeHead(500, { "Content-Type": "application/json" })
          .end(JSON.stringify({ code: 20500, message: "Internal Server Error", status: 500 }));
        return;
      }
      res
        .writeHead(201, { "Content-Type": "application/json" })
        .end(JSON.stringify({ sid: `SM${"0".repeat(31)}${times.length}`, status: "queued" }));
    });
  });
  await new Promise<void>((r) => stub.listen(0, "127.0.0.1", () => r()));
  const address = stub.address();
  stubBase = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;

  // The official SDK, sending to the stub instead of api.twilio.com, with a short timeout.
  class ToStub extends twilio.RequestClient {
    override request<T>(opts: Parameters<twilio.RequestClient["request"]>[0] & { data?: T }) {
      return super.request<T>({
        ...opts,
        uri: opts.uri.replace(/^https:\/\/api\.twilio\.com/, stubBase),
        timeout: 500,
      });
    }
  }
  const client = twilio(`AC${"a".repeat(32)}`, "x".repeat(32), { httpClient: new ToStub({ timeout: 500 }) });
  const provider = createTwilioProvider(
    {
      TWILIO_ACCOUNT_SID: `AC${"a".repeat(32)}`,
      TWILIO_AUTH_TOKEN: "x".repeat(32),
      TWILIO_FROM: "SettleBank",
    },
    { client },
  );
  // The production task body (tasks.server.ts) with this provider.
  runner = await startTestWorker(t.pool, {
    "sms:send": async (payload) =>
      void (await dispatchSms(t.db, provider, (payload as { messageId: string }).messageId)),
  });
});

afterAll(async () => {
  await runner?.stop();
  await new Promise<void>((r) => {
    stub?.closeAllConnections();
    stub?.close(() => r());
  });
  await t?.destroy();
});

async function queue(body: string): Promise<string> {
  const account = await insertAccount(t.db);
  const row = await t.db
    .insertInto("messages")
    .values({
      borrower_id: account.borrower_id,
      account_id: account.id,
      direction: "outbound",
      channel: "sms",
      template_key: "confirmation.promise",
      body,
      to_address: "+85291234567",
      provider: "twilio",
      status: "queued",
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await sql`select graphile_worker.add_job('sms:send', json_build_object('messageId', ${row.id}::text), max_attempts := 8, job_key := ${`sms:${row.id}`}::text)`.execute(
    t.db,
  );
  return row.id;
}

async function settled(id: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const msg = await t.db
      .selectFrom("messages")
      .select(["status", "provider_message_id"])
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    const job = await sql<{
      n: string;
    }>`select count(*) as n from graphile_worker._private_jobs where key = ${`sms:${id}`}`.execute(t.db);
    if (msg.status !== "queued" && msg.status !== "sending" && Number(job.rows[0]!.n) === 0) return msg;
    if (Date.now() > deadline) throw new Error(`message still ${msg.status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function sentEvents(id: string) {
  return (
    await t.db
      .selectFrom("message_status_events")
      .select("status")
      .where("message_id", "=", id)
      .orderBy("id")
      .execute()
  ).map((e) => e.status);
}

describe("SMS provider failures through the worker", () => {
  it("a 500 is retried with backoff and the text is sent exactly once", { timeout: 30_000 }, async () => {
    behaviour = new Map([["Retry me", "500-then-201"]]);
    const id = await queue("Retry me");
    const msg = await settled(id, 20_000);
    expect(msg.status).toBe("sent");
    const times = hits.get("Retry me")!;
    expect(times).toHaveLength(2);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(2_000); // graphile-worker's exponential backoff, not a hot loop
    expect((await sentEvents(id)).filter((s) => s === "sent")).toHaveLength(1);
    // Running the job again (a duplicate delivery of the job) sends nothing.
    await sql`select graphile_worker.add_job('sms:send', json_build_object('messageId', ${id}::text))`.execute(
      t.db,
    );
    await new Promise((r) => setTimeout(r, 1_000));
    expect(hits.get("Retry me")).toHaveLength(2);
  });

  it("a timeout is parked as failed (in doubt) and never sent again", { timeout: 30_000 }, async () => {
    behaviour = new Map([["Hang up", "hang"]]);
    const id = await queue("Hang up");
    const msg = await settled(id, 20_000);
    expect(msg.status).toBe("failed");
    expect(await sentEvents(id)).toEqual(["sending", "failed"]);
    await new Promise((r) => setTimeout(r, 3_500)); // longer than the first retry delay
    expect(hits.get("Hang up")).toHaveLength(1);
  });
});
