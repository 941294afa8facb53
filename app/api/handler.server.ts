import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import type { Kysely } from "kysely";
import type { Database } from "../../db/schema";
import { bankIntegrationConfig } from "../bank/config.server";
import { consume } from "../platform/rate-limit.server";
import type { ApiScope } from "./api-keys.server";
import { authenticateApiKey, type ApiPrincipal } from "./auth.server";
import { ApiError, apiErrorResponse, toApiErrorResponse } from "./errors.server";

export interface ApiRequestContext {
  request: Request;
  params: ActionFunctionArgs["params"];
  db: Kysely<Database>;
  principal: ApiPrincipal;
  /** When Settle received the request: the default `balance_as_of`. */
  receivedAt: Date;
}

/**
 * The one way to write an /api/v1 action: POST only, API key with the scope,
 * a per-key rate limit shared by every web process, and every failure in the
 * `{ error: { code, message, details? } }` shape (never an HTML error page).
 * The key is checked before the body is read, so anonymous callers cannot make
 * Settle buffer megabytes.
 */
export function apiAction(
  opts: { scope: ApiScope; name: string },
  handle: (ctx: ApiRequestContext) => Promise<Response>,
) {
  return async ({ request, params, context }: ActionFunctionArgs): Promise<Response> => {
    const receivedAt = new Date();
    try {
      if (request.method !== "POST") throw methodNotAllowed("POST");
      const cfg = bankIntegrationConfig();
      const principal = await authenticateApiKey(context.db, request, opts.scope, {
        hashKey: cfg.apiKeyHashKey,
        now: receivedAt,
      });
      const limit = await consume(context.db, `api:key:${principal.keyId}`, {
        points: cfg.apiRateLimitPerMinute,
        durationSec: 60,
      });
      if (!limit.ok) {
        throw new ApiError(
          429,
          "rate_limited",
          `Too many requests for this API key; retry in ${limit.retryAfterSec} s.`,
          { retryAfterSec: limit.retryAfterSec },
          {
            "Retry-After": String(limit.retryAfterSec),
          },
        );
      }
      return await handle({ request, params, db: context.db, principal, receivedAt });
    } catch (error) {
      return toApiErrorResponse(error, opts.name);
    }
  };
}

function methodNotAllowed(allow: string): ApiError {
  return new ApiError(405, "method_not_allowed", `Use ${allow} for this endpoint.`, undefined, {
    Allow: allow,
  });
}

/** Loader for POST-only endpoints: a JSON 405 instead of Remix's HTML error. */
export function postOnlyLoader(_args: LoaderFunctionArgs): Response {
  return apiErrorResponse(methodNotAllowed("POST"));
}
