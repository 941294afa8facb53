import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectDatabase, type DatabaseHandle } from "../../db/connection";
import { ensureDatabase, startEmbeddedPostgres, type EmbeddedServer } from "../../db/embedded";
import { migrateAll } from "../../db/migrate";
import { COMPLAINT_CATEGORIES } from "../../app/borrower/action-forms";
import { startBorrowerSession } from "../../app/borrower/session.server";
import { freePort } from "../support/free-port";
import { borrowerWithLink } from "../support/links";

/**
 * Postgres restarted under a running app (the real server process, `tsx
 * app/server/dev.ts`, dev mode): meanwhile /readyz, pages and form posts
 * answer 503 with Retry-After and the translated "temporarily unavailable"
 * page, nothing is written, and once Postgres is back the same requests work
 * without restarting the app; the form re-posted is accepted once.
 */

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TSX = join(ROOT, "node_modules/.bin/tsx");

let dir: string;
let pgPort: number;
let appPort: number;
let pgServer: EmbeddedServer | null = null;
let handle: DatabaseHandle | null = null;
let app: ChildProcess | null = null;
let base: string;

async function startPg() {
  pgServer = await startEmbeddedPostgres({ dataDir: join(dir, "pg"), port: pgPort, persistent: true });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "settle-pg-restart-"));
  pgPort = await freePort();
  appPort = await freePort();
  base = `http://127.0.0.1:${appPort}`;
  await startPg();
  await ensureDatabase(pgServer!.adminUrl, "settle");
  const url = pgServer!.urlFor("settle");
  handle = connectDatabase(url, { max: 2 });
  await migrateAll(handle.db, handle.pool);
  app = spawn(TSX, ["app/server/dev.ts"], {
    cwd: ROOT,
    env: {
      ...process.env,
      VITEST: "",
      NODE_ENV: "development",
      ROLE: "web",
      DATABASE_URL: url,
      PORT: String(appPort),
      HOST: "127.0.0.1",
      PUBLIC_BASE_URL: base,
      SEED_DEMO: "never",
      LOG_LEVEL: "error",
      STRIPE_TEST_DOUBLE_PORT: String(await freePort()),
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (app.exitCode !== null) throw new Error(`app exited with ${app.exitCode}`);
    const ok = await fetch(`${base}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error("app did not start");
    await new Promise((r) => setTimeout(r, 250));
  }
}, 120_000);

afterAll(async () => {
  if (app && app.exitCode === null) {
    app.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 500));
    if (app.exitCode === null) app.kill("SIGKILL");
  }
  await handle?.close();
  await pgServer?.stop().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

async function complaints(borrowerId: string): Promise<number> {
  const row = await handle!.db
    .selectFrom("complaints")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("borrower_id", "=", borrowerId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

function postComplaint(cookie: string) {
  return fetch(`${base}/account/complaint`, {
    method: "POST",
    redirect: "manual",
    headers: {
      Cookie: cookie,
      "Content-Type": "application/x-www-form-urlencoded",
      "Sec-Fetch-Site": "same-origin",
      "Accept-Language": "en",
    },
    body: new URLSearchParams({
      category: COMPLAINT_CATEGORIES[0],
      text: "The reminder came twice on the same day.",
    }),
  });
}

async function eventually(check: () => Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("Postgres restarted under the running app", () => {
  it(
    "answers 503 meanwhile, writes nothing, and recovers without a restart",
    { timeout: 120_000 },
    async () => {
      const { borrower, account, link } = await borrowerWithLink(handle!.db);
      const cookie = (
        await startBorrowerSession(handle!.db, {
          borrowerId: borrower.id,
          accountId: account.id,
          linkId: link.id,
        })
      ).split(";")[0]!;
      const headers = { Cookie: cookie, "Accept-Language": "en" };

      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      // The first page compiles in dev mode; allow for it.
      expect((await fetch(`${base}/account`, { headers })).status).toBe(200);

      await handle!.close();
      handle = null;
      await pgServer!.stop();
      pgServer = null;

      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(503);
      expect(ready.headers.get("retry-after")).toBeTruthy();

      const page = await fetch(`${base}/account`, { headers });
      expect(page.status).toBe(503);
      expect(page.headers.get("retry-after")).toBeTruthy();
      const html = await page.text();
      expect(html).toContain("Temporarily unavailable");
      expect(html).not.toContain("Something went wrong");

      const data = await fetch(`${base}/account.data`, { headers });
      expect(data.status).toBe(503);

      const landing = await fetch(`${base}/r/${link.code}`, { headers: { "Accept-Language": "en" } });
      expect(landing.status).toBe(503);

      const refused = await postComplaint(cookie);
      expect(refused.status).toBe(503);

      await startPg();
      handle = connectDatabase(pgServer!.urlFor("settle"), { max: 2 });
      expect(await complaints(borrower.id)).toBe(0); // the post while down wrote nothing

      await eventually(
        async () => (await fetch(`${base}/readyz`)).status === 200,
        30_000,
        "/readyz to recover",
      );
      await eventually(
        async () => (await fetch(`${base}/account`, { headers })).status === 200,
        30_000,
        "the account page to recover",
      );
      const accepted = await postComplaint(cookie);
      expect(accepted.status).toBe(303);
      expect(accepted.headers.get("location")).toBe("/account/done/complaint");
      expect(await complaints(borrower.id)).toBe(1);
    },
  );
});
