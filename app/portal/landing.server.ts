import type { Kysely } from "kysely";
import type { Database, Product } from "../../db/schema";
import { config } from "../platform/config.server";
import { localeCookie } from "../i18n/i18n.server";
import { resolveLocale } from "../i18n/locale.server";
import { optOutOfSms, reportWrongNumber } from "../engine/feedback.server";
import { groupCommitPerHandle } from "../platform/group-commit.server";
import { currentRequestId } from "../platform/request-context.server";
import { openShortLinks, resolveShortLink, type LinkOpen } from "../messaging/short-links.server";
import { consume, type RateLimitRule } from "../platform/rate-limit.server";
import { verifyLinkCode } from "../domain/link-code.server";
import { verifyBorrower } from "../borrower/verification.server";
import { once, type RequestMemo } from "../platform/request-memo";
import type { VerificationMethod } from "./verification-form";

type LinkProblem = "invalid" | "expired" | "revoked";

/**
 * Brute-force brakes (docs/product-rules.md §2.4): forged codes per client (only codes whose signature
 * fails count and are stopped: a carrier's NAT puts thousands of phones behind one address, and one
 * bad actor or a buggy link preview there must not block the others' valid links), and verification
 * answers per client across
 * links (the per-borrower lockout in verification.server.ts stops guessing one borrower's answer;
 * this stops one client walking many borrowers).
 */
export const LINK_FAILURE_RULE: RateLimitRule = { points: 20, durationSec: 10 * 60 };
// Generous: mobile carriers put many phones behind one address (CGNAT).
export const VERIFY_CLIENT_RULE: RateLimitRule = { points: 100, durationSec: 15 * 60 };

/**
 * The opens in flight, per database handle: up to 64 per statement, two statements at once (a burst
 * of taps after a batch of texts arrives together; group-commit.server.ts).
 */
const openLink = groupCommitPerHandle(
  (db: Kysely<Database>, opens: LinkOpen[]) => openShortLinks(db, opens, config().linkSigningKeys),
  { maxBatch: 64, maxInFlight: 2 },
);

/**
 * What the masked landing may show before verification: which account (its last 4 digits and kind) and
 * nothing about the debt. Counts the open.
 */
export async function borrowerLanding(db: Kysely<Database>, code: string, client: string) {
  const now = new Date();
  // A forged code is known without the database (its HMAC), and only it spends the client's budget.
  if (!verifyLinkCode(code, config().linkSigningKeys).ok) {
    const budget = await consume(db, `link-fail:${client}`, LINK_FAILURE_RULE);
    return budget.ok
      ? { status: "invalid" as const }
      : { status: "rate_limited" as const, retryAfterSec: budget.retryAfterSec };
  }
  // Opens that arrive together share one statement (one round trip for the busiest page, one commit
  // for a burst of taps).
  const opened = await openLink(db, { code, requestId: currentRequestId() });
  if (opened.status !== "ok") return { status: opened.status };
  const { link, account } = opened;
  return {
    status: "ok" as const,
    /** For the page language (root loader): the borrower's, unless the visitor chose one. */
    borrowerLocale: opened.borrowerLocale,
    page: {
      last4: account.last4,
      product: account.product as Product,
      locked: Boolean(link.lockedUntil && link.lockedUntil > now),
      method: config().VERIFICATION_METHOD as VerificationMethod,
    },
  };
}

/** What the page loaders hand the landing's helpers: the database, the client and this request's memo. */
export interface PageContext {
  db: Kysely<Database>;
  clientIp?: string;
  memo?: RequestMemo;
}

const LINK_PATH = /^\/r\/([0-9A-Za-z]{16})\/?$/;

/** This request's open of the link: counted once, whichever loader asks first (the root's or the landing's). */
export function openLanding(context: PageContext, code: string) {
  return once(context.memo, `landing:${code}`, () =>
    borrowerLanding(context.db, code, context.clientIp ?? "unknown"),
  );
}

/**
 * The page language (resolveLocale); behind a link, the borrower's, as the link's own open read it, so
 * the landing costs one statement.
 */
export function pageLocale(request: Request, context: PageContext) {
  return once(context.memo, "locale", async () => {
    const code = LINK_PATH.exec(new URL(request.url).pathname)?.[1];
    const landing = code ? await openLanding(context, code) : undefined;
    return resolveLocale(request, context.db, landing?.status === "ok" ? landing : undefined);
  });
}

type LinkActionResult =
  | { status: LinkProblem }
  | { status: "rate_limited"; retryAfterSec: number }
  | { status: "ok" }
  | { status: "verified"; headers: Headers }
  | { status: "wrong" | "wait"; retryAfterSec: number }
  | { status: "locked" };

/** The three things a link holder can do: verify, say "not me", or stop texts. */
export async function linkAction(
  db: Kysely<Database>,
  code: string,
  intent: "verify" | "not_me" | "stop_texts",
  verify?: { method: VerificationMethod; answer: string; request: Request; client: string },
): Promise<LinkActionResult> {
  const cfg = config();
  const resolved = await resolveShortLink(db, code, cfg.linkSigningKeys);
  if (resolved.status !== "ok") return { status: resolved.status };
  const { link } = resolved;
  const source = { actor: "borrower" as const, actorId: null, via: "link" };

  if (intent === "not_me") {
    await db
      .transaction()
      .execute((trx) => reportWrongNumber(trx, { accountId: link.accountId, linkId: link.id, source }));
    return { status: "ok" };
  }
  if (intent === "stop_texts") {
    await db
      .transaction()
      .execute((trx) => optOutOfSms(trx, { borrowerId: link.borrowerId, accountId: link.accountId, source }));
    return { status: "ok" };
  }
  if (!verify) throw new Error("verification input missing");
  const budget = await consume(db, `verify:${verify.client}`, VERIFY_CLIENT_RULE);
  if (!budget.ok) return { status: "rate_limited", retryAfterSec: budget.retryAfterSec };
  const outcome = await verifyBorrower(db, {
    linkId: link.id,
    kind: verify.method,
    answer: verify.answer,
    hashKey: cfg.verificationHashKey,
  });
  if (outcome.status === "locked") return { status: "locked" };
  if (outcome.status !== "verified") return outcome;
  // Keep the language the borrower was reading in for the pages behind verification.
  const headers = new Headers();
  headers.append("Set-Cookie", outcome.setCookie);
  headers.append("Set-Cookie", await localeCookie.serialize(await resolveLocale(verify.request, db)));
  return { status: "verified", headers };
}
