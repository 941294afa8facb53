import { vitePlugin as remix } from "@remix-run/dev";
import { defineConfig, type Plugin } from "vite";
import { fileURLToPath } from "node:url";

declare module "@remix-run/node" {
  interface Future {
    v3_singleFetch: true;
  }
}

/**
 * The server build also bundles the process entry (app/server/production.ts) beside Remix's own entry, so
 * build/server/main.js and the routes share one module graph (shared modules become shared chunks).
 */
function serverEntry(): Plugin {
  return {
    name: "settle:server-entry",
    apply: (_config, env) => env.command === "build" && env.isSsrBuild === true,
    options: (options) => ({
      ...options,
      input: { index: options.input as string, main: "app/server/production.ts" },
    }),
    outputOptions: (output) => ({ ...output, entryFileNames: "[name].js", sourcemap: true }),
  };
}

export default defineConfig({
  resolve: {
    alias: { "~": fileURLToPath(new URL("./app", import.meta.url)) },
  },
  server: { hmr: process.env.VITEST ? false : undefined },
  plugins: [
    !process.env.VITEST &&
      remix({
        future: {
          v3_fetcherPersist: true,
          v3_relativeSplatPath: true,
          v3_throwAbortReason: true,
          v3_singleFetch: true,
          v3_lazyRouteDiscovery: true,
          v3_routeConfig: true,
        },
      }),
    !process.env.VITEST && serverEntry(),
  ],
});
