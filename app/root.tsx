import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import {
  isRouteErrorResponse,
  Links,
  Meta,
  Outlet,
  Scripts,
  ScrollRestoration,
  useLoaderData,
  useLocation,
  useMatches,
  useRouteError,
  useRouteLoaderData,
} from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { config } from "./platform/config.server";
import { FALLBACK_LOCALE } from "./i18n/config";
import { pageLocale } from "./portal/landing.server";
import { LanguageSwitcher } from "./ui/LanguageSwitcher";
import { useInlineStyles } from "./ui/inline-styles";
import { useNonce } from "./ui/nonce";
import stylesheet from "./styles/app.css?url";

// The stylesheet is linked or inlined by Layout (see useInlineStyles).
export const links: LinksFunction = () => [{ rel: "icon", href: "/favicon.svg", type: "image/svg+xml" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const locale = await pageLocale(request, context);
  const { BANK_NAME, BANK_HOTLINE } = config();
  return { locale, bankName: BANK_NAME, hotline: BANK_HOTLINE };
}

export interface RouteHandle {
  /** true: hydrate in the browser (send JavaScript). Default: server-rendered HTML only. */
  hydrate?: boolean;
}

export const meta: MetaFunction = () => [{ name: "robots", content: "noindex, nofollow" }];

export function Layout({ children }: { children: React.ReactNode }) {
  const data = useRouteLoaderData<typeof loader>("root");
  const { t, i18n } = useTranslation();
  const nonce = useNonce();
  const location = useLocation();
  const locale = data?.locale ?? FALLBACK_LOCALE;
  // Pages are server-rendered and ship no JavaScript unless a route opts in (the staff console).
  // Borrower pages must work without it anyway; without it they are fast on slow mobile data.
  const hydrate = useMatches().some((m) => (m.handle as RouteHandle | undefined)?.hydrate === true);
  // Pages without JavaScript carry their styles (one round trip less); hydrated ones link the cached file,
  // so that the browser's render of the same head matches.
  const inlineStyles = useInlineStyles();
  const strings = Object.fromEntries(
    ([] as string[])
      .concat(i18n.options.ns ?? [])
      .map((ns) => [ns, i18n.getResourceBundle(locale, ns) as unknown]),
  );
  return (
    <html lang={locale} dir="ltr">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>{t("meta.title")}</title>
        <meta name="description" content={t("meta.description")} />
        <Meta />
        {!hydrate && inlineStyles !== null ? (
          <style nonce={nonce} dangerouslySetInnerHTML={{ __html: inlineStyles }} />
        ) : (
          <link rel="stylesheet" href={stylesheet} />
        )}
        <Links />
      </head>
      <body>
        <a className="skip-link" href="#main">
          {t("skipToContent")}
        </a>
        <header className="site-header">
          <p className="bank-name">{data?.bankName ?? "Settle"}</p>
          <LanguageSwitcher current={locale} returnTo={location.pathname + location.search} />
        </header>
        <main id="main" tabIndex={-1}>
          {children}
        </main>
        <footer className="site-footer">
          <p>{t("footer.privacy")}</p>
          {data ? <p>{t("footer.hotline", { hotline: data.hotline })}</p> : null}
        </footer>
        {hydrate ? (
          <>
            {/* Not executable (type=application/json): the browser's i18next starts from these strings. */}
            <script
              id="i18n-resources"
              type="application/json"
              nonce={nonce}
              dangerouslySetInnerHTML={{ __html: JSON.stringify(strings).replace(/</g, "\\u003c") }}
            />
            <ScrollRestoration nonce={nonce} />
            <Scripts nonce={nonce} />
          </>
        ) : null}
      </body>
    </html>
  );
}

export default function App() {
  useLoaderData<typeof loader>();
  return <Outlet />;
}

export function ErrorBoundary() {
  const error = useRouteError();
  const { t } = useTranslation();
  const notFound = isRouteErrorResponse(error) && error.status === 404;
  const unavailable = isRouteErrorResponse(error) && error.status === 503;
  const [title, body] = notFound
    ? [t("errors.notFoundTitle"), t("errors.notFoundBody")]
    : unavailable
      ? [t("errors.unavailableTitle"), t("errors.unavailableBody")]
      : [t("errors.genericTitle"), t("errors.genericBody")];
  return (
    <section className="card" aria-labelledby="error-title">
      <h1 id="error-title">{title}</h1>
      <p>{body}</p>
    </section>
  );
}
