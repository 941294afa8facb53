import { brotliDecompressSync, gunzipSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeWholeBody } from "../../app/server/whole-body-encoding.server";

const page = Buffer.from(`<!DOCTYPE html><html lang="zh-HK"><body>${"此帳戶沒有欠款。".repeat(200)}</body></html>`);

describe("encodeWholeBody (a rendered page compressed in one call)", () => {
  it("prefers brotli, then gzip, as the compression middleware does, and honours q-values", () => {
    expect(encodeWholeBody("gzip, deflate, br", page).encoding).toBe("br");
    expect(encodeWholeBody("gzip, deflate", page).encoding).toBe("gzip");
    expect(encodeWholeBody("br;q=0, gzip", page).encoding).toBe("gzip");
    expect(encodeWholeBody("gzip;q=0.5, br;q=0.1", page).encoding).toBe("gzip");
    expect(encodeWholeBody("deflate", page)).toEqual({ body: page, encoding: null }); // left to the middleware
    expect(encodeWholeBody("identity", page)).toEqual({ body: page, encoding: null });
    expect(encodeWholeBody(null, page)).toEqual({ body: page, encoding: null });
  });

  it("leaves bodies under the middleware's 1 KB threshold as they are", () => {
    const small = Buffer.from("<p>ok</p>");
    expect(encodeWholeBody("gzip, br", small)).toEqual({ body: small, encoding: null });
  });

  it("decodes back to the same bytes, whatever the text", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", minLength: 400, maxLength: 3_000 }), fc.constantFrom("br", "gzip"), (text, accept) => {
        const body = Buffer.from(text);
        const encoded = encodeWholeBody(accept, body);
        if (body.length < 1024) return expect(encoded.encoding).toBeNull();
        const decoded = encoded.encoding === "br" ? brotliDecompressSync(encoded.body) : gunzipSync(encoded.body);
        expect(decoded.equals(body)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });
});
