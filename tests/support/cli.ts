import { spawnSync } from "node:child_process";

/**
 * `npm run settle -- <args>` as a real process. The npm script is tsx over app/cli/settle.ts; node with
 * tsx's loader runs the same entry with the same loader, without npm's or npx's start-up and the tsx
 * CLI's second process (~2.6 s against ~0.9 s a run on this 2-core machine).
 */
export function runSettle(args: string[], opts: { env?: NodeJS.ProcessEnv } = {}) {
  return spawnSync(process.execPath, ["--import", "tsx", "app/cli/settle.ts", ...args], {
    encoding: "utf8",
    env: opts.env ?? process.env,
  });
}
