import { randomPool } from "../platform/random-pool.server";
import { declaredOver } from "../platform/request-body.server";
import type { NextFunction, Request, Response } from "express";

/**
 * Headers every response carries: a nonce-based CSP (no inline script runs
 * without the per-request nonce), no referrer (link codes must not leak to
 * third parties), no indexing, no framing, and HSTS in production.
 */
// 128 bits per response nonce.
const nonceBytes = randomPool(16);

export function securityHeaders(opts: { production: boolean; formActionOrigins?: string[] }) {
  // Chromium applies form-action to the redirect after a POST: the pay form's 303 to the checkout page must be allowed.
  const formAction = ["'self'", "https://checkout.stripe.com", ...(opts.formActionOrigins ?? [])].join(" ");
  return (_req: Request, res: Response, next: NextFunction) => {
    const nonce = nonceBytes().toString("base64");
    res.locals.cspNonce = nonce;
    const csp = [
      "default-src 'self'",
      `script-src 'self' 'nonce-${nonce}'${opts.production ? "" : " 'unsafe-eval'"}`,
      // The nonce admits the stylesheet a page without JavaScript carries inline (app/ui/inline-styles.tsx).
      // Development keeps 'unsafe-inline' for Vite's injected styles instead (a nonce would void it).
      `style-src 'self' ${opts.production ? `'nonce-${nonce}'` : "'unsafe-inline'"}`,
      "img-src 'self' data:",
      "font-src 'self'",
      `connect-src 'self'${opts.production ? "" : " ws: wss:"}`,
      `form-action ${formAction}`,
      "frame-ancestors 'none'",
      "base-uri 'none'",
      "object-src 'none'",
    ].join("; ");
    res.setHeader("Content-Security-Policy", csp);
    res.setHeader("Referrer-Policy", "no-referrer");
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("X-Frame-Options", "DENY");
    res.setHeader("X-Robots-Tag", "noindex, nofollow");
    res.setHeader("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(self)");
    res.setHeader("Cross-Origin-Opener-Policy", "same-origin");
    // Pages carry personal data: never stored by browsers or shared caches (static assets override this).
    res.setHeader("Cache-Control", "no-store");
    if (opts.production) res.setHeader("Strict-Transport-Security", "max-age=63072000; includeSubDomains");
    next();
  };
}

/** Paths that authenticate by signature or API key instead of cookies, so Origin does not apply. */
// The unsubscribe URL takes mail clients' one-click POSTs (RFC 8058): no Origin, sometimes multipart.
const ORIGIN_EXEMPT = [/^\/webhooks\//, /^\/api\//, /^\/email\/unsubscribe\//];

/**
 * CSRF defence in depth beside SameSite cookies: a state-changing request that
 * comes from another site is refused before it reaches any action.
 * Because every page is served with Referrer-Policy: no-referrer, browsers send
 * `Origin: null` even on same-origin form posts (Fetch spec), so Sec-Fetch-Site
 * is consulted first; Origin decides for clients that do not send it.
 */
export function originCheck(opts: { allowedOrigins: string[] }) {
  const allowed = new Set(opts.allowedOrigins);
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.method === "GET" || req.method === "HEAD" || req.method === "OPTIONS") return next();
    const site = req.get("sec-fetch-site");
    const origin = req.get("origin");
    if (readsOwnBody(req.path)) {
      // The unsubscribe page's own form posts here with the opaque "null" too (see pass below).
      if (origin === "null") delete req.headers.origin;
      return next();
    }
    const pass = () => {
      // Remix 2's own check reads the opaque "null" as a foreign host and fails with a 500;
      // this request has been vetted above, so the opaque value carries no information.
      if (origin === "null") delete req.headers.origin;
      next();
    };
    if (site) {
      if (site === "same-origin" || site === "none") return pass();
    } else if (!origin || origin === "null") {
      return pass(); // non-browser clients, or browsers too old for Fetch Metadata: SameSite cookies apply
    } else if (origin === `${req.protocol}://${req.get("host")}` || allowed.has(origin)) {
      return pass();
    }
    res.status(403).type("text/plain").send("Cross-origin request refused");
  };
}

/** Largest form body a page accepts; the longest legitimate form (an SMS template or a complaint) is a few KB. */
export const MAX_FORM_BODY_BYTES = 64 * 1024;
/** No page takes file uploads and Remix forms post url-encoded; a malformed multipart body would make formData() throw. */
const FORM_TYPES = ["application/x-www-form-urlencoded"];

/** Whether a path's requests read their own bodies (with their own caps) and authenticate without cookies. */
export function readsOwnBody(path: string): boolean {
  return ORIGIN_EXEMPT.some((re) => re.test(path));
}

/**
 * Why a state-changing request to a page (not /api or /webhooks, which read
 * their own bodies) must be refused before it reaches an action: pages only
 * take url-encoded HTML form bodies (JSON, text or a malformed multipart body
 * would make `request.formData()` throw, i.e. a 500), and never more than
 * MAX_FORM_BODY_BYTES. A declared length over it is refused here without
 * reading a byte; a body without one (chunked) goes on to the action, whose
 * form is read through the one capped reader (capped-bodies.server.ts).
 * Null means: let it through.
 */
export function formBodyRefusal(req: {
  method: string;
  path: string;
  contentType: string | null | undefined;
  contentLength: string | null | undefined;
}): { status: 413 | 415; message: string } | null {
  if (req.method === "GET" || req.method === "HEAD" || req.method === "OPTIONS") return null;
  if (readsOwnBody(req.path)) return null;
  const type = (req.contentType ?? "").split(";")[0]!.trim().toLowerCase();
  if (!FORM_TYPES.includes(type)) return { status: 415, message: "Unsupported form encoding" };
  if (declaredOver(req.contentLength, MAX_FORM_BODY_BYTES)) return { status: 413, message: "Form too large" };
  return null;
}

/** Express middleware around formBodyRefusal. */
export function formBodyGuard() {
  return (req: Request, res: Response, next: NextFunction) => {
    const refusal = formBodyRefusal({
      method: req.method,
      path: req.path,
      contentType: req.get("content-type"),
      contentLength: req.get("content-length"),
    });
    if (!refusal) return next();
    // The body is not read: close the connection after answering so the client stops sending.
    res.setHeader("Connection", "close");
    res.status(refusal.status).type("text/plain").send(refusal.message);
  };
}

/**
 * A dot segment ("." or "..", raw or percent-encoded in any case: `%2e%2e`, `%2E.`) or a backslash
 * (WHATWG URLs read it as "/"). Express matches the raw path while Remix routes the normalised one,
 * so `/webhooks/%2e%2e/locale` passes the guards as a webhook and reaches /locale as a page.
 */
const AMBIGUOUS_PATH = /(?:^|\/)(?:\.|%2e){1,2}(?:\/|$)|\\|%5c/i;

/**
 * Refuses, before any guard or route, a request whose path two parsers could read differently: a
 * dot segment or a backslash, or a target that is not a plain path (absolute-form, `*`). No link
 * or page of the portal has one.
 */
export function ambiguousPathGuard() {
  return (req: Request, res: Response, next: NextFunction) => {
    const path = req.url.split("?")[0]!;
    if (path.startsWith("/") && !AMBIGUOUS_PATH.test(path)) return next();
    res.setHeader("Connection", "close");
    res.status(400).type("text/plain").send("Bad request path");
  };
}
