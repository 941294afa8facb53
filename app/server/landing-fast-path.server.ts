import { createRequestHandler, type ServerBuild } from "@remix-run/node";
import type { NextFunction, Request as ExpressRequest, Response as ExpressResponse } from "express";
import type { Kysely } from "kysely";
import type { Database } from "../../db/schema";
import { resolveLocale } from "../i18n/locale.server";
import { borrowerLanding, type BorrowerLanding } from "../portal/landing.server";
import { encodeWholeBody } from "./whole-body-encoding.server";

/**
 * The masked landing (`GET /r/:code`) without a per-request React render.
 *
 * Every SMS tap lands here, and a batch of texts brings its taps in a burst, so this page has the
 * tightest budget (DESIGN §12). The page differs between two opens only by the link code, the
 * account's last 4 digits and the CSP nonce; its shape depends on the language, the verification
 * method, whether the link is locked and the product. So Remix renders it once per shape, with
 * placeholders in those three slots (the same route, root layout and translations, through the same
 * request handler), and each open fills the slots, escaped as React escapes text and attributes.
 * tests/portal/landing-fast-path.test.ts checks, over random values, that a filled page is byte for
 * byte what Remix renders for the same open.
 *
 * Nothing is cached per link or per borrower: every open still checks the code, counts the open and
 * reads the account. Anything this path does not answer itself (HEAD, a query string, a trailing
 * slash, an unknown, expired, revoked or rate-limited link, a database error) goes on to Remix with
 * the open's outcome attached, so it is never counted twice.
 */

const CODE = /^[0-9A-Za-z]{16}$/;

/** Placeholders that no page contains, each shaped like the value it stands for (a code is 16 letters and digits). */
const SLOT_VALUES = {
  code: "Zq8SLOTxcodeXq8Z",
  last4: "Zq8SLOTxlast4Xq8Z",
  nonce: "Zq8SLOTxnonceXq8Z",
} as const;
type Slot = keyof typeof SLOT_VALUES;
const SLOT_PATTERN = new RegExp(`(${Object.values(SLOT_VALUES).join("|")})`);
const SLOT_BY_VALUE = new Map<string, Slot>(Object.entries(SLOT_VALUES).map(([slot, value]) => [value, slot as Slot]));

export interface LandingTemplate {
  /** Literal HTML around the slots: parts.length === slots.length + 1. */
  parts: string[];
  slots: Slot[];
  headers: Array<[string, string]>;
}

export type LandingShape = {
  locale: NonNullable<Awaited<ReturnType<typeof resolveLocale>>>;
} & Pick<Extract<BorrowerLanding, { status: "ok" }>["page"], "method" | "locked" | "product">;

/** What React's server renderer does to text and attribute values (react-dom escapeTextForBrowser). */
const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;" };
export function escapeHtml(value: string): string {
  return /["&'<>]/.test(value) ? value.replace(/["&'<>]/g, (c) => ESCAPES[c]!) : value;
}

export function fillLandingTemplate(template: LandingTemplate, values: Record<Slot, string>): string {
  let html = template.parts[0]!;
  for (let i = 0; i < template.slots.length; i++) html += escapeHtml(values[template.slots[i]!]) + template.parts[i + 1]!;
  return html;
}

type RemixHandler = ReturnType<typeof createRequestHandler>;

/**
 * Renders the landing of one shape through Remix with placeholders in the slots. Null when the page
 * cannot be a template (not a 200, or it sets a cookie): the fast path then leaves that shape to Remix.
 */
export async function renderLandingTemplate(
  handler: RemixHandler,
  context: { db: Kysely<Database>; publicBaseUrl: string },
  shape: LandingShape,
): Promise<LandingTemplate | null> {
  const landing: BorrowerLanding = {
    status: "ok",
    borrowerLocale: shape.locale,
    page: { last4: SLOT_VALUES.last4, product: shape.product, locked: shape.locked, method: shape.method },
  };
  const request = new Request(new URL(`/r/${SLOT_VALUES.code}`, context.publicBaseUrl), { headers: { accept: "text/html" } });
  const response = await handler(request, {
    db: context.db,
    publicBaseUrl: context.publicBaseUrl,
    cspNonce: SLOT_VALUES.nonce,
    clientIp: "template",
    landing: Promise.resolve(landing),
    locale: shape.locale,
  });
  const html = await response.text();
  if (response.status !== 200 || response.headers.has("set-cookie")) return null;
  const pieces = html.split(SLOT_PATTERN);
  const parts: string[] = [];
  const slots: Slot[] = [];
  pieces.forEach((piece, i) => (i % 2 === 0 ? parts.push(piece) : slots.push(SLOT_BY_VALUE.get(piece)!)));
  return { parts, slots, headers: [...response.headers.entries()] };
}

export interface LandingFastPathOptions {
  db: Kysely<Database>;
  publicBaseUrl: string;
  mode: "production" | "development";
}

// Per build: a fresh build (development reloads) gets fresh templates.
const perBuild = new WeakMap<ServerBuild, { handler: RemixHandler; templates: Map<string, Promise<LandingTemplate | null>> }>();

function templateFor(build: ServerBuild, opts: LandingFastPathOptions, shape: LandingShape) {
  let entry = perBuild.get(build);
  if (!entry) perBuild.set(build, (entry = { handler: createRequestHandler(build, opts.mode), templates: new Map() }));
  const templates = entry.templates;
  const key = `${shape.locale}|${shape.method}|${shape.locked}|${shape.product}`;
  let template = templates.get(key);
  if (!template) {
    template = renderLandingTemplate(entry.handler, opts, shape);
    templates.set(key, template);
    // A failed render is not remembered: the next open tries again.
    template.catch(() => templates.delete(key));
  }
  return template;
}

/**
 * `GET /r/:code` ahead of Remix (app/server/http.server.ts mounts it; it is exported from
 * entry.server so that it runs inside the Remix build, with the same modules as the routes).
 */
export async function serveLanding(
  build: ServerBuild,
  opts: LandingFastPathOptions,
  req: ExpressRequest<{ code: string }>,
  res: ExpressResponse,
  next: NextFunction,
) {
  const code = req.params.code;
  if (req.method !== "GET" || !CODE.test(code) || req.originalUrl !== `/r/${code}`) return next();
  const landing = borrowerLanding(opts.db, code, req.ip ?? "unknown");
  landing.catch(() => {}); // Remix's loader awaits it and reports the failure
  res.locals.landing = landing;
  try {
    const opened = await landing;
    if (opened.status !== "ok") return next();
    const headers: Record<string, string> = {};
    if (req.headers.cookie) headers.cookie = req.headers.cookie;
    if (req.headers["accept-language"]) headers["accept-language"] = req.headers["accept-language"];
    const locale = await resolveLocale(new Request(new URL(req.originalUrl, opts.publicBaseUrl), { headers }), opts.db, opened);
    res.locals.locale = locale;
    const template = await templateFor(build, opts, { locale, ...opened.page });
    if (!template) return next();
    const html = Buffer.from(fillLandingTemplate(template, { code, last4: opened.page.last4, nonce: String(res.locals.cspNonce) }));
    const encoded = encodeWholeBody(req.headers["accept-encoding"], html);
    res.statusCode = 200;
    for (const [name, value] of template.headers) res.setHeader(name, value);
    if (encoded.encoding) res.setHeader("Content-Encoding", encoded.encoding);
    res.setHeader("Content-Length", encoded.body.length);
    res.end(encoded.body);
  } catch {
    next();
  }
}

export type ServeLanding = typeof serveLanding;
