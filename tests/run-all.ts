/**
 * `npm test`: format, lint (layers and cycles), unused code, type-check, a production build, unit + integration
 * (vitest, real Postgres; some tests start that build), then end-to-end journeys (Playwright, real Chromium).
 * Ends with one line, "Summary: N passed, N failed", and a non-zero exit on any failure.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";

const RESULTS = "tests/.results";
rmSync(RESULTS, { recursive: true, force: true });
mkdirSync(RESULTS, { recursive: true });

interface Step {
  name: string;
  command: string[];
  env?: Record<string, string>;
}

const steps: Step[] = [
  { name: "format", command: ["npx", "prettier", "--check", "--log-level=warn", "."] },
  { name: "lint", command: ["npx", "eslint", "."] },
  { name: "unused code", command: ["npx", "knip"] },
  { name: "typecheck", command: ["npx", "tsc", "--noEmit"] },
  // Before vitest: the multi-process and deploy tests start the production build (tests/support/processes.ts).
  { name: "build", command: ["npm", "run", "build"] },
  {
    name: "unit + integration",
    command: [
      "npx",
      "vitest",
      "run",
      "--reporter=default",
      "--reporter=json",
      `--outputFile.json=${RESULTS}/vitest.json`,
    ],
    env: { NODE_ENV: "test" },
  },
  { name: "end-to-end", command: ["npx", "playwright", "test"] },
];

const failedSteps: string[] = [];
for (const step of steps) {
  process.stdout.write(`\n=== ${step.name}: ${step.command.join(" ")}\n`);
  const started = Date.now();
  const result = spawnSync(step.command[0]!, step.command.slice(1), {
    stdio: "inherit",
    env: { ...process.env, ...step.env },
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  process.stdout.write(
    `=== ${step.name}: ${result.status === 0 ? "ok" : `FAILED (exit ${result.status})`} in ${seconds}s\n`,
  );
  if (result.status !== 0) {
    failedSteps.push(step.name);
    if (step.name === "build") break; // vitest's process tests and e2e need the build
  }
}

const vitest = readJson<{ numPassedTests: number; numFailedTests: number }>(`${RESULTS}/vitest.json`);
const playwright = readJson<{ stats: { expected: number; unexpected: number; flaky: number } }>(
  `${RESULTS}/playwright.json`,
);
const passed =
  (vitest?.numPassedTests ?? 0) + (playwright ? playwright.stats.expected + playwright.stats.flaky : 0);
const failed = (vitest?.numFailedTests ?? 0) + (playwright?.stats.unexpected ?? 0);

process.stdout.write("\n");
process.stdout.write(
  `vitest: ${vitest ? `${vitest.numPassedTests} passed, ${vitest.numFailedTests} failed` : "no report"}\n`,
);
process.stdout.write(
  `playwright: ${playwright ? `${playwright.stats.expected + playwright.stats.flaky} passed, ${playwright.stats.unexpected} failed` : "no report"}\n`,
);
if (failedSteps.length) process.stdout.write(`failed steps: ${failedSteps.join(", ")}\n`);
process.stdout.write(`Summary: ${passed} passed, ${failed} failed\n`);
process.exit(failedSteps.length || failed || !vitest || !playwright ? 1 : 0);

function readJson<T>(path: string): T | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, "utf8")) as T;
  } catch {
    return undefined;
  }
}
