import { z } from "zod";

/**
 * The optimisations that must show their pay (docs/decisions), each of which a process can run without:
 * `npm run bench -- --without NAME` starts a web process with SETTLE_BENCH_WITHOUT=NAME and measures the
 * budgets with and without it in the same run. Nothing else sets the variable; unknown names stop the
 * process at start-up.
 */
export const SWITCHABLE = ["group-commit", "random-pool", "gzip-segments", "prepared-statements"] as const;
type Switchable = (typeof SWITCHABLE)[number];

const off = z
  .array(z.enum(SWITCHABLE))
  .parse((process.env.SETTLE_BENCH_WITHOUT ?? "").split(",").filter(Boolean));

/** True when this process runs without the named optimisation (a benchmark's comparison run). */
export function benchWithout(name: Switchable): boolean {
  return off.includes(name);
}
