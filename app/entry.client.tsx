import { RemixBrowser } from "@remix-run/react";
import { startTransition, StrictMode } from "react";
import { hydrateRoot } from "react-dom/client";
import i18next, { type Resource } from "i18next";
import { I18nextProvider, initReactI18next } from "react-i18next";
import { i18nConfig, FALLBACK_LOCALE } from "./i18n/config";

async function hydrate() {
  // The server embedded this page's language and strings (see app/root.tsx); reuse them instead of refetching.
  const lng = document.documentElement.lang || FALLBACK_LOCALE;
  const embedded = document.getElementById("i18n-resources")?.textContent;
  const strings = embedded ? (JSON.parse(embedded) as Resource[string]) : undefined; // { namespace: strings }
  await i18next.use(initReactI18next).init({
    ...i18nConfig,
    lng,
    ns: Object.keys(strings ?? {}),
    resources: strings ? { [lng]: strings } : {},
  });
  startTransition(() => {
    hydrateRoot(
      document,
      <I18nextProvider i18n={i18next}>
        <StrictMode>
          <RemixBrowser />
        </StrictMode>
      </I18nextProvider>,
    );
  });
}

void hydrate();
