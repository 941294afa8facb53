import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "./support/database";
import { freePort } from "./support/free-port";

/**
 * The command line on a fresh clone: no `npm run dev` before it, so no database yet. Every command
 * that needs one starts the embedded PostgreSQL in a new SETTLE_DATA_DIR, migrates it and seeds the
 * demo book as dev does; failures exit non-zero with one line and no stack trace.
 */
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const TSX = join(ROOT, "node_modules/.bin/tsx");
// Memory-backed where there is one: initdb and the shutdown checkpoint sync every file they write.
const TEMP_ROOT = existsSync("/dev/shm") ? "/dev/shm" : tmpdir();

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function runCli(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    // LOG_LEVEL=info: the logs must go to stderr, leaving stdout to the command's own output.
    const child = spawn(TSX, ["app/cli/settle.ts", ...args], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: "info", ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.once("error", reject);
    child.once("close", (status) => resolve({ status, stdout, stderr }));
  });
}

const dataDirs: string[] = [];

/** An empty SETTLE_DATA_DIR and a free port for its embedded PostgreSQL. */
async function freshDataDir(): Promise<Record<string, string>> {
  const dir = mkdtempSync(join(TEMP_ROOT, "settle-cli-"));
  dataDirs.push(dir);
  return { SETTLE_DATA_DIR: dir, EMBEDDED_PG_PORT: String(await freePort()) };
}

afterEach(() => {
  for (const dir of dataDirs.splice(0)) {
    // The CLI stops the server it started; should a failing run have left it up, stop it here.
    const pidFile = join(dir, "pg", "postmaster.pid");
    if (existsSync(pidFile)) {
      const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
      if (pid > 0) process.kill(pid, "SIGQUIT");
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

const expectNoStackTrace = (run: Run) => expect(run.stderr).not.toMatch(/^\s+at /m);

describe("the CLI on an empty data directory", () => {
  it("schedule:run --dry-run --json provisions, migrates and seeds the embedded database, then prints only decisions", async () => {
    const run = await runCli(["schedule:run", "--dry-run", "--json"], await freshDataDir());
    expect(run.stderr).toMatch(
      /Prepared the embedded PostgreSQL in .*: \d+ migrations applied; demo data seeded/,
    );
    expect(run.status).toBe(0);
    const decisions = run.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { account: string; action: string });
    expect(decisions.map((d) => d.account)).toContain("DEMO-HK-EARLY-CC");
    // The demo history's borrowers (DEMO-HIST-...) are opted out: decided, always suppressed.
    const history = decisions.filter((d) => d.account.startsWith("DEMO-HIST-"));
    expect(decisions.length - history.length).toBe(8);
    expect(history.filter((d) => d.action === "send")).toEqual([]);
    for (const d of decisions) expect(["send", "defer", "suppress"]).toContain(d.action);
    expect(run.stderr).toContain("embedded PostgreSQL started"); // the log line, on stderr
  });

  it("link:create --account DEMO-HK-EARLY-CC prints the demo account's link and nothing else", async () => {
    const run = await runCli(["link:create", "--account", "DEMO-HK-EARLY-CC"], await freshDataDir());
    expect(run.stderr).toContain("demo data seeded");
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^http:\/\/localhost:3000\/r\/[0-9A-Za-z]+\n$/);
  });

  it("a data directory that cannot be created fails in one line, exit 1", async () => {
    const file = join(mkdtempSync(join(TEMP_ROOT, "settle-cli-")), "not-a-directory");
    dataDirs.push(join(file, ".."));
    writeFileSync(file, "");
    const run = await runCli(["schedule:run", "--dry-run"], {
      SETTLE_DATA_DIR: join(file, "data"),
      EMBEDDED_PG_PORT: String(await freePort()),
    });
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(
        /^Could not open the embedded PostgreSQL in .*not-a-directory\/data\/pg: ENOTDIR/,
      ),
    ]);
    expect(run.stdout).toBe("");
  });
});

describe("the CLI's failures", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t.destroy();
  });

  it("an unreachable DATABASE_URL fails in one line without a stack trace, exit 1", async () => {
    const url = `postgres://settle:settle@127.0.0.1:${await freePort()}/settle`;
    const run = await runCli(["link:create", "--account", "DEMO-HK-EARLY-CC"], { DATABASE_URL: url });
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      `Could not open the database at DATABASE_URL: connect ECONNREFUSED ${url.split("@")[1]!.split("/")[0]}\n`,
    );
    expectNoStackTrace(run);
  });

  it("an unknown account exits 3 with one line", async () => {
    const run = await runCli(["link:create", "--account", "NO-SUCH-REF"], { DATABASE_URL: t.url });
    expect(run.status).toBe(3);
    expect(run.stderr).toBe('No account with ref "NO-SUCH-REF".\n');
    expect(run.stdout).toBe("");
  });
});
