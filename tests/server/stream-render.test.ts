import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Writable } from "node:stream";
import { createElement, type ReactElement } from "react";
import { renderToString, type renderToPipeableStream } from "react-dom/server";
import { describe, expect, it } from "vitest";

// Both builds the server can load: vitest runs the development one; production runs the minified one.
// By file: the package's exports pick one build by NODE_ENV.
const require = createRequire(import.meta.url);
const cjs = dirname(require.resolve("react-dom/server.node"));
const builds = {
  development: require(join(cjs, "cjs/react-dom-server.node.development.js")),
  production: require(join(cjs, "cjs/react-dom-server.node.production.min.js")),
} as Record<string, { renderToPipeableStream: typeof renderToPipeableStream }>;

function streamToString(build: (typeof builds)[string], element: ReactElement): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(Buffer.from(chunk));
        callback();
      },
      final(callback) {
        resolve(Buffer.concat(chunks).toString("utf8"));
        callback();
      },
    });
    const { pipe } = build.renderToPipeableStream(element, {
      onAllReady: () => pipe(sink),
      onShellError: reject,
      onError: reject,
    });
  });
}

/** Many small text chunks of Chinese after `pad` ASCII characters, so some 3-byte character meets a 2,048-byte chunk edge. */
const page = (pad: number) =>
  createElement(
    "div",
    null,
    createElement("p", null, "x".repeat(pad)),
    ...Array.from({ length: 400 }, (_, i) => createElement("span", { key: i }, "此帳戶沒有欠款")),
  );

describe("server rendering of multi-byte text (patches/react-dom+18.3.1.patch)", () => {
  for (const [name, build] of Object.entries(builds)) {
    it(`the ${name} streaming renderer writes what renderToString does, with no NUL, wherever the chunk edges fall`, async () => {
      for (let pad = 0; pad < 6; pad++) {
        const streamed = await streamToString(build, page(pad));
        expect(streamed.includes("\u0000"), `pad ${pad}`).toBe(false);
        expect(streamed).toBe(renderToString(page(pad)));
      }
    });
  }
});
