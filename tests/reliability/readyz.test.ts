import type { LoaderFunctionArgs } from "@remix-run/node";
import { describe, expect, it } from "vitest";
import { connectDatabase } from "../../db/connection";
import { loader } from "../../app/routes/readyz";
import { freePort } from "../support/free-port";

/** Issue #17 item 13: /readyz is public, so a database failure answers a generic body, never the driver's error. */
describe("/readyz", () => {
  it("answers 503 with a generic body when the database is down, naming no host, port or driver error", async () => {
    const port = await freePort();
    const handle = connectDatabase(`postgres://secret_role:pw@127.0.0.1:${port}/secret_db`);
    try {
      const args = {
        request: new Request("http://portal.test/readyz"),
        params: {},
        context: { db: handle.db },
      } as unknown as LoaderFunctionArgs;
      const response = await loader(args);
      expect(response.status).toBe(503);
      const body = await response.text();
      expect(JSON.parse(body)).toEqual({ status: "unavailable", database: { ok: false } });
      expect(body).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|secret_|connect/i);
      expect(body).not.toContain(String(port));
    } finally {
      await handle.close();
    }
  });
});
