import { createRequestHandler, type AppLoadContext, type ServerBuild } from "@remix-run/node";
import type { Request as ExpressRequest, Response as ExpressResponse } from "express";
import type { Kysely } from "kysely";
import type { Database } from "../../db/schema";
import vary from "vary";
import { GzipSegments } from "./whole-body-encoding.server";

/**
 * Pages served from templates that Remix itself renders, for the two busiest borrower pages (the
 * masked landing and the verified overview; docs/product-rules.md §12 gives them the tightest budgets).
 *
 * Such a page differs between two requests only in a few text slots (an account's last 4 digits,
 * formatted amounts, the CSP nonce); its shape (language, product, which rows it has) comes from a
 * small set. So Remix renders it once per shape, through the same request handler, routes, root
 * layout and translations as any request, with a placeholder in each slot, and each request then
 * fills the slots, escaped as React escapes text and attributes. The e2e suite holds every filled
 * page to what Remix renders for the same request (tests/e2e/fast-pages.spec.ts), over random values.
 *
 * Only the render is shared: every request still reads its own data, with the same functions the
 * routes' loaders use. A shape whose render is not a plain 200 without cookies is never templated.
 */

/** A placeholder no page contains: letters and digits only, so rendering passes it through unchanged. */
export function slotPlaceholder(name: string): string {
  return `Zq8SLOTx${name}Xq8Z`;
}

export interface PageTemplate<K extends string> {
  /** The literal HTML around the slots (one more part than slots), kept encoded per part. */
  body: GzipSegments;
  slots: K[];
  headers: Array<[string, string]>;
}

/** What React's server renderer does to text and attribute values (react-dom escapeTextForBrowser). */
const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#x27;",
};
function escapeHtml(value: string): string {
  return /["&'<>]/.test(value) ? value.replace(/["&'<>]/g, (c) => ESCAPES[c]!) : value;
}

type RemixHandler = ReturnType<typeof createRequestHandler>;

/** Every template has this slot besides its own: each response carries its own CSP nonce. */
type WithNonce<K extends string> = K | "nonce";

/**
 * Renders one shape of the page at `path` through Remix, the slots holding their placeholders (the
 * caller puts them in `context`, where the route's loader finds them). Null when the page cannot be
 * a template.
 */
export async function renderPageTemplate<K extends string>(
  handler: RemixHandler,
  opts: FastPathOptions,
  path: string,
  context: Partial<AppLoadContext>,
  slots: readonly K[],
): Promise<PageTemplate<WithNonce<K>> | null> {
  const request = new Request(new URL(path, opts.publicBaseUrl), { headers: { accept: "text/html" } });
  const response = await handler(request, {
    db: opts.db,
    publicBaseUrl: opts.publicBaseUrl,
    cspNonce: slotPlaceholder("nonce"),
    clientIp: "template",
    ...context,
  });
  const html = await response.text();
  if (response.status !== 200 || response.headers.has("set-cookie")) return null;
  const bySlot = new Map<string, WithNonce<K>>(
    [...slots, "nonce" as const].map((slot) => [slotPlaceholder(slot), slot]),
  );
  const pieces = html.split(new RegExp(`(${[...bySlot.keys()].join("|")})`));
  const parts: string[] = [];
  const found: Array<WithNonce<K>> = [];
  pieces.forEach((piece, i) => (i % 2 === 0 ? parts.push(piece) : found.push(bySlot.get(piece)!)));
  // Remix's own compression of the render is undone by Response.text(); the fill encodes again.
  const headers = [...response.headers.entries()].filter(
    ([name]) => name !== "content-encoding" && name !== "content-length",
  );
  return { body: new GzipSegments(parts), slots: found, headers };
}

export interface TemplateOptions {
  publicBaseUrl: string;
  mode: "production" | "development";
}

/** What a page's fast path is given by app/server/http.server.ts. */
export interface FastPathOptions extends TemplateOptions {
  db: Kysely<Database>;
}

// Per build (a development rebuild gets fresh templates) and per page: shape key -> template.
const perBuild = new WeakMap<
  ServerBuild,
  { handler: RemixHandler; pages: Map<string, Map<string, Promise<PageTemplate<string> | null>>> }
>();

/** The template of one page in one shape, rendered on first use. A failed render is not remembered. */
export function pageTemplate<K extends string>(
  build: ServerBuild,
  opts: TemplateOptions,
  page: string,
  shapeKey: string,
  render: (handler: RemixHandler) => Promise<PageTemplate<WithNonce<K>> | null>,
): Promise<PageTemplate<WithNonce<K>> | null> {
  let entry = perBuild.get(build);
  if (!entry)
    perBuild.set(build, (entry = { handler: createRequestHandler(build, opts.mode), pages: new Map() }));
  let templates = entry.pages.get(page);
  if (!templates) entry.pages.set(page, (templates = new Map()));
  let template = templates.get(shapeKey) as Promise<PageTemplate<WithNonce<K>> | null> | undefined;
  if (!template) {
    template = render(entry.handler);
    templates.set(shapeKey, template);
    const cache = templates;
    template.catch(() => cache.delete(shapeKey));
  }
  return template;
}

/** Fills a template (the nonce from this response's CSP) and sends it, encoded (GzipSegments), with the headers Remix gave the shape. */
export function sendPageTemplate<K extends string>(
  req: ExpressRequest,
  res: ExpressResponse,
  template: PageTemplate<WithNonce<K>>,
  values: Record<K, string>,
) {
  const all = { ...values, nonce: String(res.locals.cspNonce) } as Record<WithNonce<K>, string>;
  const encoded = template.body.encode(
    req.headers["accept-encoding"],
    template.slots.map((slot) => escapeHtml(all[slot])),
  );
  res.statusCode = 200;
  for (const [name, value] of template.headers) res.setHeader(name, value);
  // What the compression middleware adds to every HTML response it could encode (these skip it).
  vary(res, "Accept-Encoding");
  if (encoded.encoding) res.setHeader("Content-Encoding", encoded.encoding);
  res.setHeader("Content-Length", encoded.body.length);
  res.end(encoded.body);
}

/** The visitor's request as the locale and session code read it: its URL, cookies and languages. */
export function visitorRequest(req: ExpressRequest, opts: TemplateOptions): Request {
  const headers: Record<string, string> = {};
  if (req.headers.cookie) headers.cookie = req.headers.cookie;
  if (req.headers["accept-language"]) headers["accept-language"] = req.headers["accept-language"];
  return new Request(new URL(req.originalUrl, opts.publicBaseUrl), { headers });
}
