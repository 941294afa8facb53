import { Writable } from "node:stream";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as LoggerModule from "../../app/platform/logger.server";
import type * as TasksModule from "../../app/worker/tasks.server";
import type * as WorkerModule from "../../app/worker/worker.server";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { closeTestApps, loadAppModule, startTestApp, type TestApp } from "../support/http-app";
import { borrowerWithLink } from "../support/links";
import { startTestWorker } from "../support/worker";

/**
 * Issue #24 item 3, through the real Express app and graphile-worker with the app's own logger writing to
 * memory: every request has an id (the trusted proxy's X-Request-Id, else a new one), returned in the
 * response and written on the request's log line and on the lines of the jobs it queued; and none of a
 * borrower's personal values (name, phone, email, date of birth, link code, amount, free text, session
 * cookie) reaches any line.
 */
let t: TestDatabase;
let behindProxy: TestApp;
let direct: TestApp;
let log: typeof LoggerModule;
const lines: string[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
  behindProxy = await startTestApp(t.db, { trustProxy: ["loopback"] });
  direct = await startTestApp(t.db, { trustProxy: false });
  log = await loadAppModule<typeof LoggerModule>("/app/platform/logger.server.ts");
  log.logTo(
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...String(chunk).split("\n").filter(Boolean));
        done();
      },
    }) as never,
  );
  log.logger.level = "debug";
});
afterAll(async () => {
  if (log) log.logger.level = "silent";
  await behindProxy?.close();
  await direct?.close();
  await closeTestApps();
  await t?.destroy();
});

const FORM = "application/x-www-form-urlencoded";

function send(
  app: TestApp,
  path: string,
  opts: { requestId?: string; cookie?: string; form?: Record<string, string> },
) {
  const headers: Record<string, string> = { "Sec-Fetch-Site": "same-origin" };
  if (opts.requestId) headers["X-Request-Id"] = opts.requestId;
  if (opts.cookie) headers.Cookie = opts.cookie;
  if (opts.form) headers["Content-Type"] = FORM;
  return fetch(app.base + path, {
    method: opts.form ? "POST" : "GET",
    headers,
    body: opts.form ? new URLSearchParams(opts.form).toString() : undefined,
    redirect: "manual",
  }).then(async (r) => ({
    status: r.status,
    requestId: r.headers.get("x-request-id"),
    setCookie: r.headers.getSetCookie(),
    body: await r.text(),
  }));
}

/** Runs the jobs queued so far with the app's task list and worker logger, until none is left. */
async function runQueuedJobs() {
  const { createTaskList } = await loadAppModule<typeof TasksModule>("/app/worker/tasks.server.ts");
  const { workerLogger } = await loadAppModule<typeof WorkerModule>("/app/worker/worker.server.ts");
  const runner = await startTestWorker(t.pool, createTaskList(t.db), workerLogger);
  try {
    for (const deadline = Date.now() + 15_000; Date.now() < deadline;) {
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from graphile_worker._private_jobs where attempts < max_attempts`.execute(
        t.db,
      );
      if (rows[0]!.n === 0) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error("queued jobs did not finish");
  } finally {
    await runner.stop();
  }
}

const parsed = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);

describe("request ids and personal data in the logs", () => {
  it("a borrower's tap, verification, promise and complaint, and the jobs they queue: ids on every line of theirs, no personal value on any", async () => {
    const found = await borrowerWithLink(t.db, { dob: "1975-11-23" });
    const name = "Wong Siu Ming";
    const email = "siu.ming.wong@example.com";
    await t.db
      .updateTable("borrowers")
      .set({ full_name: name, email })
      .where("id", "=", found.borrower.id)
      .execute();
    const phone = (
      await t.db
        .selectFrom("borrowers")
        .select("phone_e164")
        .where("id", "=", found.borrower.id)
        .executeTakeFirstOrThrow()
    ).phone_e164;
    const complaint = "My neighbour Mrs Lee overheard the call about my card";

    const landing = await send(behindProxy, `/r/${found.link.code}`, { requestId: "lb-landing-0001" });
    expect(landing).toMatchObject({ status: 200, requestId: "lb-landing-0001" });
    const verified = await send(behindProxy, `/r/${found.link.code}`, {
      requestId: "lb-verify-0002",
      form: { intent: "verify", "dob.day": "23", "dob.month": "11", "dob.year": "1975" },
    });
    expect(verified).toMatchObject({ status: 303, requestId: "lb-verify-0002" });
    const cookie = verified.setCookie.map((c) => c.split(";")[0]).join("; ");
    const promised = await send(behindProxy, "/account/promise", {
      requestId: "lb-promise-0003",
      cookie,
      form: {
        amount: "4321.09",
        promisedDate: new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10),
      },
    });
    expect(promised).toMatchObject({ status: 303, requestId: "lb-promise-0003" });
    const complained = await send(behindProxy, "/account/complaint", {
      requestId: "lb-complaint-0004",
      cookie,
      form: { category: "conduct", text: complaint },
    });
    expect(complained.status).toBe(303);
    await runQueuedJobs();

    const all = parsed();
    for (const id of ["lb-landing-0001", "lb-verify-0002", "lb-promise-0003", "lb-complaint-0004"])
      expect(all.some((l) => l.msg === "request" && l.reqId === id)).toBe(true);
    // The jobs each request queued log under its id: the first open's audit, the promise's text and bank event.
    const jobLines = (id: string) => all.filter((l) => l.reqId === id && typeof l.worker === "string");
    expect(jobLines("lb-landing-0001").map((l) => l.task)).toContain("audit:link-opened");
    expect(jobLines("lb-promise-0003").map((l) => l.task)).toEqual(
      expect.arrayContaining(["sms:send", "bank-event:deliver"]),
    );

    const personal = [
      name,
      "Siu Ming",
      email,
      phone,
      phone.slice(4),
      "1975-11-23",
      found.link.code,
      "432109",
      "4321.09",
      "neighbour Mrs Lee",
      ...cookie.split("; ").map((pair) => pair.slice(pair.indexOf("=") + 1)),
    ];
    const leaks = lines.flatMap((line) =>
      personal.filter((value) => line.includes(value)).map((v) => `${v} in ${line}`),
    );
    expect(leaks).toEqual([]);
  });

  it("an X-Request-Id from a client that is not a trusted proxy, or one not shaped like an id, is replaced with a new id", async () => {
    const forged = await send(direct, "/healthz", { requestId: "client-chosen-0005" });
    expect(forged.requestId).toMatch(/^[0-9a-f-]{36}$/);
    const injected = await send(behindProxy, "/healthz", { requestId: 'x" phone=+85291234567' });
    expect(injected.requestId).toMatch(/^[0-9a-f-]{36}$/);
    const own = await send(direct, "/healthz", {});
    expect(own.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(parsed().some((l) => l.msg === "request" && l.reqId === forged.requestId)).toBe(true);
  });
});
