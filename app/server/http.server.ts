import { createRequestHandler } from "@remix-run/express";
import type { AppLoadContext, ServerBuild } from "@remix-run/node";
import compression from "compression";
import express from "express";
import type { Kysely } from "kysely";
import type { Database } from "../../db/schema";
import { logger, maskPath } from "../platform/logger.server";
import type { RequestMemo } from "../platform/request-memo";
import { serveFromTemplate } from "./page-templates.server";
import { formBodyGuard, originCheck, securityHeaders } from "./security.server";
import { RETRY_AFTER_SECONDS } from "../../db/unavailable";
import { withDatabaseUnavailable } from "./unavailable.server";

export interface HttpOptions {
  db: Kysely<Database>;
  production: boolean;
  publicBaseUrl: string;
  /** Extra origins the browser may be redirected to after a form post (the local Stripe test double). */
  formActionOrigins?: string[];
  /** The Remix build: bundled with this server in production, loaded per request from Vite in development. */
  build: ServerBuild | (() => Promise<ServerBuild>);
  /** Development: Vite's middlewares (modules, assets, HMR). Production serves build/client itself. */
  devMiddlewares?: express.RequestHandler;
}

/** Security headers, CSRF origin check and form body guard, in the order every request meets them (tests mount them too). */
export function mountRequestGuards(
  app: express.Express,
  opts: Pick<HttpOptions, "production" | "publicBaseUrl" | "formActionOrigins">,
) {
  app.use(securityHeaders({ production: opts.production, formActionOrigins: opts.formActionOrigins }));
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

/** The Express app: static assets, security headers, then Remix for everything else. */
export function createHttpApp(opts: HttpOptions) {
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", opts.production ? 1 : false);
  // The compression middleware wraps every response it sees (its closures and on-headers hooks were
  // about a third of the short-lived objects the web process promoted to the old generation under
  // the landing's load, by sampling heap profile). The two fast paths encode their own bodies
  // (GzipSegments), so their requests meet it only if they go on to Remix (compressIfDeferred).
  const compress = compression();
  app.use((req, res, next) => (isFastPathRequest(req) ? next() : compress(req, res, next)));
  const compressIfDeferred: express.RequestHandler = (req, res, next) =>
    isFastPathRequest(req) ? compress(req, res, next) : next();
  mountRequestGuards(app, opts);

  if (opts.devMiddlewares) app.use(opts.devMiddlewares);
  else serveClientFiles(app);
  const build =
    typeof opts.build === "function"
      ? (
          (load) => async () =>
            withDatabaseUnavailable(await load())
        )(opts.build)
      : withDatabaseUnavailable(opts.build);

  app.use((req, res, next) => {
    const started = performance.now();
    res.on("finish", () => {
      if (req.path.startsWith("/assets/")) return;
      logger.info(
        {
          method: req.method,
          path: maskPath(req.originalUrl),
          status: res.statusCode,
          ms: Math.round(performance.now() - started),
        },
        "request",
      );
    });
    next();
  });

  // A 503 (database unavailable, see unavailable.server.ts) tells clients and load balancers when to come back,
  // whichever way Remix rendered it (error page for documents, data response for fetches).
  app.use((_req, res, next) => {
    const writeHead = res.writeHead;
    res.writeHead = function (this: typeof res, ...args: Parameters<typeof writeHead>) {
      const status = typeof args[0] === "number" ? args[0] : res.statusCode;
      if (status === 503 && !res.getHeader("Retry-After"))
        res.setHeader("Retry-After", String(RETRY_AFTER_SECONDS));
      return writeHead.apply(this, args);
    } as typeof writeHead;
    next();
  });

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

/** Production: the client build's files. Hashed assets are immutable; the rest (favicon, robots.txt) short-lived. */
function serveClientFiles(app: express.Express) {
  app.use("/assets", express.static("build/client/assets", { immutable: true, maxAge: "1y", index: false }));
  // Only paths that look like a file reach the disk: a page request must not cost a stat() of build/client/<path>.
  const rootFiles = express.static("build/client", { maxAge: "1h", index: false });
  app.use((req, res, next) => (/\.[A-Za-z0-9]+$/.test(req.path) ? rootFiles(req, res, next) : next()));
}
