import type { Server } from "node:http";
import { request as httpRequest } from "node:http";
import type { ServerBuild } from "@remix-run/node";
import type { Kysely } from "kysely";
import { createServer, type ViteDevServer } from "vite";
import type { Database } from "../../db/schema";
import type { createHttpApp as CreateHttpApp, HttpOptions } from "../../app/server/http.server";
import { freePort } from "./free-port";

/**
 * The real Express app (app/server/http.server.ts: guards, fast paths, Remix with every route) in this
 * test process, as `npm run dev` runs it: Vite loads the server and the Remix build as one module
 * graph. The graph reads its configuration from process.env on first use, so a file sets what it needs
 * (vi.stubEnv) before the first request. Each app listens on its own loopback port.
 */
export interface TestApp {
  base: string;
  close(): Promise<void>;
}

let vite: ViteDevServer | undefined;

async function viteServer(): Promise<ViteDevServer> {
  if (vite) return vite;
  // vite.config.ts leaves the Remix plugin out under vitest (unit tests need no routes); this graph needs it.
  const marker = process.env.VITEST;
  delete process.env.VITEST;
  try {
    vite = await createServer({
      server: { middlewareMode: true, hmr: false, ws: false },
      appType: "custom",
      logLevel: "error",
    });
  } finally {
    process.env.VITEST = marker;
  }
  return vite;
}

export async function startTestApp(
  db: Kysely<Database>,
  opts: Partial<Pick<HttpOptions, "production" | "trustProxy">> = {},
): Promise<TestApp> {
  const server = await viteServer();
  const { createHttpApp } = (await server.ssrLoadModule("/app/server/http.server.ts")) as {
    createHttpApp: typeof CreateHttpApp;
  };
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const app = createHttpApp({
    db,
    production: opts.production ?? false,
    trustProxy: opts.trustProxy ?? false,
    publicBaseUrl: base,
    build: () => server.ssrLoadModule("virtual:remix/server-build") as Promise<ServerBuild>,
    devMiddlewares: server.middlewares,
  });
  const listening = await new Promise<Server>((resolve) => {
    const s = app.listen(port, "127.0.0.1", () => resolve(s));
  });
  // The first request makes Vite transform the build and every route: done here, not in a test's timing.
  await (await fetch(`${base}/healthz`)).arrayBuffer();
  return {
    base,
    close: () =>
      new Promise<void>((resolve) => {
        listening.closeAllConnections();
        listening.close(() => resolve());
      }),
  };
}

/**
 * A module of the graph the apps run in (its logger, its metrics, its task list): the test's own import of
 * the same file is another instance, which the app never touches.
 */
export async function loadAppModule<T>(path: string): Promise<T> {
  return (await (await viteServer()).ssrLoadModule(path)) as T;
}

/** Closes the Vite server the apps of this file share (afterAll). */
export async function closeTestApps() {
  await vite?.close();
  vite = undefined;
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** Body bytes the client had written when the answer's headers arrived. */
  sentWhenAnswered: number;
}

/**
 * A request sent exactly as given (no URL normalisation, unlike fetch), with `body` as is, or a body of
 * `bodyBytes` bytes; without a Content-Length header the body goes chunked. Writing stops when the
 * answer arrives, so a large body shows whether the server read it all before answering.
 */
export function rawRequest(
  base: string,
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string; bodyBytes?: number } = {},
): Promise<RawAnswer> {
  const size = opts.bodyBytes ?? 0;
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const { hostname, port } = new URL(base);
    // The path as given: a URL string would be normalised on this side first (`%2e%2e` resolved).
    const target = { hostname, port, path, method: opts.method ?? "POST", headers: opts.headers };
    const req = httpRequest(target, (res) => {
      answered = true;
      const answer = { status: res.statusCode ?? 0, headers: res.headers, sentWhenAnswered: sent };
      const chunks: Buffer[] = [];
      // The server closes a connection whose body it did not read: the answer is what arrived.
      const done = () => resolve({ ...answer, body: Buffer.concat(chunks).toString("utf8") });
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", done);
      res.on("close", done);
      res.on("error", done);
    });
    // The server may answer and close while the body is still being written (EPIPE, ECONNRESET).
    req.on("error", (error) =>
      answered || /EPIPE|ECONNRESET/.test(String(error)) ? undefined : reject(error),
    );
    req.on("close", () => (answered ? undefined : reject(new Error(`${path}: closed without an answer`))));
    if (opts.body !== undefined) return void req.end(opts.body);
    const chunk = Buffer.alloc(64 * 1024, "a");
    const pump = () => {
      while (sent < size && !answered && !req.destroyed) {
        const part = chunk.subarray(0, Math.min(chunk.length, size - sent));
        sent += part.length;
        if (!req.write(part)) return void req.once("drain", pump);
      }
      if (!answered && !req.destroyed) req.end();
    };
    pump();
  });
}
