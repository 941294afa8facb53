import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCommandLine } from "../../app/cli/settle";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { freePort } from "../support/free-port";
import { PRODUCTION_SETTINGS } from "../support/production-settings";
import {
  alive,
  appLoginUrl,
  forkedPids,
  killAll,
  productionBuild,
  ROOT,
  spawnMain,
  startSettle,
  waitFor,
  type SettleProcess,
} from "../support/processes";

/**
 * Issue #24 item 5: the files in deploy/ cannot be built into containers here, so what they rely on is
 * checked instead: the commands they run exist, and the production build starts with the environment the
 * compose file gives each service (its secrets from settle.env.example's keys), serves /readyz with the
 * web service's WEB_CONCURRENCY, and refuses to start without a required setting.
 */

const read = (path: string) => readFileSync(join(ROOT, path), "utf8");
const scripts = (JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts;

/** A compose service's `environment:` mapping (compose.yaml writes each as `KEY: value` lines). */
function composeEnvironment(service: string): Record<string, string> {
  const lines = read("deploy/compose.yaml").split("\n");
  const start = lines.indexOf(`  ${service}:`);
  const env = lines.indexOf("    environment:", start);
  expect(start).toBeGreaterThan(0);
  const result: Record<string, string> = {};
  for (const line of lines.slice(env + 1)) {
    const entry = /^ {6}([A-Z_]+): (.*)$/.exec(line);
    if (!entry) break;
    result[entry[1]!] = entry[2]!.replace(/^"(.*)"$/, "$1");
  }
  return result;
}

/** Test values for the keys deploy/settle.env.example asks the operator to fill in. */
function filledSettleEnv(databaseUrl: string, ownerUrl: string): Record<string, string> {
  const values: Record<string, string> = {
    ...PRODUCTION_SETTINGS,
    PUBLIC_BASE_URL: "https://pay.bank.example",
    STRIPE_SECRET_KEY: "sk_test_deploycheck000",
    STRIPE_WEBHOOK_SECRET: "whsec_deploycheck000",
    DATABASE_URL: databaseUrl,
    DATABASE_MIGRATION_URL: ownerUrl,
  };
  const keys = read("deploy/settle.env.example")
    .split("\n")
    .filter((l) => /^[A-Z_]+=/.test(l))
    .map((l) => l.slice(0, l.indexOf("=")));
  return Object.fromEntries(keys.map((k) => [k, values[k] ?? `missing test value for ${k}`]));
}

describe("deploy/: the commands the files run", () => {
  it("the image runs `npm start` as a non-root user with production dependencies, checked on /healthz", () => {
    const dockerfile = read("deploy/Dockerfile");
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)![1]!) as string[];
    expect(cmd).toEqual(["npm", "start"]);
    expect(scripts.start).toContain("build/server/main.js");
    expect(dockerfile).toMatch(/^RUN npm ci --omit=dev/m);
    const user = /^USER (\S+)$/m.exec(dockerfile)![1];
    expect(user).not.toMatch(/^(root|0)$/);
    expect(/^HEALTHCHECK[\s\S]*?\/healthz/m.test(dockerfile)).toBe(true);
    expect(read("app/routes/healthz.ts")).toContain("export function loader");
  });

  it("the migrate service and the systemd units run commands package.json and the CLI have", () => {
    const compose = read("deploy/compose.yaml");
    const migrate = JSON.parse(/command: (\[.*db:migrate.*\])/.exec(compose)![1]!) as string[];
    expect(migrate.slice(0, 4)).toEqual(["npm", "run", "settle", "--"]);
    expect(scripts.settle).toContain("app/cli/settle.ts");
    expect(parseCommandLine(migrate.slice(4)).command.name).toBe("db:migrate");
    for (const unit of ["deploy/settle-web.service", "deploy/settle-worker.service"])
      expect(read(unit)).toMatch(/^ExecStart=\/usr\/bin\/npm start$/m);
  });
});

describe("deploy/: the production build with the compose file's environment", () => {
  let t: TestDatabase;
  let settings: Record<string, string>;
  const processes: SettleProcess[] = [];

  beforeAll(async () => {
    await productionBuild();
    t = await createTestDatabase();
    settings = filledSettleEnv(await appLoginUrl(t.url), t.url);
  });
  afterAll(async () => {
    killAll(processes);
    await t?.destroy();
  });

  /** A service as compose starts it: settle.env, then the service's environment, on a loopback port here. */
  const serviceEnv = async (service: string) => {
    const env: Record<string, string> = {
      ...settings,
      ...composeEnvironment(service),
      HOST: "127.0.0.1",
      PORT: String(await freePort()),
    };
    // Compose's own substitutions (${…}) are in the database URLs, which point at the test database here.
    for (const key of ["DATABASE_URL", "DATABASE_MIGRATION_URL"]) env[key] = settings[key]!;
    expect(Object.values(env).join(" ")).not.toContain("${");
    return env;
  };

  it("web: WEB_CONCURRENCY processes serve /readyz, one that dies is replaced, SIGTERM drains all", async () => {
    const env = await serviceEnv("web");
    expect(env.WEB_CONCURRENCY).toBe("2");
    // The drain itself is under test, not the load balancer's 5 s to notice it (tests/reliability/multi-process.test.ts).
    env.DRAIN_DELAY_MS = "100";
    const web = await startSettle(env);
    processes.push(web);
    await waitFor(() => forkedPids(web).length === 2, 30_000, "two web processes");
    const readyz = () => fetch(`http://127.0.0.1:${env.PORT}/readyz`).then((r) => r.status);
    expect(await readyz()).toBe(200);

    const [first] = forkedPids(web);
    process.kill(first!, "SIGKILL");
    await waitFor(() => forkedPids(web).length === 3, 30_000, "a web process to replace the one killed");
    expect(await readyz()).toBe(200);

    web.child.kill("SIGTERM");
    expect(await web.exited).toBe(0);
    expect(forkedPids(web).filter(alive)).toEqual([]);
  });

  it("worker: starts with the worker service's environment and stops cleanly on SIGTERM", async () => {
    const worker = await startSettle(await serviceEnv("worker"));
    processes.push(worker);
    expect(worker.logs.find((l) => l.msg === "Settle is ready")).toMatchObject({ role: "worker" });
    worker.child.kill("SIGTERM");
    expect(await worker.exited).toBe(0);
  });

  it("refuses to start without a required setting, naming it", async () => {
    const { SESSION_SECRET: _omitted, ...env } = await serviceEnv("web");
    const child = spawnMain(env, ["ignore", "ignore", "pipe"]);
    let stderr = "";
    child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise((resolve) => child.once("exit", resolve));
    expect(code).toBe(1);
    expect(stderr).toContain("SESSION_SECRET: is required in production");
  });
});
