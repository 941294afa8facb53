import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import pg from "pg";
import { inject } from "vitest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectDatabase, type DatabaseHandle } from "../../db/connection";
import { ensureLoginRole } from "../../db/embedded";
import { prepareDatabase, type ProvisionedDatabase } from "../../app/server/database.server";
import { appendAudit, verifyAuditChain } from "../../app/platform/audit.server";
import { ConfigError } from "../../app/platform/config.server";
import { borrowerLanding } from "../../app/portal/landing.server";
import { startWorker } from "../../app/worker/worker.server";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { borrowerWithLink } from "../support/links";

/**
 * DATABASE_URL as a role of its own and DATABASE_MIGRATION_URL as the schema's owner: what start-up
 * (prepareDatabase) grants the application's role, and what that role then cannot do to the audit log.
 */
let t: TestDatabase;
let app: DatabaseHandle;
const role = `settle_app_${randomBytes(4).toString("hex")}`;
const adminUrl = inject("pgAdminUrl");

beforeAll(async () => {
  t = await createTestDatabase();
  const login = { user: role, password: randomBytes(12).toString("hex") };
  await ensureLoginRole(adminUrl, login);
  const url = new URL(t.url);
  url.username = login.user;
  url.password = login.password;
  app = connectDatabase(url.toString(), { max: 4 });
  const provisioned: ProvisionedDatabase = {
    url: url.toString(),
    ownerUrl: t.url,
    stop: async () => {},
    embedded: false,
  };
  await prepareDatabase(provisioned, app, { production: true });
});
afterAll(async () => {
  await app?.close();
  await t?.destroy();
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`drop role if exists ${admin.escapeIdentifier(role)}`);
  await admin.end();
});

const sqlState = async (statement: Promise<unknown>) =>
  statement.then(
    () => "succeeded",
    (error: { code?: string }) => error.code,
  );

describe("the application's database role", () => {
  it("appends to the audit log but cannot update, delete, truncate it or switch its triggers off", async () => {
    await appendAudit(app.db, { actorType: "system", action: "test.as_app", subjectType: "test" });
    const row = await app.db
      .selectFrom("audit_events")
      .select("id")
      .where("action", "=", "test.as_app")
      .executeTakeFirstOrThrow();
    const denied = "42501"; // insufficient_privilege
    for (const table of ["audit_events", "audit_anchors"]) {
      const t_ = sql.table(table);
      const key = table === "audit_events" ? sql.ref("id") : sql.ref("audit_id");
      expect(
        await sqlState(sql`update ${t_} set ${key} = ${key} where ${key} = ${row.id}`.execute(app.db)),
      ).toBe(denied);
      expect(await sqlState(sql`delete from ${t_} where ${key} = ${row.id}`.execute(app.db))).toBe(denied);
      expect(await sqlState(sql`truncate ${t_} cascade`.execute(app.db))).toBe(denied);
      expect(await sqlState(sql`alter table ${t_} disable trigger user`.execute(app.db))).toBe(denied);
      expect(await sqlState(sql`drop table ${t_} cascade`.execute(app.db))).toBe(denied);
    }
    expect(await sqlState(sql`create table sneaky (id int)`.execute(app.db))).toBe(denied);
    expect((await verifyAuditChain(app.db)).ok).toBe(true);
  });

  it("runs the portal and the worker: a link's first open is counted and its audit job done", async () => {
    const { link, borrower } = await borrowerWithLink(app.db);
    expect(await borrowerLanding(app.db, link.code, "192.0.2.77")).toMatchObject({ status: "ok" });
    const worker = await startWorker({ pool: app.pool, db: app.db, concurrency: 1 });
    try {
      for (let i = 0; i < 100; i++) {
        const audited = await app.db
          .selectFrom("audit_events")
          .select("id")
          .where("borrower_id", "=", borrower.id)
          .where("action", "=", "link.opened")
          .executeTakeFirst();
        if (audited) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      await worker.stop();
    }
    const audited = await app.db
      .selectFrom("audit_events")
      .select("action")
      .where("borrower_id", "=", borrower.id)
      .execute();
    expect(audited.map((a) => a.action)).toContain("link.opened");
  });

  it("production refuses to start when DATABASE_URL's role could rewrite the audit log", async () => {
    const owner = connectDatabase(t.url, { max: 2 });
    try {
      const asOwner: ProvisionedDatabase = {
        url: t.url,
        ownerUrl: null,
        stop: async () => {},
        embedded: false,
      };
      const refused = prepareDatabase(asOwner, owner, { production: true });
      await expect(refused).rejects.toThrow(ConfigError);
      await expect(prepareDatabase(asOwner, owner, { production: true })).rejects.toThrow(
        /could rewrite the audit log \(it is a superuser\)/,
      );
      // Development lets a single role do everything.
      await expect(prepareDatabase(asOwner, owner, { production: false })).resolves.toEqual([]);
    } finally {
      await owner.close();
    }
  });
});
