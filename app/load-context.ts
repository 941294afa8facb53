import type { Kysely } from "kysely";
import type { Database } from "../db/schema";
import type { RequestMemo } from "./platform/request-memo";

/** What the HTTP server hands every loader and action (see app/server/http.server.ts). */
export interface SettleLoadContext {
  db: Kysely<Database>;
  cspNonce: string;
  /** Base URL links in SMS point at, e.g. https://pay.example.com */
  publicBaseUrl: string;
  /** The client's address as Express sees it (proxy-aware in production); for per-IP rate limits. */
  clientIp?: string;
  /** What this request's loaders share (app/platform/request-memo.ts). */
  memo?: RequestMemo;
}

// Declaration merging: Remix's AppLoadContext becomes ours (an empty body is the point).
declare module "@remix-run/node" {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface AppLoadContext extends SettleLoadContext {}
}
declare module "@remix-run/server-runtime" {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface AppLoadContext extends SettleLoadContext {}
}
