/**
 * One dispatcher process for `npm run bench` (spawned twice): a graphile-worker
 * runner with the real `sms:send` task (createSmsSendTask: batch jobs, row locks,
 * set-based send-time re-decision, two-phase sending/sent) against an HTTP provider stub.
 * The clock is the planner's clock plus elapsed time, so the re-decision sees
 * the same contact window the planner did whatever hour the bench runs at.
 * Env: DATABASE_URL, BENCH_STUB_URL, BENCH_NOW (ISO), BENCH_EPOCH, BENCH_CONCURRENCY, BENCH_PROVIDER.
 */
import http from "node:http";
import { run } from "graphile-worker";
import { connectDatabase } from "../../db/connection";
import { createSmsSendTask, PROVIDER_PARALLEL } from "../../app/engine/dispatcher.server";
import { ProviderError, type SmsProvider } from "../../app/messaging/providers/provider";
import { outboxProvider } from "../../app/messaging/providers/outbox.server";

const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 16);
const stub = new URL(process.env.BENCH_STUB_URL!);
// BENCH_EPOCH: the parent's wall clock at BENCH_NOW, so that every worker reads the same clock (the
// sender pacing's slots are instants shared by the processes).
const startedAt = Number(process.env.BENCH_EPOCH ?? Date.now());
const benchNow = new Date(process.env.BENCH_NOW!).getTime();
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency * PROVIDER_PARALLEL });

const stubProvider: SmsProvider = {
  name: "twilio", // any non-outbox provider: the two-phase path (sending committed before the call)
  send: (sms) =>
    new Promise((resolve, reject) => {
      const body = JSON.stringify(sms);
      const req = http.request(
        {
          host: stub.hostname,
          port: stub.port,
          path: "/send",
          method: "POST",
          agent,
          headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
        },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (c) => (text += c));
          res.on("end", () => {
            if (res.statusCode !== 200)
              return reject(new ProviderError(`stub ${res.statusCode}`, "retryable"));
            resolve({ providerMessageId: JSON.parse(text).sid, status: "sent" });
          });
        },
      );
      req.on("error", (e) => reject(new ProviderError(e.message, "retryable")));
      req.end(body);
    }),
};

/** BENCH_PROVIDER=outbox: the development provider, each call's wall-clock time kept for the parent. */
const calls: Array<[string, number]> = [];
const recordingOutbox: SmsProvider = {
  name: "outbox",
  send: (sms) => {
    calls.push([sms.messageId, Date.now()]);
    return outboxProvider.send(sms);
  },
};
const provider = process.env.BENCH_PROVIDER === "outbox" ? recordingOutbox : stubProvider;

const handle = connectDatabase(process.env.DATABASE_URL!, { max: concurrency + 4 });
const runner = await run({
  pgPool: handle.pool,
  concurrency,
  noHandleSignals: true,
  pollInterval: 200,
  // STACK.md pitfall 6: batch job fetching and completion (the fetch locks jobs, so two processes never share one).
  // With 100 texts a job, a local queue no longer than the concurrency (a longer one lets one process take most of
  // the jobs and the other idle); the no-op baseline keeps the long one that gives the queue's ceiling.
  preset: {
    worker: {
      localQueue: { size: process.env.BENCH_NOOP === "1" ? 200 : concurrency },
      completeJobBatchDelay: 0,
      failJobBatchDelay: 0,
    },
  },
  logger: new (await import("graphile-worker")).Logger(() => () => {}),
  taskList: {
    "sms:send":
      process.env.BENCH_NOOP === "1"
        ? async () => {} // the baseline: the same runners and queue, no work
        : createSmsSendTask(
            handle.db,
            () => provider,
            () => new Date(benchNow + (Date.now() - startedAt)),
          ),
  },
});
process.send?.({ ready: true });
process.on("message", async (m: { stop?: boolean }) => {
  if (!m.stop) return;
  await runner.stop();
  await handle.close();
  if (process.env.BENCH_PROVIDER === "outbox")
    await new Promise<void>((sent) => process.send!({ calls }, undefined, undefined, () => sent()));
  process.exit(0);
});
