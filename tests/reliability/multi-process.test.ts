import { request } from "node:http";
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
import { checkoutStarted, completedEvent, id, signed } from "../support/stripe-events";

/**
 * Issue #24 item 1: two web and two worker processes (the production build, as `npm start` runs it) on one
 * PostgreSQL, behind a small load balancer of the test's own (it routes to the processes whose /readyz
 * answers 200 and retries a refused connection on the other, as a real one does). The planner runs as a
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
}, 120_000);
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

interface Answer {
  status: number;
  body: string;
}

/** One request on a connection of its own (a load balancer's hop), the body written in parts when given so. */
function send(
  port: number,
  opts: {
    method?: string;
    path: string;
    headers?: Record<string, string>;
    body?: string;
    pauseMs?: number;
    onSent?: () => void;
  },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        method: opts.method ?? "GET",
        path: opts.path,
        headers: opts.headers,
        agent: false,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode!, body }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    if (!opts.body) return void req.end();
    const half = Math.floor(opts.body.length / 2);
    req.write(opts.body.slice(0, half));
    opts.onSent?.();
    setTimeout(() => req.end(opts.body!.slice(half)), opts.pauseMs ?? 0);
  });
}

/**
 * The load balancer: polls each backend's /readyz every 100 ms, sends each request to the next ready one,
 * and sends a request whose connection was refused to another backend. Every answer is recorded.
 */
function balancer(ports: number[]) {
  const ready = new Map(ports.map((p) => [p, true]));
  const answers: Array<Answer & { port: number; path: string }> = [];
  const errors: string[] = [];
  let turn = 0;
  let polling = true;
  const poll = async () => {
    while (polling) {
      await Promise.all(
        ports.map((port) =>
          send(port, { path: "/readyz" }).then(
            (r) => ready.set(port, r.status === 200),
            () => ready.set(port, false),
          ),
        ),
      );
      await sleep(100);
    }
  };
  const polled = poll();
  return {
    answers,
    errors,
    async route(opts: Parameters<typeof send>[1]): Promise<Answer | null> {
      for (let attempt = 0; attempt < 4; attempt++) {
        const candidates = ports.filter((p) => ready.get(p));
        const port = (candidates.length ? candidates : ports)[turn++ % (candidates.length || ports.length)]!;
        try {
          const answer = await send(port, opts);
          answers.push({ ...answer, port, path: opts.path });
          return answer;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === "ECONNREFUSED") {
            ready.set(port, false);
            continue;
          }
          errors.push(`${opts.path} on ${port}: ${String(error)}`);
          return null;
        }
      }
      errors.push(`${opts.path}: no backend took it`);
      return null;
    },
    async close() {
      polling = false;
      await polled;
    },
  };
}

async function count(query: ReturnType<typeof sql<{ n: string }>>): Promise<number> {
  return Number((await query.execute(t.db)).rows[0]!.n);
}

const REMINDERS = sql`select id from messages where template_key like 'reminder.%'`;
const sentTexts = () => count(sql`select count(*) as n from outbox_texts where message_id in (${REMINDERS})`);

