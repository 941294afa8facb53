import { data } from "@remix-run/node";
import type { SubmissionResult } from "@conform-to/react";
import type { LoginFailure } from "./auth.server";
import { clearPendingLogin } from "./session.server";

const noStore = { "Cache-Control": "no-store" };

/**
 * The answer every sign-in step gives when it is throttled (429 + Retry-After) or the
 * account is locked (423), with the minutes to show. `reply` builds the form result the
 * way that step's form wants it (hidden fields, reset); a locked second step also drops
 * the half-finished sign-in.
 */
export async function blockedLoginResponse(
  result: Extract<LoginFailure, { status: "rate_limited" | "locked" }>,
  reply: (formErrors: string[]) => SubmissionResult<string[]>,
  opts: { endPendingLogin: boolean },
) {
  if (result.status === "rate_limited") {
    return data(
      { result: reply(["errors.rateLimited"]), retryMinutes: Math.ceil(result.retryAfterSec / 60) },
      { status: 429, headers: { ...noStore, "Retry-After": String(result.retryAfterSec) } },
    );
  }
  return data(
    {
      result: reply(["errors.locked"]),
      retryMinutes: Math.ceil((result.until.getTime() - Date.now()) / 60_000),
    },
    {
      status: 423,
      headers: opts.endPendingLogin ? { ...noStore, "Set-Cookie": await clearPendingLogin() } : noStore,
    },
  );
}
