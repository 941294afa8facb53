import type { ServerBuild } from "@remix-run/node";
import { BodyTooLarge, readCappedBody } from "../platform/request-body.server";
import { wrapDataFunctions, type DataFunction } from "./route-wrappers.server";
import { MAX_FORM_BODY_BYTES, readsOwnBody } from "./security.server";

/**
 * Every page's action reads its form (`request.formData()`) from a body that has already been read
 * through the one capped reader (app/platform/request-body.server.ts), so a page can never buffer more
 * than MAX_FORM_BODY_BYTES, whether the client declared a length or sent it chunked. /api and /webhooks
 * read their own bodies through the same reader, with their own caps.
 */
function capFormBody(fn: DataFunction, kind: "loader" | "action"): DataFunction {
  if (kind === "loader") return fn;
  return async (args) => {
    const { request } = args;
    if (request.method === "GET" || request.method === "HEAD" || readsOwnBody(new URL(request.url).pathname))
      return fn(args);
    let body: Buffer;
    try {
      body = await readCappedBody(request, MAX_FORM_BODY_BYTES);
    } catch (error) {
      if (!(error instanceof BodyTooLarge)) throw error;
      throw new Response("Form too large", {
        status: 413,
        headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" },
      });
    }
    const read = new Request(request.url, {
      method: request.method,
      headers: request.headers,
      body: new Uint8Array(body), // a copy of at most MAX_FORM_BODY_BYTES, as BodyInit's type wants
      signal: request.signal,
    });
    return fn({ ...args, request: read });
  };
}

/** The build with every page action's form read through the capped reader first. */
export function withCappedFormBodies(build: ServerBuild): ServerBuild {
  return wrapDataFunctions(build, capFormBody);
}
