import express from "express";
import type { Server } from "node:http";
import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mountRequestGuards } from "../../app/server/http.server";
import { formBodyRefusal, MAX_FORM_BODY_BYTES } from "../../app/server/security.server";
import { actionPaths, ownBodyPath } from "../support/action-routes";

/**
 * The guards in front of every action, mounted exactly as the app mounts them
 * (mountRequestGuards), with a stand-in for Remix that records what reached it:
 * a cross-site POST to any page with an action is refused (CSRF), oversized
 * (declared) or non-form bodies are refused before any action reads them.
 */

const PUBLIC = "https://portal.example";

let server: Server;
let base: string;
const reached: string[] = [];

beforeAll(async () => {
  const app = express();
  mountRequestGuards(app, { production: true, publicBaseUrl: PUBLIC });
  app.all("*", (req, res) => {
    reached.push(`${req.method} ${req.path}`);
    res.status(200).send("handled");
  });
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const paths = actionPaths();
const pagePaths = paths.filter((p) => !ownBodyPath(p));
const form = (extra: Record<string, string> = {}) => ({
  method: "POST",
  headers: { "Content-Type": "application/x-www-form-urlencoded", ...extra },
  body: "intent=save",
});

describe("CSRF: a foreign origin on every POST route", () => {
  it("knows the action routes", () => {
    expect(pagePaths.length).toBeGreaterThanOrEqual(15); // discovery works (18 page action routes when written)
    expect(pagePaths).toContain("/account/promise");
    expect(pagePaths).toContain("/staff/borrowers/x1");
  });

  it.each(pagePaths)("refuses a cross-site POST to %s before the action runs", async (path) => {
    const before = reached.length;
    const foreign: Record<string, string>[] = [
      { Origin: "https://evil.example", "Sec-Fetch-Site": "cross-site" },
      { Origin: "https://evil.example" },
      { Origin: "https://portal.example.evil.example", "Sec-Fetch-Site": "same-site" },
      { Origin: "null", "Sec-Fetch-Site": "cross-site" },
    ];
    for (const headers of foreign) {
      const res = await fetch(base + path, form(headers));
      expect(res.status, JSON.stringify(headers)).toBe(403);
    }
    expect(reached.length).toBe(before);
    // The same form from the portal itself gets through (Origin is opaque "null" under no-referrer).
    expect((await fetch(base + path, form({ Origin: "null", "Sec-Fetch-Site": "same-origin" }))).status).toBe(
      200,
    );
    expect((await fetch(base + path, form({ Origin: PUBLIC }))).status).toBe(200);
  });

  it("leaves signature- and key-authenticated endpoints to their own checks", async () => {
    for (const path of paths.filter(ownBodyPath)) {
      const res = await fetch(base + path, {
        method: "POST",
        headers: { Origin: "https://evil.example", "Content-Type": "application/json" },
        body: "{}",
      });
      expect(res.status, path).toBe(200);
    }
  });
});

/** A POST with a body of `size` bytes, optionally without Content-Length (chunked). */
function rawPost(
  path: string,
  size: number,
  opts: { chunked?: boolean; type?: string } = {},
): Promise<{ status: number }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = {
      "Content-Type": opts.type ?? "application/x-www-form-urlencoded",
      "Sec-Fetch-Site": "same-origin",
    };
    if (!opts.chunked) headers["Content-Length"] = size;
    const req = httpRequest(base + path, { method: "POST", headers }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0 });
    });
    // The server answers without reading a refused body and may close before we finish sending it.
    req.on("error", (error) => (/EPIPE|ECONNRESET/.test(String(error)) ? undefined : reject(error)));
    const chunk = Buffer.alloc(64 * 1024, "a");
    let sent = 0;
    const pump = () => {
      while (sent < size) {
        const part = chunk.subarray(0, Math.min(chunk.length, size - sent));
        sent += part.length;
        if (!req.write(part)) return void req.once("drain", pump);
      }
      req.end();
    };
    pump();
  });
}

describe("body guard", () => {
  it("refuses a 10 MB form post to a portal action with 413, never reaching the action", async () => {
    const before = reached.length;
    expect((await rawPost("/account/complaint", 10 * 1024 * 1024)).status).toBe(413);
    expect((await rawPost("/staff/templates/edit", MAX_FORM_BODY_BYTES + 1)).status).toBe(413);
    expect(reached.length).toBe(before);
  });

  it("leaves a body of unknown length (chunked) to the action's capped reader (tests/security/request-bodies.test.ts)", async () => {
    const before = reached.length;
    expect((await rawPost("/account/hardship", 1024, { chunked: true })).status).toBe(200);
    expect(reached.length).toBe(before + 1);
  });

  it("accepts an ordinary form up to the limit", async () => {
    expect((await rawPost("/account/complaint", MAX_FORM_BODY_BYTES)).status).toBe(200);
  });

  it("refuses non-form encodings on pages with 415 (formData() would throw)", async () => {
    for (const type of [
      "application/json",
      "text/plain",
      "multipart/form-data; boundary=x",
      "application/xml",
    ]) {
      expect(
        (
          await fetch(base + "/account/promise", {
            method: "POST",
            headers: { "Content-Type": type, "Sec-Fetch-Site": "same-origin" },
            body: "{}",
          })
        ).status,
        type,
      ).toBe(415);
    }
    expect(
      (
        await fetch(base + "/account/promise", {
          method: "POST",
          headers: { "Sec-Fetch-Site": "same-origin" },
        })
      ).status,
    ).toBe(415);
  });

  it("leaves /api and /webhooks bodies to their own limits, and never touches GET", () => {
    expect(
      formBodyRefusal({
        method: "POST",
        path: "/api/v1/accounts/bulk",
        contentType: "application/json",
        contentLength: String(4 * 1024 * 1024),
      }),
    ).toBeNull();
    expect(
      formBodyRefusal({
        method: "POST",
        path: "/webhooks/stripe",
        contentType: "application/json",
        contentLength: "100",
      }),
    ).toBeNull();
    expect(
      formBodyRefusal({ method: "GET", path: "/account", contentType: null, contentLength: null }),
    ).toBeNull();
    expect(
      formBodyRefusal({
        method: "POST",
        path: "/account/promise",
        contentType: "application/x-www-form-urlencoded",
        contentLength: "-1",
      })?.status,
    ).toBe(413);
  });
});
