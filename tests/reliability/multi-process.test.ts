import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { freePort } from "../support/free-port";
import {
  appLoginUrl,
  killAll,
  productionBuild,
  sleep,
  startSettle,
  TEST_PRODUCTION_ENV,
  waitFor,
  type SettleProcess,
} from "../support/processes";
import { balancer, send, type Answer } from "../support/load-balancer";
import { checkoutStarted, completedEvent, id, signed } from "../support/stripe-events";

/**
 * Issue #24 item 1: two web and two worker processes (the production build, as `npm start` runs it) on one
 * PostgreSQL, behind a small load balancer of the test's own (tests/support/load-balancer.ts: it routes to
 * the processes whose /readyz answers 200, and sends a refused connection, or a GET reset before any
 * answer, to the other, as a real one does). The planner runs as a
 * job on both workers at once; the texts go out; their links are tapped; each Stripe event is delivered
 * to both web processes at once; then one web and one worker process get SIGTERM in the middle of it.
 * Every text is sent exactly once, every payment credited once, no request fails or answers 5xx, a request
 * in flight at the SIGTERM is answered after the process stopped accepting, and /readyz says "draining".
 */

const ACCOUNTS = 400; // four `sms:send` jobs of 100 texts
const PAYMENTS = 20;
const DRAIN_DELAY_MS = 1_000;

let t: TestDatabase;
const processes: SettleProcess[] = [];

beforeAll(async () => {
  await productionBuild();
  t = await createTestDatabase();
});
afterAll(async () => {
  killAll(processes);
  await t?.destroy();
});

/** An IANA zone whose local time is now about 13:00, so the send window is open whenever the test runs. */
function middayZone(): string {
  const offset = ((13 - new Date().getUTCHours() + 36) % 24) - 12; // -12..+11
  return offset === 0 ? "Etc/GMT" : `Etc/GMT${offset > 0 ? "-" : "+"}${Math.abs(offset)}`;
}

async function seedAccounts() {
  await sql`
    with b as (
      insert into borrowers (external_ref, full_name, phone_e164, locale, time_zone, jurisdiction)
      select 'MP-B' || g, 'Borrower ' || g, '+8529' || lpad(g::text, 7, '0'), 'en', ${middayZone()}, 'HK'
        from generate_series(1, ${ACCOUNTS}) g
      returning id, external_ref
    )
    insert into accounts (borrower_id, external_ref, product, last4, currency, balance_minor, overdue_minor,
                          minimum_due_minor, due_date, dpd, status)
    select id, replace(external_ref, 'MP-B', 'MP-A'), 'credit_card', '1234', 'HKD', 500000, 50000, 20000,
           current_date - 5, 5, 'delinquent'
      from b`.execute(t.db);
}

async function count(query: ReturnType<typeof sql<{ n: string }>>): Promise<number> {
  return Number((await query.execute(t.db)).rows[0]!.n);
}

const REMINDERS = sql`select id from messages where template_key like 'reminder.%'`;
const sentTexts = () => count(sql`select count(*) as n from outbox_texts where message_id in (${REMINDERS})`);

/** Two web processes (ports a and b) and two workers, as production runs them, on the test database. */
async function startFour() {
  const ports = { a: await freePort(), b: await freePort() };
  const base = {
    ...TEST_PRODUCTION_ENV,
    DATABASE_URL: await appLoginUrl(t.url),
    DATABASE_MIGRATION_URL: t.url,
    PUBLIC_BASE_URL: "http://portal.test",
    STRIPE_TEST_DOUBLE_PORT: String(await freePort()),
  };
  const web = (port: number) => ({
    ...base,
    ROLE: "web",
    PORT: String(port),
    DRAIN_DELAY_MS: String(DRAIN_DELAY_MS),
  });
  const worker = { ...base, ROLE: "worker", WORKER_CONCURRENCY: "2" };
  const [webA, webB, workerC, workerD] = await Promise.all([
    startSettle(web(ports.a)),
    startSettle(web(ports.b)),
    startSettle(worker),
    startSettle(worker),
  ]);
  processes.push(webA!, webB!, workerC!, workerD!);
  return { ports, webA: webA!, webB: webB!, workerC: workerC! };
}

/** A signed Stripe event for `payment`, and how to POST it to a port (in two parts `pauseMs` apart when asked). */
function postEvent(payment: Payment, opts: { pauseMs?: number; onSent?: () => void } = {}) {
  const event = signed(completedEvent(payment, id("pi")));
  const headers = { "Content-Type": "application/json", "Stripe-Signature": event.header };
  return (port: number) =>
    send(port, { method: "POST", path: "/webhooks/stripe", headers, body: event.payload, ...opts });
}

type Payment = Awaited<ReturnType<typeof checkoutStarted>>["payment"];

/** Taps each reminder's link once, as the outbox records it, each from an address of its own, until stopped. */
function tapLinksAsSent(lb: ReturnType<typeof balancer>) {
  let tapping = true;
  const tapped = new Set<string>();
  const loop = (async () => {
    while (tapping) {
      const { rows } = await sql<{ id: string; body: string }>`
        select message_id as id, body from outbox_texts where message_id in (${REMINDERS})`.execute(t.db);
      const fresh = rows.filter((r) => !tapped.has(r.id)).slice(0, 40);
      await Promise.all(
        fresh.map(async (r, i) => {
          tapped.add(r.id);
          const path = new URL(/https?:\/\/\S+\/r\/\S+/.exec(r.body)![0]).pathname;
          const forwarded = `10.${(tapped.size >> 8) & 255}.${tapped.size & 255}.${i + 1}`;
          await lb.route({ path, headers: { "X-Forwarded-For": forwarded, "Accept-Language": "en" } });
        }),
      );
      if (!fresh.length) await sleep(50);
    }
  })();
  return {
    count: () => tapped.size,
    async stop() {
      tapping = false;
      await loop;
    },
  };
}

