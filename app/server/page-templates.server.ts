import { createRequestHandler, data, type AppLoadContext, type ServerBuild } from "@remix-run/node";
import type { NextFunction, Request as ExpressRequest, Response as ExpressResponse } from "express";
import vary from "vary";
import { logger } from "../platform/logger.server";
import type { TemplateSlots } from "../portal/page-template";
import { GzipSegments } from "./whole-body-encoding.server";

/**
 * Pages served from templates that Remix itself renders, for the two busiest borrower pages (the
 * masked landing and the verified overview; docs/product-rules.md §12 gives them the tightest budgets).
 *
 * Such a page differs between two requests only in a few text slots (an account's last 4 digits,
 * formatted amounts, the link code, the CSP nonce); everything else its loaders return is its shape, and
 * shapes are few. So a request runs the page's loaders (the root's and the route's, the same functions
 * Remix runs, with the same context), and the page is rendered through Remix once per shape, with a
 * placeholder in each slot; each request then fills the slots, escaped as React escapes text and
 * attributes. The route declares its slots beside its component (`export const template`); the shape is
 * whatever else the data holds, so it cannot drift from the component. The e2e suite holds every filled
 * page to what Remix renders for the same request (tests/e2e/fast-pages.spec.ts), over random values.
 *
 * Anything else (HEAD, a query string, a loader that throws, such as a redirect or a 404, a shape whose
 * render is not a plain 200 without cookies) goes on to Remix with the same request memo, so the work the
 * loaders did is not done twice (a link's open is counted once).
 */

/** A placeholder no page contains: letters and digits only, so rendering passes it through unchanged. */
function slotPlaceholder(name: string): string {
  return `Zq8SLOTx${name}Xq8Z`;
}

interface PageTemplate {
  /** The literal HTML around the slots (one more part than slots), kept encoded per part. */
  body: GzipSegments;
  slots: string[];
  headers: Array<[string, string]>;
}

export interface FastPathOptions {
  publicBaseUrl: string;
  mode: "production" | "development";
  /** The load context Remix gets for this request (the same function the request handler uses). */
  loadContext: (req: ExpressRequest, res: ExpressResponse) => AppLoadContext;
}

type RouteModule = ServerBuild["routes"][string] & {
  module: { loader?: Loader; template?: TemplateSlots<Record<string, unknown>> };
};
type Loader = (args: {
  request: Request;
  params: Record<string, string>;
  context: AppLoadContext;
}) => unknown;

/** Serves route `routeId` from its templates, or passes the request on to Remix (next). */
export async function serveFromTemplate(
  build: ServerBuild,
  routeId: string,
  opts: FastPathOptions,
  req: ExpressRequest,
  res: ExpressResponse,
  next: NextFunction,
) {
  const route = build.routes[routeId] as RouteModule | undefined;
  const declared = route?.module.template;
  const pass = (reason: string) => {
    logger.debug({ route: routeId, reason }, "page template: passed to Remix");
    next();
  };
  if (!route || !declared) return pass("route has no template");
  const params = req.params as Record<string, string>;
  if (Object.values(params).some((value) => !/^[0-9A-Za-z_-]+$/.test(value)))
    return pass("unusual parameter");
  // Only the page's own address (no query string, no trailing slash): Remix keeps any other in the page.
  if (req.method !== "GET" || req.originalUrl !== routePath(route, params)) return pass("not a plain GET");

  const context = opts.loadContext(req, res);
  res.locals.memo = context.memo; // Remix, if it answers instead, reuses what the loaders already did
  try {
    const args = { request: visitorRequest(req, opts), params, context };
    const [root, page] = await Promise.all([
      runLoader(build.routes.root as RouteModule, args),
      runLoader(route, args),
    ]);
    if (root.thrown || page.thrown) return pass("a loader threw (redirect, error or unavailable)");
    const shape = templateShape(declared, root.data, page, params);
    if (!shape) return pass("the route's data is not a template's");
    const template = await pageTemplate(build, opts, route, shape);
    if (!template) return pass("this shape renders as no plain page");
    sendPageTemplate(req, res, template, shape.values);
  } catch (error) {
    logger.warn(
      { route: routeId, err: error instanceof Error ? error.message : String(error) },
      "page template failed",
    );
    next();
  }
}

/** The route's address with these parameters. */
function routePath(route: RouteModule, params: Record<string, string>): string {
  return `/${route.path ?? ""}`.replace(/:(\w+)/g, (_, name: string) => params[name] ?? "");
}

type LoaderOutcome = { thrown: true } | { thrown: false; data: unknown; init?: ResponseInit };

async function runLoader(route: RouteModule, args: Parameters<Loader>[0]): Promise<LoaderOutcome> {
  try {
    const value = await route.module.loader?.(args);
    // Remix's data(): the data and the response's status and headers.
    if (value && typeof value === "object" && (value as { type?: unknown }).type === "DataWithResponseInit") {
      const { data, init } = value as { data: unknown; init?: ResponseInit };
      return { thrown: false, data, init };
    }
    return { thrown: false, data: value };
  } catch {
    return { thrown: true }; // Remix runs the loader again through the same memo, and answers what it threw
  }
}

interface Shape {
  /** The render's key: the root's data and the route's, with placeholders in the slots. */
  key: string;
  rootData: unknown;
  pageData: Record<string, unknown>;
  init?: ResponseInit;
  params: Record<string, string>;
  values: Record<string, string>;
}

