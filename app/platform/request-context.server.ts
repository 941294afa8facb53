import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";

/**
 * The request id of the work in progress: a web request's (set by app/server/request-id.server.ts) or, in
 * the worker, that of the request which queued the job (app/worker/job-context.server.ts). Every log line
 * written inside carries it as `reqId` (the logger's mixin), and a job queued inside carries it in its
 * payload (`requestId`), so one id ties a borrower's tap to the texts and webhooks it caused.
 */
const context = new AsyncLocalStorage<string>();

/** Runs fn (and everything it awaits or schedules) under the request id. */
export function withRequestId<T>(requestId: string, fn: () => T): T {
  return context.run(requestId, fn);
}

/** The request id of the work in progress, if any (none in a cron job or a command). */
export function currentRequestId(): string | undefined {
  return context.getStore();
}

// What an id from a proxy may look like: a UUID, a hex trace id, a load balancer's own format. Anything
// else (a header a client forged with text meant for the logs) is replaced with one of ours.
const ACCEPTABLE_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/** The proxy's X-Request-Id when the proxy is trusted and the value is well formed, else a new id. */
export function requestIdFor(header: string | string[] | undefined, fromTrustedProxy: boolean): string {
  if (fromTrustedProxy && typeof header === "string" && ACCEPTABLE_ID.test(header)) return header;
  return randomUUID();
}

/** A job payload's request id (`{ requestId }`, or the first entry's in a batch job), if well formed. */
export function payloadRequestId(payload: unknown): string | undefined {
  const carrier: unknown = Array.isArray(payload) ? payload[0] : payload;
  const id =
    carrier && typeof carrier === "object" ? (carrier as { requestId?: unknown }).requestId : undefined;
  return typeof id === "string" && ACCEPTABLE_ID.test(id) ? id : undefined;
}

/** A job's payload as JSON: its fields, and the request id of the work in progress when there is one. */
export function jobPayload(fields: Record<string, string>): string {
  const requestId = currentRequestId();
  return JSON.stringify(requestId ? { ...fields, requestId } : fields);
}
