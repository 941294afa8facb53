import type { ServerBuild } from "@remix-run/node";
import type { NextFunction, Request as ExpressRequest, Response as ExpressResponse } from "express";
import { resolveLocale } from "../i18n/locale.server";
import { overviewPage, readSessionOverview, type OverviewPage } from "../borrower/overview.server";
import {
  pageTemplate,
  renderPageTemplate,
  sendPageTemplate,
  slotPlaceholder,
  visitorRequest,
  type FastPathOptions,
} from "./page-templates.server";

/**
 * The verified overview (`GET /account`) from a template (page-templates.server.ts): the page a
 * borrower reads after verifying, and comes back to after every action. Its slots are the figures
 * (already formatted for the page's language) and the CSP nonce; its shape is the language, the
 * product, the next step and whether there is a due date and a pending payment.
 *
 * Every request reads its own session and account, in one statement that joins the loader's own
 * session and account queries (readSessionOverview). Anything this path does not answer itself (no
 * or an ended session, a query string, a database error) goes on to Remix, which answers it as before
 * (the redirect to /session-ended among them).
 */

const SLOTS = [
  "last4",
  "overdue",
  "minimumDue",
  "balance",
  "feesAndInterest",
  "dueDate",
  "dpd",
  "pending",
  "balanceAsOf",
] as const;
type Slot = (typeof SLOTS)[number];

type Shape = { locale: Awaited<ReturnType<typeof resolveLocale>> } & Pick<
  OverviewPage,
  "product" | "nextStep"
> & {
    hasDueDate: boolean;
    hasPending: boolean;
  };

function overviewTemplate(build: ServerBuild, opts: FastPathOptions, shape: Shape) {
  const key = `${shape.locale}|${shape.product}|${shape.nextStep}|${shape.hasDueDate}|${shape.hasPending}`;
  return pageTemplate<Slot>(build, opts, "overview", key, (handler) => {
    const page: OverviewPage = {
      last4: slotPlaceholder("last4"),
      product: shape.product,
      nextStep: shape.nextStep,
      overdue: slotPlaceholder("overdue"),
      minimumDue: slotPlaceholder("minimumDue"),
      balance: slotPlaceholder("balance"),
      feesAndInterest: slotPlaceholder("feesAndInterest"),
      dueDate: shape.hasDueDate ? slotPlaceholder("dueDate") : null,
      dpd: slotPlaceholder("dpd"),
      pending: shape.hasPending ? slotPlaceholder("pending") : null,
      balanceAsOf: slotPlaceholder("balanceAsOf"),
    };
    return renderPageTemplate(handler, opts, "/account", { overview: page, locale: shape.locale }, SLOTS);
  });
}

/** `GET /account` ahead of Remix (mounted by app/server/http.server.ts, exported from entry.server). */
export async function serveOverview(
  build: ServerBuild,
  opts: FastPathOptions,
  req: ExpressRequest,
  res: ExpressResponse,
  next: NextFunction,
) {
  if (req.method !== "GET" || req.originalUrl !== "/account") return next();
  try {
    const request = visitorRequest(req, opts);
    const [found, locale] = await Promise.all([
      readSessionOverview(opts.db, request),
      resolveLocale(request, opts.db),
    ]);
    if (!found) return next();
    const { overview } = found;
    const page = overviewPage(overview, locale);
    const template = await overviewTemplate(build, opts, {
      locale,
      product: page.product,
      nextStep: page.nextStep,
      hasDueDate: page.dueDate !== null,
      hasPending: page.pending !== null,
    });
    if (!template) return next();
    sendPageTemplate(req, res, template, {
      ...page,
      dueDate: page.dueDate ?? "",
      pending: page.pending ?? "",
    });
  } catch {
    next();
  }
}
