/**
 * While the database is unreachable (restarting, failing over, out of
 * connections) the app answers 503 with Retry-After, instead of a 500, and
 * recovers on its own when the database is back (the pool reconnects).
 */
export const RETRY_AFTER_SECONDS = 5;

// Postgres SQLSTATEs meaning "the server is not there for you right now", not "your query is wrong";
// 57014: a statement cancelled, as statement_timeout does (db/connection.ts) when the database is too slow.
const UNAVAILABLE_SQLSTATE = /^(08...|57P01|57P02|57P03|57014|53300|53400)$/;
const UNAVAILABLE_NODE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);
// node-postgres and pg-pool report a lost or never-made connection with these messages and no code.
const UNAVAILABLE_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect/,
  /^Client has encountered a connection error and is not queryable/,
  /^Client was closed and is not queryable/,
  /the database system is (starting up|shutting down|in recovery mode)/,
  /terminating connection due to administrator command/,
];

/**
 * This process already has as much waiting for the database as it may queue (the group commit's bound,
 * app/platform/group-commit.server.ts): answered as unavailable, so the client comes back later instead
 * of the queue growing without end.
 */
export class DatabaseBusy extends Error {
  constructor(what: string) {
    super(`database busy: ${what}`);
  }
}

export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== "object" || depth > 3) return false;
  if (error instanceof DatabaseBusy) return true;
  const e = error as {
    code?: unknown;
    syscall?: unknown;
    message?: unknown;
    errors?: unknown;
    cause?: unknown;
  };
  if (typeof e.code === "string" && (UNAVAILABLE_SQLSTATE.test(e.code) || UNAVAILABLE_NODE_CODES.has(e.code)))
    return true;
  // A Unix socket's file is gone while its server is down (the embedded server's clients use one).
  if (e.code === "ENOENT" && e.syscall === "connect") return true;
  if (typeof e.message === "string" && UNAVAILABLE_MESSAGES.some((re) => re.test(e.message as string)))
    return true;
  if (Array.isArray(e.errors) && e.errors.some((inner) => isDatabaseUnavailable(inner, depth + 1)))
    return true; // AggregateError (IPv4 + IPv6)
  return isDatabaseUnavailable(e.cause, depth + 1);
}

export function unavailableResponse(): Response {
  return new Response("Service temporarily unavailable", {
    status: 503,
    headers: {
      "Retry-After": String(RETRY_AFTER_SECONDS),
      "Cache-Control": "no-store",
      "Content-Type": "text/plain; charset=utf-8",
    },
  });
}
