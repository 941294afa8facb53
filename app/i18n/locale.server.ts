import type { Kysely } from "kysely";
import type { Database } from "../../db/schema";
import { config } from "../platform/config.server";
import { storedLinkCodeHashes, verifyLinkCode } from "../domain/link-code.server";
import { FALLBACK_LOCALE, isSupportedLocale, type SupportedLocale } from "./config";
import { i18nServer, localeCookie } from "./i18n.server";

const LINK_PATH = /^\/r\/([0-9A-Za-z]{16})\/?$/;

/** Query string or cookie, then Accept-Language: no database involved. */
export async function detectLocale(request: Request): Promise<SupportedLocale> {
  const detected = await i18nServer.getLocale(request);
  return isSupportedLocale(detected) ? detected : FALLBACK_LOCALE;
}

/**
 * The page language. An explicit choice (switcher cookie or ?lng) wins; a
 * borrower arriving from our SMS otherwise sees the language that SMS was
 * written in (their preference), not whatever their browser is set to.
 */
export async function resolveLocale(
  request: Request,
  db: Kysely<Database>,
  /** The borrower's language when the caller has already read it (the landing's own statement reads it). */
  known?: { borrowerLocale: string | null },
): Promise<SupportedLocale> {
  const url = new URL(request.url);
  const explicit = url.searchParams.get("lng") ?? (await localeCookie.parse(request.headers.get("Cookie")));
  if (isSupportedLocale(explicit)) return explicit;
  if (known) return isSupportedLocale(known.borrowerLocale) ? known.borrowerLocale : detectLocale(request);
  const code = LINK_PATH.exec(url.pathname)?.[1];
  if (code && verifyLinkCode(code, config().linkSigningKeys).ok) {
    const row = await db
      .selectFrom("short_links")
      .innerJoin("borrowers", "borrowers.id", "short_links.borrower_id")
      .leftJoin("contact_preferences", "contact_preferences.borrower_id", "borrowers.id")
      .select(["borrowers.locale", "contact_preferences.preferred_locale"])
      .where("short_links.code_hash", "in", storedLinkCodeHashes(code, config().linkHashKey))
      .executeTakeFirst();
    const preferred = row?.preferred_locale ?? row?.locale;
    if (isSupportedLocale(preferred)) return preferred;
  }
  return detectLocale(request);
}
