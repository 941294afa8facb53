import cluster, { type Worker } from "node:cluster";
import { logger } from "../platform/logger.server";

/** Pause before a died web process is replaced, so a fault that kills every start cannot spin the CPU. */
const RESTART_DELAY_MS = 1_000;

export interface WebProcesses {
  /** SIGTERM to each web process (each drains: docs/architecture.md §5), resolved once all have exited. */
  close(): Promise<void>;
}

/**
 * Forks `count` web processes from this one (node:cluster: they share the port, and the primary hands them
 * connections in turn). The primary has migrated already; each process gets `env` (ROLE=web and the
 * database URL). One that dies unexpectedly is replaced; one that dies before it ever listened stops the
 * whole process (exit 1), since its replacement would fail the same way.
 */
export function forkWebProcesses(count: number, env: Record<string, string>): WebProcesses {
  let stopping = false;
  const listened = new WeakSet<Worker>();
  const fork = () => cluster.fork(env);
  cluster.on("listening", (worker) => {
    listened.add(worker);
    logger.info({ pid: worker.process.pid }, "web process listening");
  });
  cluster.on("exit", (worker, code, signal) => {
    if (stopping) return;
    if (!listened.has(worker)) {
      logger.fatal({ pid: worker.process.pid, code, signal }, "web process failed to start");
      process.exit(1);
    }
    logger.error({ pid: worker.process.pid, code, signal }, "web process died: starting another");
    setTimeout(() => stopping || fork(), RESTART_DELAY_MS);
  });
  for (let i = 0; i < count; i++) fork();
  return {
    async close() {
      stopping = true;
      const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w && !w.isDead());
      await Promise.all(
        workers.map(
          (w) =>
            new Promise<void>((resolve) => {
              w.once("exit", () => resolve());
              w.process.kill("SIGTERM");
            }),
        ),
      );
    },
  };
}
