import type { Kysely } from "kysely";
import type { Database } from "../db/schema";
import type { SupportedLocale } from "./i18n/config";
import type { BorrowerLanding } from "./portal/landing.server";
import type { OverviewPage } from "./borrower/overview.server";

/** What the HTTP server hands every loader and action (see app/server/http.server.ts). */
export interface SettleLoadContext {
  db: Kysely<Database>;
  cspNonce: string;
  /** Base URL links in SMS point at, e.g. https://pay.example.com */
  publicBaseUrl: string;
  /** The client's address as Express sees it (proxy-aware in production); for per-IP rate limits. */
  clientIp?: string;
  /** Set by the landing's fast path only: the link's open, already counted (or its failure). */
  landing?: Promise<BorrowerLanding>;
  /** Set by the landing's and the overview's fast paths only: the page language they decided. */
  locale?: SupportedLocale;
  /** Set by the overview's fast path only, to render a template (the slots hold placeholders). */
  overview?: OverviewPage;
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
