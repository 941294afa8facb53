/**
 * A cluster for tests/server/cluster-metrics.test.ts: the primary serves METRICS_PORT with
 * serveClusterMetrics and forks two workers, each of which keeps its metrics as main.ts's call would
 * under the cluster module (serveConfiguredMetrics) against DATABASE_URL, and counts one landing request.
 * The primary prints `ready <pid>` once both workers are; SIGTERM stops them all.
 */
import cluster from "node:cluster";
import { connectDatabase } from "../../db/connection";
import { observeRequest } from "../../app/platform/metrics.server";
import { serveClusterMetrics, serveConfiguredMetrics } from "../../app/server/metrics.server";

const url = process.env.DATABASE_URL;
const port = Number(process.env.METRICS_PORT);
if (!url || !port) throw new Error("DATABASE_URL and METRICS_PORT are required");

if (cluster.isPrimary) {
  const server = await serveClusterMetrics(port, "127.0.0.1");
  let ready = 0;
  for (let i = 0; i < 2; i++)
    cluster.fork().on("message", (message) => {
      if (message === "ready" && ++ready === 2) process.stdout.write(`ready ${process.pid}\n`);
    });
  process.on("SIGTERM", () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill();
    server.close(() => process.exit(0));
  });
} else {
  const handle = connectDatabase(url, { max: 2 });
  const served = await serveConfiguredMetrics(
    { METRICS_PORT: port, METRICS_HOST: "127.0.0.1" },
    { web: handle, worker: null },
  );
  if (served) throw new Error("a cluster worker must leave the metrics port to the primary");
  observeRequest("/r/:code", "GET", 200, 0.01);
  process.send?.("ready");
  process.on("SIGTERM", () => void handle.close().then(() => process.exit(0)));
}
