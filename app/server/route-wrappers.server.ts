import type { ServerBuild } from "@remix-run/node";

/** A loader or action, as the wrappers see it. */
export type DataFunction = (args: { request: Request }) => unknown;

type Wrap = (fn: DataFunction, kind: "loader" | "action") => DataFunction;

const wrappedBuilds = new WeakMap<Wrap, WeakMap<ServerBuild, ServerBuild>>();

/**
 * The same build with every route's loader and action passed through `wrap`. Once per build and wrap:
 * the development server hands over the same build on every request, and what is keyed on a build (the
 * page templates) must keep seeing one object.
 */
export function wrapDataFunctions(build: ServerBuild, wrap: Wrap): ServerBuild {
  let perBuild = wrappedBuilds.get(wrap);
  if (!perBuild) wrappedBuilds.set(wrap, (perBuild = new WeakMap()));
  const cached = perBuild.get(build);
  if (cached) return cached;
  const routes: ServerBuild["routes"] = {};
  for (const [id, route] of Object.entries(build.routes)) {
    if (!route) continue;
    const module = { ...route.module } as typeof route.module & {
      loader?: DataFunction;
      action?: DataFunction;
    };
    if (typeof module.loader === "function")
      module.loader = wrap(module.loader, "loader") as typeof module.loader;
    if (typeof module.action === "function")
      module.action = wrap(module.action, "action") as typeof module.action;
    routes[id] = { ...route, module };
  }
  const result = { ...build, routes } as ServerBuild;
  perBuild.set(build, result);
  return result;
}