/** The page's shape (its data with placeholders in the slots) and the slot values of this request. */
function templateShape(
  declared: TemplateSlots<Record<string, unknown>>,
  rootData: unknown,
  page: Extract<LoaderOutcome, { thrown: false }>,
  params: Record<string, string>,
): Shape | null {
  if (!page.data || typeof page.data !== "object" || page.init?.status) return null;
  const pageData: Record<string, unknown> = { ...(page.data as Record<string, unknown>) };
  const values: Record<string, string> = {};
  for (const slot of declared.slots) {
    const value = pageData[slot];
    if (value === null || value === undefined) continue; // an absent row is part of the shape
    if (typeof value !== "string") return null;
    values[slot] = value;
    pageData[slot] = slotPlaceholder(slot);
  }
  const templateParams = { ...params };
  for (const name of declared.params ?? []) {
    if (params[name] === undefined) return null;
    values[name] = params[name];
    templateParams[name] = slotPlaceholder(name);
  }
  const key = JSON.stringify([rootData, pageData, templateParams]);
  return { key, rootData, pageData, init: page.init, params: templateParams, values };
}

// Per build (a development rebuild gets fresh templates): its handler, and shape key -> template.
const perBuild = new WeakMap<
  ServerBuild,
  { handler: ReturnType<typeof createRequestHandler>; templates: Map<string, Promise<PageTemplate | null>> }
>();

/** The template of one shape, rendered on first use. A failed render is not remembered. */
function pageTemplate(
  build: ServerBuild,
  opts: FastPathOptions,
  route: RouteModule,
  shape: Shape,
): Promise<PageTemplate | null> {
  let entry = perBuild.get(build);
  if (!entry) {
    entry = { handler: createRequestHandler(withTemplateData(build), opts.mode), templates: new Map() };
    perBuild.set(build, entry);
  }
  const key = `${route.id}|${shape.key}`;
  let template = entry.templates.get(key);
  if (!template) {
    template = renderPageTemplate(entry.handler, opts, route, shape);
    entry.templates.set(key, template);
    const cache = entry.templates;
    template.catch(() => cache.delete(key));
  }
  return template;
}

/** Renders one shape through Remix, its loaders answering the shape's data (withTemplateData). */
async function renderPageTemplate(
  handler: ReturnType<typeof createRequestHandler>,
  opts: FastPathOptions,
  route: RouteModule,
  shape: Shape,
): Promise<PageTemplate | null> {
  const path = routePath(route, shape.params);
  const request = new Request(new URL(path, opts.publicBaseUrl), { headers: { accept: "text/html" } });
  const templateData: TemplateData = {
    root: shape.rootData,
    [route.id]: data(shape.pageData, shape.init),
  };
  const context = { cspNonce: slotPlaceholder("nonce"), publicBaseUrl: opts.publicBaseUrl, templateData };
  const response = await handler(request, context as unknown as AppLoadContext);
  const html = await response.text();
  if (response.status !== 200 || response.headers.has("set-cookie")) return null;
  const bySlot = new Map(
    [...Object.keys(shape.values), "nonce"].map((slot) => [slotPlaceholder(slot), slot] as const),
  );
  const pieces = html.split(new RegExp(`(${[...bySlot.keys()].join("|")})`));
  const parts: string[] = [];
  const slots: string[] = [];
  pieces.forEach((piece, i) => (i % 2 === 0 ? parts.push(piece) : slots.push(bySlot.get(piece)!)));
  // Remix's own compression of the render is undone by Response.text(); the fill encodes again.
  const headers = [...response.headers.entries()].filter(
    ([name]) => name !== "content-encoding" && name !== "content-length",
  );
  return { body: new GzipSegments(parts), slots, headers };
}

/** Loader answers for a template's render, by route id (only the template renderer sets them). */
type TemplateData = Record<string, unknown>;

/** The build, with each loader answering the template's data when the render carries some for its route. */
function withTemplateData(build: ServerBuild): ServerBuild {
  const routes: ServerBuild["routes"] = {};
  for (const [id, route] of Object.entries(build.routes)) {
    if (!route) continue;
    const loader = (route.module as { loader?: Loader }).loader;
    if (!loader) {
      routes[id] = route;
      continue;
    }
    const answer: Loader = (args) => {
      const data = (args.context as { templateData?: TemplateData }).templateData;
      if (!data || !(id in data)) throw new Error(`page template: no data for route ${id}`);
      return data[id];
    };
    routes[id] = { ...route, module: { ...route.module, loader: answer } as typeof route.module };
  }
  return { ...build, routes };
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

/** Fills a template (the nonce from this response's CSP) and sends it, encoded (GzipSegments), with the shape's headers. */
function sendPageTemplate(
  req: ExpressRequest,
  res: ExpressResponse,
  template: PageTemplate,
  values: Record<string, string>,
) {
  const all: Record<string, string> = { ...values, nonce: String(res.locals.cspNonce) };
  const encoded = template.body.encode(
    req.headers["accept-encoding"],
    template.slots.map((slot) => escapeHtml(all[slot] ?? "")),
  );
  res.statusCode = 200;
  for (const [name, value] of template.headers) res.setHeader(name, value);
  // What the compression middleware adds to every HTML response it could encode (these skip it).
  vary(res, "Accept-Encoding");
  if (encoded.encoding) res.setHeader("Content-Encoding", encoded.encoding);
  res.setHeader("Content-Length", encoded.body.length);
  res.end(encoded.body);
}

/** The visitor's request as the loaders read it: its URL, cookies and languages. */
function visitorRequest(req: ExpressRequest, opts: Pick<FastPathOptions, "publicBaseUrl">): Request {
  const headers: Record<string, string> = {};
  if (req.headers.cookie) headers.cookie = req.headers.cookie;
  if (req.headers["accept-language"]) headers["accept-language"] = req.headers["accept-language"];
  return new Request(new URL(req.originalUrl, opts.publicBaseUrl), { headers });
}
