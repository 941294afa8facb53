import type { Task, TaskList } from "graphile-worker";
import { observeJob } from "../platform/metrics.server";
import { payloadRequestId, withRequestId } from "../platform/request-context.server";

/**
 * Every task runs under the request id its payload carries (a job a request queued: a confirmation text,
 * a bank event, a link's first-open audit), so the lines it logs, through graphile-worker's
 * helpers.logger or ours, carry the request's `reqId`; and its duration is observed by task and result.
 */
export function withJobContext(tasks: TaskList): TaskList {
  const wrapped: TaskList = {};
  for (const [name, task] of Object.entries(tasks)) if (task) wrapped[name] = inContext(name, task);
  return wrapped;
}

function inContext(name: string, task: Task): Task {
  return (payload, helpers) => {
    const run = async () => {
      const started = performance.now();
      const seconds = () => (performance.now() - started) / 1000;
      try {
        const result = await task(payload, helpers);
        observeJob(name, "ok", seconds());
        return result;
      } catch (error) {
        observeJob(name, "error", seconds());
        throw error;
      }
    };
    const requestId = payloadRequestId(payload);
    return requestId ? withRequestId(requestId, run) : run();
  };
}
