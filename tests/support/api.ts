import type { ActionFunctionArgs } from "@remix-run/node";
import type { Kysely } from "kysely";
import type { Database } from "../../db/schema";
import { createApiKey, type ApiScope } from "../../app/api/api-keys.server";
import { bankIntegrationConfig } from "../../app/bank/config.server";

/** A live API key (plaintext) with the given scopes. */
export async function createTestApiKey(
  db: Kysely<Database>,
  scopes: ApiScope[] = ["accounts:write", "payments:write"],
  opts: { expiresAt?: Date | null; name?: string } = {},
) {
  return createApiKey(db, {
    name: opts.name ?? "test key",
    scopes,
    expiresAt: opts.expiresAt ?? null,
    hashKey: bankIntegrationConfig().apiKeyHashKey,
  });
}

export function apiRequest(
  path: string,
  opts: {
    key?: string;
    body?: BodyInit;
    json?: unknown;
    contentType?: string;
    method?: string;
    headers?: Record<string, string>;
  } = {},
): Request {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.key) headers.Authorization = `Bearer ${opts.key}`;
  let body = opts.body;
  if (opts.json !== undefined) {
    body = JSON.stringify(opts.json);
    headers["Content-Type"] = "application/json";
  }
  if (opts.contentType) headers["Content-Type"] = opts.contentType;
  return new Request(`http://portal.test${path}`, { method: opts.method ?? "POST", headers, body });
}

type Handler = (args: ActionFunctionArgs) => Promise<Response> | Response;

/** Calls a route's action (or loader) the way Remix would, and parses the JSON answer. */
export async function callRoute(
  handler: Handler,
  db: Kysely<Database>,
  request: Request,
  params: Record<string, string> = {},
) {
  const response = await handler({
    request,
    params,
    context: { db, cspNonce: "x", publicBaseUrl: "http://portal.test" },
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text ? (JSON.parse(text) as any) : null,
  };
}
