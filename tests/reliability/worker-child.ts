/**
 * A worker process for the reliability tests: graphile-worker with Settle's
 * task list (startWorker) against DATABASE_URL, until it is killed.
 * Liveness sweeps run every second with a 1 s grace so a test need not wait a minute.
 */
import { connectDatabase } from "../../db/connection";
import { startWorker } from "../../app/worker/worker.server";

const url = process.env.DATABASE_URL;
if (!url) throw new Error("DATABASE_URL is required");
const handle = connectDatabase(url, { max: 12 });
const runner = await startWorker({
  pool: handle.pool,
  db: handle.db,
  concurrency: Number(process.env.WORKER_CONCURRENCY ?? 8),
  liveness: { graceMs: 1_000, sweepMs: 1_000 },
});
process.stdout.write(`ready ${process.pid}\n`);
const stop = async () => {
  await runner.stop();
  await handle.close();
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
await runner.promise;
