import { Writable } from "node:stream";
import type { AppLoadContext, EntryContext } from "@remix-run/node";
import { RemixServer } from "@remix-run/react";
import { renderToPipeableStream } from "react-dom/server";
import { createInstance, type i18n as I18n } from "i18next";
import { I18nextProvider, initReactI18next } from "react-i18next";
import { i18nConfig, isSupportedLocale, type SupportedLocale } from "./i18n/config";
import { namespaces, resources } from "./i18n/i18n.server";
import { detectLocale } from "./i18n/locale.server";
import { NonceProvider } from "./ui/nonce";
import { InlineStylesProvider } from "./ui/inline-styles";
import appCss from "./styles/app.css?inline";
import { encodeWholeBody } from "./server/whole-body-encoding.server";
import { errorFields, logger, maskPath } from "./platform/logger.server";

const ABORT_DELAY = 5_000;
export const streamTimeout = ABORT_DELAY;

/**
 * One initialised i18next per language, made on first use and shared by every request in that language
 * (creating and initialising one per request cost more than rendering the page). Safe to share: the
 * language is fixed at init, nothing on the server calls changeLanguage, and the resources are bundled.
 */
const instances = new Map<SupportedLocale, Promise<I18n>>();
function i18nFor(lng: SupportedLocale): Promise<I18n> {
  let instance = instances.get(lng);
  if (!instance) {
    const i18n = createInstance();
    instance = i18n
      .use(initReactI18next)
      .init({ ...i18nConfig, ns: namespaces, lng, resources })
      .then(() => i18n);
    instances.set(lng, instance);
  }
  return instance;
}

export default async function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
  loadContext: AppLoadContext,
) {
  // The root loader decided the page language (it can see the borrower behind a link); reuse its answer.
  const rootData = remixContext.staticHandlerContext.loaderData?.root as { locale?: unknown } | undefined;
  const lng = isSupportedLocale(rootData?.locale) ? rootData.locale : await detectLocale(request);
  const i18n = await i18nFor(lng);

  const nonce = loadContext.cspNonce;

  // The whole document is rendered, then sent in one piece. Loaders have finished before rendering starts
  // (no route defers data), so streaming would only add per-chunk work through the socket; one buffer is
  // cheaper and is compressed in one call (whole-body-encoding.server.ts).
  return new Promise<Response>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let abortRender = () => {};
    const timer = setTimeout(() => abortRender(), ABORT_DELAY + 1_000).unref();
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk);
        callback();
      },
      final(callback) {
        responseHeaders.set("Content-Type", "text/html; charset=utf-8");
        clearTimeout(timer);
        const encoded = encodeWholeBody(request.headers.get("Accept-Encoding"), Buffer.concat(chunks));
        if (encoded.encoding) responseHeaders.set("Content-Encoding", encoded.encoding);
        responseHeaders.set("Content-Length", String(encoded.body.length));
        const body = new Uint8Array(
          encoded.body.buffer as ArrayBuffer,
          encoded.body.byteOffset,
          encoded.body.byteLength,
        );
        resolve(new Response(body, { headers: responseHeaders, status: responseStatusCode }));
        callback();
      },
    });
    const { pipe, abort } = renderToPipeableStream(
      <NonceProvider value={nonce}>
        <InlineStylesProvider value={appCss}>
          <I18nextProvider i18n={i18n}>
            <RemixServer context={remixContext} url={request.url} abortDelay={ABORT_DELAY} nonce={nonce} />
          </I18nextProvider>
        </InlineStylesProvider>
      </NonceProvider>,
      {
        nonce,
        onAllReady() {
          pipe(sink);
        },
        onShellError(error: unknown) {
          reject(error);
        },
        onError(error: unknown) {
          // Rendered into the error boundary; the response is still a document, with a 500.
          responseStatusCode = 500;
          logger.error(
            { err: errorFields(error), path: maskPath(new URL(request.url).pathname) },
            "render failed",
          );
        },
      },
    );
    abortRender = abort;
  });
}

/** Unexpected server errors go to the structured log (paths masked); a missing route is not an error. */
export function handleError(error: unknown, { request }: { request: Request }) {
  if (request.signal.aborted) return;
  if (error instanceof Error && /^No route matches URL/.test(error.message)) return;
  logger.error(
    {
      err: errorFields(error),
      path: maskPath(new URL(request.url).pathname),
    },
    "request failed",
  );
}
