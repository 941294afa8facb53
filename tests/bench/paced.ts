import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { monitorEventLoopDelay } from "node:perf_hooks";
import * as hdr from "hdr-histogram-js";
import { Pool } from "undici";

/**
 * An open-loop load at a fixed rate (wrk2's method): request k is due at start + k / rate, whatever
 * happened to the ones before it, and its latency runs from when it was due, not from when a connection
 * was free to send it. A server that stalls therefore shows its stall in every request that waited
 * (no coordinated omission). Requests go over `connections` keep-alive connections (undici's Pool); when
 * all are busy, due requests wait in the pool's queue, and that wait counts.
 *
 * (autocannon's own rate option sends each connection's quota for the second as fast as it can and
 * then pauses, so it measures bursts; and it corrects for coordinated omission at 1 ms intervals, which
 * inflates every latency above 1 ms.)
 *
 * A late send counts as latency too, so the generator's own pauses would: `generatorLagP99` is its
 * event loop's delay, and pacedLoadInChild runs it in a fresh process of its own (the bench process
 * carries the planner's and dispatcher's heap into the HTTP runs, and its collector's pauses with it).
 */
export interface PacedResult {
  offered: number;
  /** Requests answered per second of the measured window. */
  served: number;
  requests: number;
  p50: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
  /** The generator's event-loop delay, p99 in ms: a send can be this late through no fault of the server. */
  generatorLagP99: number;
  /** The generator's own CPU per request, ms. */
  generatorCpuMsPerRequest: number;
}

export interface PacedOptions {
  origin: string;
  rate: number;
  durationSec: number;
  warmupSec?: number;
  connections: number;
  /** Requested in turn, round-robin. */
  targets: Array<{ path: string; headers?: Record<string, string> }>;
  headers?: Record<string, string>;
}

export async function pacedLoad(opts: PacedOptions): Promise<PacedResult> {
  const pool = new Pool(opts.origin, { connections: opts.connections, pipelining: 1 });
  try {
    if (opts.warmupSec) await run(pool, opts, opts.warmupSec);
    return await run(pool, opts, opts.durationSec);
  } finally {
    await pool.close();
  }
}

/** pacedLoad in a child process of its own (see above). */
export function pacedLoadInChild(opts: PacedOptions): Promise<PacedResult> {
  const child = fork(fileURLToPath(import.meta.url), [], {
    execArgv: ["--import", "tsx"],
    env: { ...process.env, SETTLE_PACED_CHILD: "1" },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  return new Promise((resolve, reject) => {
    child.once("message", (message: { result?: PacedResult; error?: string }) => {
      if (message.result) resolve(message.result);
      else reject(new Error(`paced load failed: ${message.error}`));
    });
    child.once("exit", (code) => reject(new Error(`paced load process exited with ${code}`)));
    child.send(opts);
  });
}

if (process.env.SETTLE_PACED_CHILD && process.send) {
  process.once("message", (opts: PacedOptions) => {
    pacedLoad(opts).then(
      (result) => process.send!({ result }, undefined, undefined, () => process.exit(0)),
      (error: unknown) =>
        process.send!({ error: String(error) }, undefined, undefined, () => process.exit(1)),
    );
  });
}

async function run(pool: Pool, opts: PacedOptions, durationSec: number): Promise<PacedResult> {
  const histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
  });
  const total = Math.round(opts.rate * durationSec);
  const intervalMs = 1000 / opts.rate;
  let sent = 0;
  let non2xx = 0;
  let errors = 0;
  const inFlight = new Set<Promise<void>>();
  const lag = monitorEventLoopDelay({ resolution: 1 });
  lag.enable();
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  const send = (dueAt: number) => {
    const target = opts.targets[sent % opts.targets.length]!;
    const done = pool
      .request({ path: target.path, method: "GET", headers: { ...opts.headers, ...target.headers } })
      .then(async (res) => {
        await res.body.dump();
        if (res.statusCode < 200 || res.statusCode > 299) non2xx += 1;
      })
      .catch(() => {
        errors += 1;
      })
      .finally(() => {
        histogram.recordValue(Math.max(1, Math.round((performance.now() - dueAt) * 1000))); // microseconds
        inFlight.delete(done);
      });
    inFlight.add(done);
  };
  await new Promise<void>((finished) => {
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + sent * intervalMs <= now) {
        send(start + sent * intervalMs);
        sent += 1;
      }
      if (sent < total)
        setTimeout(tick, Math.max(0, Math.min(1, start + sent * intervalMs - performance.now())));
      else finished();
    };
    tick();
  });
  await Promise.all(inFlight);
  lag.disable();
  const cpu = process.cpuUsage(cpuBefore);
  const elapsedSec = (performance.now() - start) / 1000;
  const ms = (us: number) => Math.round(us / 100) / 10;
  const result: PacedResult = {
    offered: opts.rate,
    served: Math.round(histogram.totalCount / elapsedSec),
    requests: histogram.totalCount,
    p50: ms(histogram.getValueAtPercentile(50)),
    p99: ms(histogram.getValueAtPercentile(99)),
    max: ms(histogram.maxValue),
    non2xx,
    errors,
    generatorLagP99: Math.round(lag.percentile(99) / 1e5) / 10,
    generatorCpuMsPerRequest: histogram.totalCount
      ? Math.round((cpu.user + cpu.system) / 10 / histogram.totalCount) / 100
      : 0,
  };
  histogram.destroy();
  return result;
}
