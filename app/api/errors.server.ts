import type { ZodIssue } from "zod";
import { isDatabaseUnavailable, RETRY_AFTER_SECONDS } from "../../db/unavailable";
import { errorFields, logger } from "../platform/logger.server";

/**
 * Every /api/v1 error has one shape: `{ error: { code, message, details? } }`.
 * Codes are stable identifiers clients branch on; messages are for humans.
 */
interface ApiErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const NO_STORE = { "Cache-Control": "no-store" };

export function apiJson(
  body: unknown,
  init: { status?: number; headers?: Record<string, string> } = {},
): Response {
  return Response.json(body, { status: init.status ?? 200, headers: { ...NO_STORE, ...init.headers } });
}

export function apiErrorResponse(error: ApiError): Response {
  const body: ApiErrorBody = { error: { code: error.code, message: error.message } };
  if (error.details !== undefined) body.error.details = error.details;
  return apiJson(body, { status: error.status, headers: error.headers });
}

/** A field problem as clients see it: `path` is dotted (e.g. `phone`, `records.3.balance_minor`). */
export interface FieldIssue {
  path: string;
  message: string;
}

export function fieldIssues(issues: readonly ZodIssue[], prefix: (string | number)[] = []): FieldIssue[] {
  return issues.map((i) => ({ path: [...prefix, ...i.path].join(".") || "(body)", message: i.message }));
}

/** Turns anything thrown inside an API handler into the JSON error shape; unexpected errors are logged, never echoed. */
export function toApiErrorResponse(error: unknown, route: string): Response {
  if (error instanceof ApiError) return apiErrorResponse(error);
  if (error instanceof Response) return error;
  if (isDatabaseUnavailable(error)) {
    logger.warn(
      { route, err: error instanceof Error ? error.message : String(error) },
      "api: database unavailable",
    );
    return apiErrorResponse(
      new ApiError(
        503,
        "service_unavailable",
        "Settle is temporarily unavailable; retry shortly.",
        undefined,
        { "Retry-After": String(RETRY_AFTER_SECONDS) },
      ),
    );
  }
  logger.error({ err: errorFields(error), route }, "api handler failed");
  return apiErrorResponse(
    new ApiError(500, "internal_error", "Something went wrong on our side; the request may be retried."),
  );
}
