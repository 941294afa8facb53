import type { ServerBuild } from "@remix-run/node";
import { mkdtempSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { connectDatabase } from "../../db/connection";
import { checkDatabase } from "../../app/platform/health.server";
import { isDatabaseUnavailable } from "../../db/unavailable";
import { withDatabaseUnavailable } from "../../app/server/unavailable.server";
import { freePort } from "../support/free-port";

/** Which errors mean "the database is not there" (503) and which are bugs (500), and the build wrapper that maps them. */

describe("isDatabaseUnavailable", () => {
  it("recognises a real refused connection, from a pool pointed at a closed port", async () => {
    const handle = connectDatabase(`postgres://u:p@127.0.0.1:${await freePort()}/none`);
    try {
      const error = await handle.pool.query("select 1").then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeTruthy();
      expect(isDatabaseUnavailable(error)).toBe(true);
      expect((await checkDatabase(handle.db)).ok).toBe(false);
    } finally {
      await handle.close();
    }
  });

  it("recognises a Unix socket that is not there (the embedded server's, while it is down), and not a missing file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "settle-nosocket-"));
    const handle = connectDatabase(`postgres://u:p@${encodeURIComponent(dir)}:5432/none`);
    try {
      const error = await handle.pool.query("select 1").then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ code: "ENOENT", syscall: "connect" });
      expect(isDatabaseUnavailable(error)).toBe(true);
      const missingFile = await readFile(join(dir, "absent.txt")).then(
        () => null,
        (e: unknown) => e,
      );
      expect(missingFile).toMatchObject({ code: "ENOENT" });
      expect(isDatabaseUnavailable(missingFile)).toBe(false);
    } finally {
      await handle.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    [
      "admin shutdown",
      Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01" }),
    ],
    ["starting up", Object.assign(new Error("the database system is starting up"), { code: "57P03" })],
    ["connection failure", Object.assign(new Error("x"), { code: "08006" })],
    ["too many connections", Object.assign(new Error("x"), { code: "53300" })],
    ["lost connection", new Error("Connection terminated unexpectedly")],
    ["pool timeout", new Error("timeout exceeded when trying to connect")],
    [
      "IPv4 and IPv6 refused",
      new AggregateError([Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" })]),
    ],
    ["wrapped", new Error("query failed", { cause: Object.assign(new Error("x"), { code: "ECONNRESET" }) })],
  ])("maps %s to 503", (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ["unique violation", Object.assign(new Error("duplicate key"), { code: "23505" })],
    ["syntax error", Object.assign(new Error("syntax error"), { code: "42601" })],
    ["a bug", new TypeError("cannot read properties of undefined")],
    ["a Response", new Response(null, { status: 404 })],
    ["nothing", undefined],
  ])("leaves %s alone", (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});

describe("withDatabaseUnavailable", () => {
  const down = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
  const build = {
    routes: {
      a: {
        id: "a",
        path: "a",
        module: {
          loader: async () => Promise.reject(down),
          action: async () => Promise.reject(new TypeError("bug")),
          default: () => null,
        },
      },
      b: { id: "b", path: "b", module: { default: () => null } },
    },
  } as unknown as ServerBuild;
  const args = { request: new Request("http://portal.test/a"), params: {}, context: {} } as never;

  it("turns a database outage in a loader into a thrown 503 with Retry-After, and lets other errors through", async () => {
    const wrapped = withDatabaseUnavailable(build);
    const thrown = await (wrapped.routes.a!.module.loader as (a: unknown) => Promise<unknown>)(args).catch(
      (e: unknown) => e,
    );
    expect(thrown).toBeInstanceOf(Response);
    expect((thrown as Response).status).toBe(503);
    expect((thrown as Response).headers.get("Retry-After")).toBe("5");
    await expect((wrapped.routes.a!.module.action as (a: unknown) => Promise<unknown>)(args)).rejects.toThrow(
      TypeError,
    );
    expect(wrapped.routes.b!.module.loader).toBeUndefined();
    expect(withDatabaseUnavailable(build)).toBe(wrapped); // wrapped once per build
  });
});
