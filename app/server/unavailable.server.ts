import type { ServerBuild } from "@remix-run/node";
import { isDatabaseUnavailable, unavailableResponse } from "../../db/unavailable";
import { logger, maskPath } from "../platform/logger.server";

/**
 * The Remix build's loaders and actions answer 503 while the database is unreachable (db/unavailable.ts);
 * the root ErrorBoundary shows the translated "temporarily unavailable" page.
 */
type DataFunction = (args: { request: Request }) => unknown;

function guard(fn: DataFunction): DataFunction {
  return async (args) => {
    try {
      return await fn(args);
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
      logger.warn(
        {
          path: maskPath(new URL(args.request.url).pathname),
          err: error instanceof Error ? error.message : String(error),
        },
        "database unavailable: answering 503",
      );
      throw unavailableResponse();
    }
  };
}

const wrapped = new WeakMap<object, ServerBuild>();

/** The same build with every loader and action answering 503 (a thrown Response) when the database is unreachable. */
export function withDatabaseUnavailable(build: ServerBuild): ServerBuild {
  const cached = wrapped.get(build);
  if (cached) return cached;
  const routes: ServerBuild["routes"] = {};
  for (const [id, route] of Object.entries(build.routes)) {
    if (!route) continue;
    const module = { ...route.module } as typeof route.module & {
      loader?: DataFunction;
      action?: DataFunction;
    };
    if (typeof module.loader === "function") module.loader = guard(module.loader) as typeof module.loader;
    if (typeof module.action === "function") module.action = guard(module.action) as typeof module.action;
    routes[id] = { ...route, module };
  }
  const result = { ...build, routes } as ServerBuild;
  wrapped.set(build, result);
  return result;
}
