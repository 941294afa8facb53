import type { ServerBuild } from "@remix-run/node";
import type { NextFunction, Request as ExpressRequest, Response as ExpressResponse } from "express";
import { resolveLocale } from "../i18n/locale.server";
import { borrowerLanding, type BorrowerLanding } from "../portal/landing.server";
import {
  pageTemplate,
  renderPageTemplate,
  sendPageTemplate,
  slotPlaceholder,
  visitorRequest,
  type FastPathOptions,
} from "./page-templates.server";

/**
 * The masked landing (`GET /r/:code`) from a template (page-templates.server.ts). Every SMS tap lands
 * here, and a batch of texts brings its taps in a burst. The page differs between two opens only by
 * the link code, the account's last 4 digits and the CSP nonce; its shape is the language, the
 * verification method, whether the link is locked and the product.
 *
 * Nothing is cached per link or per borrower: every open still checks the code, counts the open and
 * reads the account. Anything this path does not answer itself (HEAD, a query string, a trailing
 * slash, an unknown, expired, revoked or rate-limited link, a database error) goes on to Remix with
 * the open's outcome attached, so it is never counted twice.
 */

const CODE = /^[0-9A-Za-z]{16}$/;
const SLOTS = ["code", "last4"] as const;
type Slot = (typeof SLOTS)[number];
// A code placeholder shaped like a code (16 letters and digits).
const CODE_PLACEHOLDER = slotPlaceholder("code");

type LandingShape = {
  locale: Awaited<ReturnType<typeof resolveLocale>>;
} & Pick<Extract<BorrowerLanding, { status: "ok" }>["page"], "method" | "locked" | "product">;

function landingTemplate(build: ServerBuild, opts: FastPathOptions, shape: LandingShape) {
  return pageTemplate<Slot>(
    build,
    opts,
    "landing",
    `${shape.locale}|${shape.method}|${shape.locked}|${shape.product}`,
    (handler) => {
      const landing: BorrowerLanding = {
        status: "ok",
        borrowerLocale: shape.locale,
        page: {
          last4: slotPlaceholder("last4"),
          product: shape.product,
          locked: shape.locked,
          method: shape.method,
        },
      };
      return renderPageTemplate(
        handler,
        opts,
        `/r/${CODE_PLACEHOLDER}`,
        { landing: Promise.resolve(landing), locale: shape.locale },
        SLOTS,
      );
    },
  );
}

/**
 * `GET /r/:code` ahead of Remix (app/server/http.server.ts mounts it; it is exported from
 * entry.server so that it runs inside the Remix build, with the same modules as the routes).
 */
export async function serveLanding(
  build: ServerBuild,
  opts: FastPathOptions,
  req: ExpressRequest,
  res: ExpressResponse,
  next: NextFunction,
) {
  const code = req.params.code ?? "";
  if (req.method !== "GET" || !CODE.test(code) || req.originalUrl !== `/r/${code}`) return next();
  const landing = borrowerLanding(opts.db, code, req.ip ?? "unknown");
  landing.catch(() => {}); // Remix's loader awaits it and reports the failure
  res.locals.landing = landing;
  try {
    const opened = await landing;
    if (opened.status !== "ok") return next();
    const locale = await resolveLocale(visitorRequest(req, opts), opts.db, opened);
    res.locals.locale = locale;
    const template = await landingTemplate(build, opts, { locale, ...opened.page });
    if (!template) return next();
    sendPageTemplate(req, res, template, { code, last4: opened.page.last4 });
  } catch {
    next();
  }
}