const queueEmpty = async () =>
  (await count(sql`select count(*) as n from graphile_worker._private_jobs j
                     join graphile_worker._private_tasks k on k.id = j.task_id
                    where k.identifier in ('sms:send', 'schedule:run')`)) === 0;

/** One reminder per account though the planner ran twice, each recorded and marked sent once. */
async function expectEveryTextOnce() {
  expect(await count(sql`select count(*) as n from (${REMINDERS}) r`)).toBe(ACCOUNTS);
  expect(
    await count(sql`select count(distinct account_id) as n from messages where id in (${REMINDERS})`),
  ).toBe(ACCOUNTS);
  expect(await sentTexts()).toBe(ACCOUNTS);
  const sent = sql<{
    n: string;
  }>`select count(*) as n from message_status_events where status = 'sent' and message_id in (${REMINDERS})`;
  expect(await count(sent)).toBe(ACCOUNTS);
}

/** Each event answered 200 by both processes and applied by one; each payment succeeded and allocated once. */
async function expectEveryPaymentOnce(answers: Answer[][]) {
  for (const pair of answers) {
    expect(pair.map((r) => r.status)).toEqual([200, 200]);
    expect(pair.map((r) => r.body).sort()).toEqual(["applied", "duplicate"]);
  }
  const credited = await sql<{ amount_minor: string; status: string; allocated: string }>`
    select p.amount_minor, p.status, coalesce(sum(a.amount_minor), 0) as allocated
      from payments p left join payment_allocations a on a.payment_id = p.id
     group by p.id`.execute(t.db);
  expect(credited.rows).toHaveLength(PAYMENTS);
  for (const p of credited.rows)
    expect([p.status, Number(p.allocated)]).toEqual(["succeeded", Number(p.amount_minor)]);
}

describe("two web and two worker processes on one PostgreSQL", () => {
  it("send every text once, credit every payment once and lose no request across a SIGTERM of one of each", async () => {
    await seedAccounts();
    const payments = await Promise.all(
      Array.from({ length: PAYMENTS }, (_, i) =>
        checkoutStarted(t.db, `MP-A${i + 1}`, 10_000 + i, new Date()),
      ),
    );
    const { ports, webA, webB, workerC } = await startFour();
    const lb = balancer([ports.a, ports.b]);

    // The planner, as the cron runs it, on both workers at once; each payment's event to both web processes at once.
    await sql`select graphile_worker.add_job('schedule:run', '{}'::json), graphile_worker.add_job('schedule:run', '{}'::json)`.execute(
      t.db,
    );
    const webhookAnswers = await Promise.all(
      payments.map(({ payment }) => {
        const deliver = postEvent(payment);
        return Promise.all([deliver(ports.a), deliver(ports.b)]);
      }),
    );
    const taps = tapLinksAsSent(lb);

    // Mid-load, once texts are going out: SIGTERM to web A and worker C while a webhook's body is half sent to A.
    await waitFor(async () => (await sentTexts()) > 0, 30_000, "the first texts");
    let sigterm = 0;
    const slow = postEvent(payments[0]!.payment, {
      pauseMs: DRAIN_DELAY_MS + 500, // the rest of the body after A has stopped accepting
      onSent: () => {
        sigterm = Date.now();
        webA.child.kill("SIGTERM");
        workerC.child.kill("SIGTERM");
      },
    })(ports.a);
    await waitFor(() => sigterm > 0, 5_000, "the SIGTERM");

    // At once, while A still accepts, /readyz says "draining"; then A stops accepting; the request in flight is answered.
    let draining: Answer | undefined;
    await waitFor(
      async () => (draining = await send(ports.a, { path: "/readyz" })).status === 503,
      DRAIN_DELAY_MS / 2,
      "/readyz to report draining",
    );
    expect(draining!.body).toBe(JSON.stringify({ status: "draining" }));
    const refused = () =>
      send(ports.a, { path: "/healthz" }).then(
        () => false,
        (e: NodeJS.ErrnoException) => e.code === "ECONNREFUSED",
      );
    await waitFor(refused, DRAIN_DELAY_MS * 3, "A to stop accepting");
    expect((await slow).status).toBe(200);
    expect([await webA.exited, await workerC.exited]).toEqual([0, 0]);

    await waitFor(queueEmpty, 60_000, "the queue to drain");
    await waitFor(() => taps.count() === ACCOUNTS, 30_000, "every link tapped");
    await taps.stop();
    await lb.close();

    await expectEveryTextOnce();
    await expectEveryPaymentOnce(webhookAnswers);
    // No request lost: every tap answered 200 once, none failed, and B took the taps after A's SIGTERM.
    expect(lb.errors.join("\n")).toBe("");
    const tapAnswers = lb.answers.filter((r) => r.path.startsWith("/r/"));
    const failed = tapAnswers.filter((r) => r.status !== 200);
    expect(failed.map((r) => `${r.status} from ${r.port}: ${r.body.slice(0, 200)}`).join("\n")).toBe("");
    expect(tapAnswers).toHaveLength(ACCOUNTS);
    expect(await count(sql`select count(*) as n from short_links where open_count = 1`)).toBe(ACCOUNTS);
    expect(tapAnswers.some((r) => r.port === ports.b && r.at > sigterm + DRAIN_DELAY_MS)).toBe(true);
    expect(webB.child.exitCode).toBeNull();
  });
});
