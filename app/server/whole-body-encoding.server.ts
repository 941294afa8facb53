import Negotiator from "negotiator";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

// The compression middleware's defaults (app/server/http.server.ts mounts it), so a page is encoded
// the same whichever of the two encodes it.
const THRESHOLD = 1024;
const BROTLI_QUALITY = 4;

/**
 * Encodes a whole page in one call when the client accepts brotli or gzip. Pages are rendered into
 * one buffer before they are sent, and the compression middleware would push that buffer through a
 * zlib stream of its own per response, which costs several times the compression itself (about
 * 140 µs against 30 µs for a 3 KB page on the bench machine). The middleware leaves a response that
 * already carries a Content-Encoding alone (it still adds `Vary: Accept-Encoding`); anything else
 * (deflate-only clients, small bodies) it handles as before.
 */
export function encodeWholeBody(acceptEncoding: string | null | undefined, body: Buffer): { body: Buffer; encoding: "br" | "gzip" | null } {
  if (!acceptEncoding || body.length < THRESHOLD) return { body, encoding: null };
  // negotiator 0.6.4 takes the server's preference order as a second argument (its types predate it).
  const negotiator = new Negotiator({ headers: { "accept-encoding": acceptEncoding } }) as unknown as {
    encoding(available: string[], preferred: string[]): string | undefined;
  };
  const method = negotiator.encoding(["br", "gzip", "identity"], ["br", "gzip"]);
  if (method === "br") {
    const params = { [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY, [constants.BROTLI_PARAM_SIZE_HINT]: body.length };
    return { body: brotliCompressSync(body, { params }), encoding: "br" };
  }
  if (method === "gzip") return { body: gzipSync(body), encoding: "gzip" };
  return { body, encoding: null };
}
