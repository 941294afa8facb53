/**
 * The one reader of request bodies: the API, the Stripe and Twilio webhooks and every page's form
 * (app/server/capped-bodies.server.ts) read through it, each with its own cap. Express parses no bodies
 * for Remix, so the cap is enforced here, on the stream, whether or not the client declared a length: a
 * chunked body is counted as it arrives and reading stops at the first byte over the cap, so no single
 * request can make the process buffer more than its route allows.
 */
export class BodyTooLarge extends Error {
  constructor(readonly maxBytes: number) {
    super(`the request body exceeds ${maxBytes} bytes`);
  }
}

/** Whether a declared Content-Length is already over the cap (refused without reading a byte). */
export function declaredOver(contentLength: string | null | undefined, maxBytes: number): boolean {
  if (contentLength == null || contentLength === "") return false;
  const declared = Number(contentLength);
  return !Number.isSafeInteger(declared) || declared < 0 || declared > maxBytes;
}

/** The whole body, or BodyTooLarge as soon as it passes `maxBytes`. */
export async function readCappedBody(request: Request, maxBytes: number): Promise<Buffer> {
  if (declaredOver(request.headers.get("content-length"), maxBytes)) throw new BodyTooLarge(maxBytes);
  if (!request.body) return Buffer.alloc(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return Buffer.concat(chunks, total);
      total += value.byteLength;
      // Stop here without cancelling the stream: cancelling destroys the socket before the 413 can be
      // written. The unread rest waits in the socket (the client is held by TCP) until the answer,
      // sent with Connection: close (app/server/http.server.ts), ends the connection.
      if (total > maxBytes) throw new BodyTooLarge(maxBytes);
      chunks.push(value);
    }
  } finally {
    reader.releaseLock();
  }
}

/** The body as UTF-8 text (invalid bytes replaced, as Request.text() does), within the cap. */
export async function readCappedText(request: Request, maxBytes: number): Promise<string> {
  return (await readCappedBody(request, maxBytes)).toString("utf8");
}
