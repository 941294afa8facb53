import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { migrations } from "../../db/migrations/index";
import { freePort } from "../support/free-port";
import { ROOT, waitFor } from "../support/processes";

/**
 * `npm run settle -- db:serve` (README, "Several processes locally"): the embedded PostgreSQL, migrated,
 * its URLs printed for other processes, up until SIGTERM, then stopped.
 */
const root = mkdtempSync(join(tmpdir(), "settle-db-serve-"));
chmodSync(root, 0o755); // initdb runs as the `postgres` user when the tests run as root
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function one(url: string, query: string): Promise<unknown> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ v: unknown }>(query)).rows[0]!.v;
  } finally {
    await client.end();
  }
}

describe("db:serve", () => {
  it("serves a migrated embedded PostgreSQL at the printed URLs until SIGTERM", async () => {
    const { DATABASE_URL: _external, ...env } = process.env;
    const child = spawn(process.execPath, ["--import", "tsx", "app/cli/settle.ts", "db:serve"], {
      cwd: ROOT,
      env: {
        ...env,
        NODE_ENV: "development",
        SEED_DEMO: "never",
        SETTLE_DATA_DIR: join(root, "data"),
        EMBEDDED_PG_PORT: String(await freePort()),
      },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    await waitFor(() => out.includes("Ctrl-C stops it."), 45_000, "db:serve to print its URLs");
    const url = /^DATABASE_URL=(\S+)$/m.exec(out)![1]!;
    const ownerUrl = /^DATABASE_MIGRATION_URL=(\S+)$/m.exec(out)![1]!;

    // The application's role reads rows; the owner's connection has migrated everything.
    expect(await one(url, "select current_user as v from borrowers right join (select 1) x on true")).toBe(
      "settle_app",
    );
    expect(await one(ownerUrl, "select count(*)::int as v from kysely_migration")).toBe(
      Object.keys(migrations).length,
    );

    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(await answers(url)).toBe(false);
  });
});
