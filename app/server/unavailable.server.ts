import type { ServerBuild } from "@remix-run/node";
import { isDatabaseUnavailable, unavailableResponse } from "../../db/unavailable";
import { logger, maskPath } from "../platform/logger.server";
import { wrapDataFunctions, type DataFunction } from "./route-wrappers.server";

/**
 * The Remix build's loaders and actions answer 503 while the database is unreachable (db/unavailable.ts);
 * the root ErrorBoundary shows the translated "temporarily unavailable" page.
 */
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

/** The same build with every loader and action answering 503 (a thrown Response) when the database is unreachable. */
export function withDatabaseUnavailable(build: ServerBuild): ServerBuild {
  return wrapDataFunctions(build, guard);
}
