import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { demoSeed } from "../../app/cli/commands/demo-seed";
import type { CommandContext } from "../../app/cli/command";
import { seedDemoIntoEmptyDatabase } from "../../app/demo/seed-empty.server";
import { ConfigError, loadConfig } from "../../app/platform/config.server";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { insertBorrower, insertStaffUser } from "../support/builders";

/** Issue #17 item 2: the mode is explicit and fails closed; demo staff never reach a real install. */
let t: TestDatabase;
beforeEach(async () => {
  t = await createTestDatabase();
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await t.destroy();
});

const development = () => loadConfig({ NODE_ENV: "development" });
const demoAdmin = () =>
  t.db.selectFrom("staff_users").select("id").where("email", "=", "admin@settle.test").executeTakeFirst();

describe("the run mode", () => {
  it("refuses to start with NODE_ENV unset instead of running as development", () => {
    expect(() => loadConfig({})).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: "3000" })).toThrow(/NODE_ENV: is required/);
  });

  it("listens on loopback only outside production unless HOST says otherwise", () => {
    vi.stubEnv("SETTLE_ALLOW_DEV_SECRETS", "1");
    expect(development().HOST).toBe("127.0.0.1");
    expect(loadConfig({ NODE_ENV: "production", TRUST_PROXY: "1" }).HOST).toBe("0.0.0.0");
    expect(loadConfig({ NODE_ENV: "development", HOST: "0.0.0.0" }).HOST).toBe("0.0.0.0");
  });

  it("refuses SEED_DEMO=always in production", () => {
    vi.stubEnv("SETTLE_ALLOW_DEV_SECRETS", "1");
    expect(() => loadConfig({ NODE_ENV: "production", TRUST_PROXY: "1", SEED_DEMO: "always" })).toThrow(
      /SEED_DEMO: is refused in production/,
    );
  });
});

describe("the database in production (item 12)", () => {
  it("requires DATABASE_URL: the embedded PostgreSQL's superuser password is fixed", () => {
    const secrets = {
      NODE_ENV: "production",
      SESSION_SECRET: "s".repeat(32),
      VERIFICATION_HASH_KEY: "v".repeat(32),
      LINK_SIGNING_KEYS: `a:${"l".repeat(32)}`,
      TOTP_ENCRYPTION_KEY: "t".repeat(32),
      LINK_HASH_KEY: "h".repeat(32),
      AUDIT_ANCHOR_KEY: "a".repeat(32),
      SMS_LINK_ENCRYPTION_KEY: "m".repeat(32),
      TRUST_PROXY: "1",
    };
    expect(() => loadConfig(secrets)).toThrow(/DATABASE_URL: is required in production/);
    expect(loadConfig({ ...secrets, DATABASE_URL: "postgres://app@db.internal/settle" }).isProduction).toBe(
      true,
    );
  });
});

describe("demo seeding", () => {
  it("seeds demo borrowers and staff together into an empty database", async () => {
    const seeded = await seedDemoIntoEmptyDatabase(t.db, development());
    expect(seeded?.borrowers).toBeGreaterThan(0);
    expect(seeded?.staff).toBe(4);
    expect(await demoAdmin()).toBeDefined();
  });

  it("adds no demo staff to a database that already has staff or borrowers", async () => {
    await insertStaffUser(t.db, { role: "admin" });
    expect(await seedDemoIntoEmptyDatabase(t.db, { ...development(), SEED_DEMO: "always" })).toBeNull();
    expect(await demoAdmin()).toBeUndefined();

    await t.db.deleteFrom("staff_users").execute();
    await insertBorrower(t.db);
    expect(await seedDemoIntoEmptyDatabase(t.db, { ...development(), SEED_DEMO: "always" })).toBeNull();
    expect(await demoAdmin()).toBeUndefined();
  });

  it("never seeds in production, even an empty database, and demo:seed refuses there", async () => {
    vi.stubEnv("SETTLE_ALLOW_DEV_SECRETS", "1");
    const production = loadConfig({ NODE_ENV: "production", TRUST_PROXY: "1" });
    expect(await seedDemoIntoEmptyDatabase(t.db, production)).toBeNull();
    const errors: string[] = [];
    const ctx: CommandContext = {
      cfg: production,
      database: async () => ({ db: t.db, pool: t.pool, close: async () => {} }),
      prepareDatabase: async () => [],
      out: () => {},
      err: (line) => errors.push(line),
    };
    expect(await demoSeed.run({} as never, ctx)).toBe(2);
    expect(errors.join()).toContain("refused in production");
    expect(await t.db.selectFrom("borrowers").select("id").executeTakeFirst()).toBeUndefined();
    expect(await demoAdmin()).toBeUndefined();
  });
});
