import { spawn, spawnSync, type ChildProcess, type StdioOptions } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { inject } from "vitest";
import { ensureLoginRole } from "../../db/embedded";
import { PRODUCTION_SETTINGS } from "./production-settings";

/**
 * Settle processes as `npm start` runs them (the production bundle, package.json's Node flags), for the
 * tests that run several processes against one database (tests/reliability/multi-process.test.ts,
 * tests/deploy). `npm test` builds before it runs vitest; run alone, a test builds when build/ is missing.
 */

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const MAIN = join(ROOT, "build/server/main.js");
const BUILD_LOCK = join(ROOT, "build.lock");

/** Builds once when build/server/main.js is missing; files running at the same time wait for one build. */
export async function productionBuild(): Promise<void> {
  for (;;) {
    if (existsSync(MAIN)) return;
    try {
      mkdirSync(BUILD_LOCK);
    } catch {
      await sleep(250); // another file is building
      continue;
    }
    try {
      if (!existsSync(MAIN)) {
        const built = spawnSync("npm", ["run", "build"], { cwd: ROOT, encoding: "utf8" });
        if (built.status !== 0) throw new Error(`npm run build failed:\n${built.stderr}`);
      }
    } finally {
      rmdirSync(BUILD_LOCK);
    }
  }
}

/**
 * `url` (a test database, as its owner) with a new login of row rights only in place of the owner, as
 * production connects: the process migrates and grants on DATABASE_MIGRATION_URL (the owner's).
 */
export async function appLoginUrl(url: string): Promise<string> {
  const login = {
    user: `settle_app_${randomBytes(4).toString("hex")}`,
    password: randomBytes(12).toString("hex"),
  };
  await ensureLoginRole(inject("pgAdminUrl"), login);
  const app = new URL(url);
  app.username = login.user;
  app.password = login.password;
  return app.toString();
}

/** The Node flags `npm start` passes (package.json), so a test's process runs as production's does. */
function startCommandNodeFlags(): string[] {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
    scripts: Record<string, string>;
  };
  return pkg.scripts.start!.split(/\s+/).filter((word) => word.startsWith("--"));
}

export interface SettleProcess {
  child: ChildProcess;
  /** The JSON log lines it has written so far (pino, stdout). */
  logs: Array<Record<string, unknown>>;
  /** Resolves with the exit code (null: killed by a signal). */
  exited: Promise<number | null>;
}

/** Production as the tests run it: the test secrets, Stripe's test double, loopback, no demo data. */
export const TEST_PRODUCTION_ENV: Record<string, string> = {
  ...PRODUCTION_SETTINGS,
  SETTLE_ALLOW_DEV_SECRETS: "1", // payments go to the Stripe test double (its webhook secret)
  HOST: "127.0.0.1",
  SEED_DEMO: "never",
  LOG_LEVEL: "info",
};

/**
 * Starts build/server/main.js with `env` (and PATH, nothing else of this process's environment); resolves
 * once it logs "Settle is ready". Its JSON log lines are collected from stdout.
 */
export async function startSettle(env: Record<string, string>, timeoutMs = 60_000): Promise<SettleProcess> {
  const child = spawnMain(env, ["ignore", "pipe", "inherit"]);
  const logs: Array<Record<string, unknown>> = [];
  let pending = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split("\n");
    pending = lines.pop()!;
    for (const line of lines) {
      if (line.startsWith("{")) logs.push(JSON.parse(line) as Record<string, unknown>);
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const proc = { child, logs, exited };
  let early: number | null | undefined;
  void exited.then((code) => (early = code));
  await waitFor(
    async () => {
      if (early !== undefined)
        throw new Error(`Settle exited before it was ready (${early}): ${JSON.stringify(logs.slice(-3))}`);
      return logs.some((l) => l.msg === "Settle is ready");
    },
    timeoutMs,
    "Settle to be ready",
  );
  return proc;
}

/** build/server/main.js as `npm start` runs it (its Node flags, NODE_ENV=production), with `env` and PATH only. */
export function spawnMain(env: Record<string, string>, stdio: StdioOptions): ChildProcess {
  return spawn(process.execPath, [...startCommandNodeFlags(), MAIN], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...env, NODE_ENV: "production" }, // as the start script sets it
    stdio,
  });
}

/** SIGKILL whatever is left of the processes a test started (its cluster's web processes included). */
export function killAll(processes: SettleProcess[]) {
  for (const p of processes) {
    for (const pid of forkedPids(p)) if (alive(pid)) process.kill(pid, "SIGKILL");
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL");
  }
}

/** The web processes a WEB_CONCURRENCY primary has forked, from its "web process listening" lines. */
export function forkedPids(p: SettleProcess): number[] {
  return p.logs.filter((l) => l.msg === "web process listening").map((l) => Number(l.pid));
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
