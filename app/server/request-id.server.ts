import type { ServerBuild } from "@remix-run/node";
import type express from "express";
import { logger, maskPath } from "../platform/logger.server";
import { observeRequest } from "../platform/metrics.server";
import { requestIdFor, withRequestId } from "../platform/request-context.server";

/**
 * Gives every request its id, returned in X-Request-Id and carried by everything the request does (log
 * lines, the jobs it queues). A load balancer's X-Request-Id is kept only when the connection comes from a
 * proxy TRUST_PROXY trusts (Express's compiled `trust proxy` function, asked about the nearest hop);
 * anyone else's is replaced, so a client cannot plant ids (or text) in the logs.
 */
export const assignRequestId: express.RequestHandler = (req, res, next) => {
  const trusts = req.app.get("trust proxy fn") as (address: string | undefined, hop: number) => boolean;
  const id = requestIdFor(req.headers["x-request-id"], trusts(req.socket.remoteAddress, 0));
  res.locals.requestId = id;
  res.setHeader("X-Request-Id", id);
  withRequestId(id, next);
};

/**
 * One log line (the path masked) and one latency observation (by route pattern) per request, files
 * (unlogged) aside. The route patterns come from the Remix build, so a path with a code or an id in it is counted
 * under its pattern and an unknown path under "other": the label set stays as small as the route table.
 */
export function logRequests(build: ServerBuild | (() => Promise<ServerBuild>)): express.RequestHandler {
  let patterns: RoutePattern[] | undefined;
  const routeOf = (path: string) => patterns?.find((p) => p.regex.test(path))?.label ?? "other";
  return (req, res, next) => {
    const started = performance.now();
    if (!patterns)
      void Promise.resolve(typeof build === "function" ? build() : build).then(
        (b) => (patterns ??= routePatterns(b)),
      );
    res.on("finish", () => {
      if (res.locals.unlogged === true) return;
      const seconds = (performance.now() - started) / 1000;
      observeRequest(routeOf(req.path), req.method, res.statusCode, seconds);
      logger.info(
        {
          reqId: res.locals.requestId as string,
          method: req.method,
          path: maskPath(req.originalUrl),
          status: res.statusCode,
          ms: Math.round(seconds * 1000),
        },
        "request",
      );
    });
    next();
  };
}

/** A middleware whose answers are files (the build's assets, Vite's modules): neither logged nor counted. */
export function unlogged(serve: express.RequestHandler): express.RequestHandler {
  return (req, res, next) => {
    res.locals.unlogged = true;
    serve(req, res, (error?: unknown) => {
      res.locals.unlogged = false; // not a file: the request goes on to the pages
      next(error);
    });
  };
}

interface RoutePattern {
  label: string;
  regex: RegExp;
}

/** Every route's full path as a pattern (/staff/borrowers/:borrowerId), static paths before dynamic ones. */
function routePatterns(build: ServerBuild): RoutePattern[] {
  const fullPath = (id: string | undefined): string[] => {
    const route = id ? build.routes[id] : undefined;
    if (!route) return [];
    return [...fullPath(route.parentId), ...(route.path ? route.path.split("/") : [])];
  };
  const labels = new Set(Object.keys(build.routes).map((id) => `/${fullPath(id).join("/")}`));
  const dynamicParts = (label: string) =>
    label.split("/").filter((s) => s.startsWith(":") || s === "*").length;
  return [...labels]
    .sort((a, b) => dynamicParts(a) - dynamicParts(b) || b.length - a.length)
    .map((label) => ({ label, regex: new RegExp(`^${label.split("/").map(segmentPattern).join("/")}/?$`) }));
}

function segmentPattern(segment: string): string {
  if (segment === "*") return ".*";
  if (segment.startsWith(":")) return "[^/]+";
  return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
