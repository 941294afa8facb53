import { chmodSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectDatabase, type DatabaseHandle } from "../../db/connection";
import {
  prepareDatabase,
  provisionDatabase,
  type ProvisionedDatabase,
} from "../../app/server/database.server";
import { appendAudit } from "../../app/platform/audit.server";
import { loadConfig } from "../../app/platform/config.server";
import { freePort } from "../support/free-port";

/** `npm run dev` / `npm start` without DATABASE_URL: the embedded PostgreSQL as provisioned for the app. */
let root: string;
let provisioned: ProvisionedDatabase | undefined;
let app: DatabaseHandle | undefined;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "settle-provision-"));
  chmodSync(root, 0o755); // initdb runs as the `postgres` user when the tests run as root
  const cfg = loadConfig({
    NODE_ENV: "test",
    SETTLE_DATA_DIR: join(root, "data"),
    EMBEDDED_PG_PORT: String(await freePort()),
  });
  provisioned = await provisionDatabase(cfg);
  app = connectDatabase(provisioned.url, { max: 2 });
  await prepareDatabase(provisioned, app, { production: true });
});
afterAll(async () => {
  await app?.close();
  await provisioned?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe("the embedded PostgreSQL's roles", () => {
  it("runs the application as settle_app, with a password generated for this install and kept private", () => {
    const url = new URL(provisioned!.url);
    expect(url.username).toBe("settle_app");
    expect(url.password.length).toBeGreaterThanOrEqual(24);
    expect(new URL(provisioned!.ownerUrl!).username).not.toBe("settle_app");
    const file = join(root, "data", "pg-credentials.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it("gives that role rows only: the audit log can be appended to, never rewritten or unguarded", async () => {
    await appendAudit(app!.db, { actorType: "system", action: "test.embedded", subjectType: "test" });
    for (const statement of [
      sql`update audit_events set action = 'x'`,
      sql`delete from audit_events`,
      sql`truncate audit_events cascade`,
      sql`alter table audit_events disable trigger user`,
    ]) {
      await expect(statement.execute(app!.db)).rejects.toMatchObject({ code: "42501" });
    }
  });
});
