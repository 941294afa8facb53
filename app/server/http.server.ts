import { createRequestHandler } from "@remix-run/express";
import type { AppLoadContext, ServerBuild } from "@remix-run/node";
import compression from "compression";
import express from "express";
import type { Kysely } from "kysely";
import type { Database } from "../../db/schema";
import type { RequestMemo } from "../platform/request-memo";
import { serveFromTemplate } from "./page-templates.server";
import type { TrustProxy } from "../platform/config.server";
import { ambiguousPathGuard, formBodyGuard, originCheck, securityHeaders } from "./security.server";
import { RETRY_AFTER_SECONDS } from "../../db/unavailable";
import { withCappedFormBodies } from "./capped-bodies.server";
import { withDatabaseUnavailable } from "./unavailable.server";
import { assignRequestId, logRequests, unlogged } from "./request-id.server";

export interface HttpOptions {
  db: Kysely<Database>;
  production: boolean;
  publicBaseUrl: string;
  /** Express's `trust proxy`: which hops' X-Forwarded-For to believe (TRUST_PROXY; false: none). */
  trustProxy: TrustProxy;
  /** Extra origins the browser may be redirected to after a form post (the local Stripe test double). */
  formActionOrigins?: string[];
  /** The Remix build: bundled with this server in production, loaded per request from Vite in development. */
  build: ServerBuild | (() => Promise<ServerBuild>);
  /** Development: Vite's middlewares (modules, assets, HMR). Production serves build/client itself. */
  devMiddlewares?: express.RequestHandler;
}

/**
 * Security headers, the refusal of ambiguous paths, CSRF origin check and form body guard, in the order
 * every request meets them (tests mount them too).
 */
export function mountRequestGuards(
  app: express.Express,
  opts: Pick<HttpOptions, "production" | "publicBaseUrl" | "formActionOrigins">,
) {
  app.use(securityHeaders({ production: opts.production, formActionOrigins: opts.formActionOrigins }));
  // Before the guards below: they and Remix must see one path.
  app.use(ambiguousPathGuard());
  app.use(originCheck({ allowedOrigins: [new URL(opts.publicBaseUrl).origin] }));
  app.use(formBodyGuard());
}

const LANDING_PATH = "/r/:code";
const OVERVIEW_PATH = "/account";
const LANDING = /^\/r\/[^/]+$/;

/** A request one of the fast paths takes first (the routes below), so it skips compression until it falls through. */
function isFastPathRequest(req: express.Request): boolean {
  return (
    (req.method === "GET" || req.method === "HEAD") && (req.path === OVERVIEW_PATH || LANDING.test(req.path))
  );
}

/** The Remix build as every request meets it: page forms capped, an unreachable database a 503. */
function prepareBuild(build: HttpOptions["build"]): HttpOptions["build"] {
  const prepare = (b: ServerBuild) => withDatabaseUnavailable(withCappedFormBodies(b));
  return typeof build === "function" ? async () => prepare(await build()) : prepare(build);
}

/** The Express app: static assets, security headers, then Remix for everything else. */
export function createHttpApp(opts: HttpOptions) {
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", opts.trustProxy);
  // First: every answer, a guard's refusal included, has its id, its log line and its latency.
  app.use(assignRequestId);
  app.use(logRequests(opts.build));
  // The compression middleware wraps every response it sees (its closures and on-headers hooks were
  // about a third of the short-lived objects the web process promoted to the old generation under
  // the landing's load, by sampling heap profile). The two fast paths encode their own bodies
  // (GzipSegments), so their requests meet it only if they go on to Remix (compressIfDeferred).
  const compress = compression();
  app.use((req, res, next) => (isFastPathRequest(req) ? next() : compress(req, res, next)));
  const compressIfDeferred: express.RequestHandler = (req, res, next) =>
    isFastPathRequest(req) ? compress(req, res, next) : next();
  mountRequestGuards(app, opts);

  if (opts.devMiddlewares) app.use(unlogged(opts.devMiddlewares));
  else serveClientFiles(app);
  const build = prepareBuild(opts.build);
  app.use(answerHeaders);

  const mode = opts.production ? "production" : "development";
  const loadContext = (req: express.Request, res: express.Response): AppLoadContext => ({
    db: opts.db,
    cspNonce: String(res.locals.cspNonce),
    publicBaseUrl: opts.publicBaseUrl,
    clientIp: req.ip,
    memo: (res.locals.memo as RequestMemo | undefined) ?? new Map(),
  });
  // The two busiest pages, filled into per-shape templates that Remix itself renders (page-templates.server.ts).
  const fastPathOptions = { publicBaseUrl: opts.publicBaseUrl, mode, loadContext } as const;
  const fromTemplate =
    (routeId: string): express.RequestHandler =>
    async (req, res, next) =>
      serveFromTemplate(
        typeof build === "function" ? await build() : build,
        routeId,
        fastPathOptions,
        req,
        res,
        next,
      );
  app.get(LANDING_PATH, fromTemplate("routes/r.$code"));
  app.get(OVERVIEW_PATH, fromTemplate("routes/account._index"));

  app.all(
    "*",
    compressIfDeferred, // whatever the fast paths did not answer is compressed as any other page
    createRequestHandler({ build, mode, getLoadContext: loadContext }),
  );
  return app;
}

/** How long a connection may go on sending a body nobody reads, once its answer is out. */
const UNREAD_BODY_LINGER_MS = 2_000;

/**
 * A 503 (database unavailable or busy, see unavailable.server.ts) tells clients and load balancers when to
 * come back, whichever way Remix rendered it (error page for documents, data response for fetches). An
 * answer given before the request's body was read to its end (a 413 from the capped reader) leaves the
 * rest unread: it is discarded, never buffered, and the connection is cut after a moment. Closing at once
 * would reset the connection, and the client could lose the answer it has not read yet.
 */
const answerHeaders: express.RequestHandler = (req, res, next) => {
  const writeHead = res.writeHead;
  res.writeHead = function (this: typeof res, ...args: Parameters<typeof writeHead>) {
    const status = typeof args[0] === "number" ? args[0] : res.statusCode;
    if (status === 503 && !res.getHeader("Retry-After"))
      res.setHeader("Retry-After", String(RETRY_AFTER_SECONDS));
    return writeHead.apply(this, args);
  } as typeof writeHead;
  res.on("finish", () => {
    if (req.complete) return;
    const cut = setTimeout(() => req.socket.destroy(), UNREAD_BODY_LINGER_MS).unref();
    req.once("end", () => clearTimeout(cut));
    // Remix's body stream still listens, and would queue what arrives: the body is nobody's now.
    req.removeAllListeners("data");
    req.resume();
  });
  next();
};

/** Production: the client build's files. Hashed assets are immutable; the rest (favicon, robots.txt) short-lived. */
function serveClientFiles(app: express.Express) {
  const assets = express.static("build/client/assets", { immutable: true, maxAge: "1y", index: false });
  app.use("/assets", unlogged(assets));
  // Only paths that look like a file reach the disk: a page request must not cost a stat() of build/client/<path>.
  const rootFiles = unlogged(express.static("build/client", { maxAge: "1h", index: false }));
  app.use((req, res, next) => (/\.[A-Za-z0-9]+$/.test(req.path) ? rootFiles(req, res, next) : next()));
}