describe("two web and two worker processes on one PostgreSQL", () => {
  it(
    "send every text once, credit every payment once and lose no request across a SIGTERM of one of each",
    { timeout: 120_000 },
    async () => {
      await seedAccounts();
      const payments = await Promise.all(
        Array.from({ length: PAYMENTS }, (_, i) =>
          checkoutStarted(t.db, `MP-A${i + 1}`, 10_000 + i, new Date()),
        ),
      );
      const [webA, webB] = [await freePort(), await freePort()];
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
      const [a, b, c, d] = await Promise.all([
        startSettle(web(webA)),
        startSettle(web(webB)),
        startSettle(worker),
        startSettle(worker),
      ]);
      processes.push(a!, b!, c!, d!);
      const lb = balancer([webA, webB]);

      // The planner, as the cron runs it, on both workers at once.
      await sql`select graphile_worker.add_job('schedule:run', '{}'::json), graphile_worker.add_job('schedule:run', '{}'::json)`.execute(
        t.db,
      );

      // Each payment's event to both web processes at once.
      const webhooks = Promise.all(
        payments.map(async ({ payment }) => {
          const event = signed(completedEvent(payment, id("pi")));
          const headers = { "Content-Type": "application/json", "Stripe-Signature": event.header };
          const path = "/webhooks/stripe";
          return Promise.all(
            [webA, webB].map((port) => send(port, { method: "POST", path, headers, body: event.payload })),
          );
        }),
      );

      const webhookAnswers = await webhooks;

      // Link taps while the texts go out: every text the outbox has recorded, tapped once, from its own address.
      let tapping = true;
      const tapped = new Set<string>();
      const taps = (async () => {
        while (tapping) {
          const { rows } = await sql<{
            id: string;
            body: string;
          }>`select message_id as id, body from outbox_texts where message_id in (${REMINDERS})`.execute(
            t.db,
          );
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

      // Mid-load: once texts are going out, SIGTERM one web and one worker process.
      await waitFor(async () => (await sentTexts()) > 0, 30_000, "the first texts");
      const inFlight = payments[0]!.payment;
      const slowEvent = signed(completedEvent(inFlight, id("pi")));
      let sigterm = 0;
      const slow = send(webA, {
        method: "POST",
        path: "/webhooks/stripe",
        headers: { "Content-Type": "application/json", "Stripe-Signature": slowEvent.header },
        body: slowEvent.payload,
        pauseMs: DRAIN_DELAY_MS + 500, // the rest of the body after A has stopped accepting
        onSent: () => {
          sigterm = Date.now();
          a!.child.kill("SIGTERM");
          c!.child.kill("SIGTERM");
        },
      });
      await waitFor(() => sigterm > 0, 5_000, "the SIGTERM");
      // At once, and while it still accepts: /readyz says "draining"; then it stops accepting.
      let draining: Answer | undefined;
      await waitFor(
        async () => (draining = await send(webA, { path: "/readyz" })).status === 503,
        DRAIN_DELAY_MS / 2,
        "/readyz to report draining",
      );
      expect(draining!.body).toBe(JSON.stringify({ status: "draining" }));
      await waitFor(
        () =>
          send(webA, { path: "/healthz" }).then(
            () => false,
            (e: NodeJS.ErrnoException) => e.code === "ECONNREFUSED",
          ),
        DRAIN_DELAY_MS * 3,
        "A to stop accepting",
      );
      expect((await slow).status).toBe(200);
      expect([await a!.exited, await c!.exited]).toEqual([0, 0]);

      await waitFor(
        async () =>
          (await count(sql`select count(*) as n from graphile_worker._private_jobs j
                             join graphile_worker._private_tasks k on k.id = j.task_id
                            where k.identifier in ('sms:send', 'schedule:run')`)) === 0,
        60_000,
        "the queue to drain",
      );
      await waitFor(() => tapped.size === ACCOUNTS, 30_000, "every link tapped");
      tapping = false;
      await taps;
      await lb.close();

      // Every text exactly once: one reminder per account though the planner ran twice, each sent once.
      expect(await count(sql`select count(*) as n from (${REMINDERS}) r`)).toBe(ACCOUNTS);
      expect(
        await count(sql`select count(distinct account_id) as n from messages where id in (${REMINDERS})`),
      ).toBe(ACCOUNTS);
      expect(await sentTexts()).toBe(ACCOUNTS);
      expect(
        await count(
          sql`select count(*) as n from message_status_events where status = 'sent' and message_id in (${REMINDERS})`,
        ),
      ).toBe(ACCOUNTS);

      // Every payment credited once; each event answered 200 by both processes, applied by one.
      for (const pair of webhookAnswers) {
        expect(pair.map((r) => r.status)).toEqual([200, 200]);
        expect(pair.map((r) => r.body).sort()).toEqual(["applied", "duplicate"]);
      }
      const credited = await sql<{ id: string; amount_minor: string; status: string; allocated: string }>`
        select p.id, p.amount_minor, p.status, coalesce(sum(a.amount_minor), 0) as allocated
          from payments p left join payment_allocations a on a.payment_id = p.id
         group by p.id`.execute(t.db);
      expect(credited.rows).toHaveLength(PAYMENTS);
      for (const p of credited.rows) {
        expect(p.status).toBe("succeeded");
        expect(Number(p.allocated)).toBe(Number(p.amount_minor));
      }

      // No request lost: every tap answered 200, none failed, and the backend left serving took over.
      expect(lb.errors).toEqual([]);
      const taps200 = lb.answers.filter((r) => r.path.startsWith("/r/"));
      expect(taps200.map((r) => r.status).filter((s) => s !== 200)).toEqual([]);
      expect(taps200).toHaveLength(ACCOUNTS);
      expect(await count(sql`select count(*) as n from short_links where open_count = 1`)).toBe(ACCOUNTS);
      expect(taps200.some((r) => r.port === webB)).toBe(true);
      expect(b!.child.exitCode).toBeNull();
    },
  );
});
