import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../app/platform/config.server";
import { LINK_FAILURE_RULE } from "../../app/portal/landing.server";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { closeTestApps, startTestApp, type TestApp } from "../support/http-app";
import { borrowerWithLink } from "../support/links";

/**
 * Issue #17 item 5, through the real Express app in production mode: the client's address comes from
 * X-Forwarded-For only as far as TRUST_PROXY says (a client cannot reset its per-address limits by
 * forging the header), and the per-address brake on links counts and stops only codes whose signature
 * fails, so one bad actor behind a carrier's NAT cannot lock out the valid links of everyone else there.
 */
let t: TestDatabase;
let direct: TestApp;
let behindOneProxy: TestApp;

beforeAll(async () => {
  t = await createTestDatabase();
  direct = await startTestApp(t.db, { production: true, trustProxy: false });
  behindOneProxy = await startTestApp(t.db, { production: true, trustProxy: 1 });
});
afterAll(async () => {
  await direct?.close();
  await behindOneProxy?.close();
  await closeTestApps();
  await t?.destroy();
});
beforeEach(async () => {
  await t.db.deleteFrom("rate_limits").execute();
});

let forgedCount = 0;
/** A well-formed code under the signing key's id whose signature does not verify. */
const forgedCode = () => `d${String(++forgedCount).padStart(15, "0")}`;

const open = (app: TestApp, code: string, forwardedFor?: string) =>
  fetch(`${app.base}/r/${code}`, {
    headers: forwardedFor ? { "X-Forwarded-For": forwardedFor } : {},
    redirect: "manual",
  }).then(async (r) => {
    await r.arrayBuffer();
    return r.status;
  });

describe("forged client addresses", () => {
  it("with TRUST_PROXY=false a forged X-Forwarded-For does not reset the per-address brake", async () => {
    for (let i = 0; i < LINK_FAILURE_RULE.points; i++)
      expect(await open(direct, forgedCode(), `198.51.100.${i + 1}`)).toBe(404);
    expect(await open(direct, forgedCode(), "198.51.100.250")).toBe(429);
    expect(await open(direct, forgedCode())).toBe(429);
  });

  it("with TRUST_PROXY=1 the address the proxy forwards is the client's", async () => {
    for (let i = 0; i < LINK_FAILURE_RULE.points; i++)
      expect(await open(behindOneProxy, forgedCode(), "203.0.113.5")).toBe(404);
    expect(await open(behindOneProxy, forgedCode(), "203.0.113.5")).toBe(429);
    // Another client behind the same proxy is not braked; a client's own extra hop is not believed.
    expect(await open(behindOneProxy, forgedCode(), "203.0.113.6")).toBe(404);
    expect(await open(behindOneProxy, forgedCode(), "192.0.2.1, 203.0.113.5")).toBe(429);
  });
});

describe("carrier NAT", () => {
  it("after 25 forged codes from one address, a valid link from it still opens (200), and the next forged code is still braked (429)", async () => {
    const { link } = await borrowerWithLink(t.db);
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) statuses.push(await open(direct, forgedCode()));
    expect(statuses.slice(0, LINK_FAILURE_RULE.points).every((s) => s === 404)).toBe(true);
    expect(statuses.slice(LINK_FAILURE_RULE.points).every((s) => s === 429)).toBe(true);
    expect(await open(direct, link.code)).toBe(200);
    expect(await open(direct, forgedCode())).toBe(429);
  });
});

describe("TRUST_PROXY setting", () => {
  const production = {
    NODE_ENV: "production",
    SESSION_SECRET: "s".repeat(32),
    VERIFICATION_HASH_KEY: "v".repeat(32),
    LINK_SIGNING_KEYS: `a:${"l".repeat(32)}`,
    TOTP_ENCRYPTION_KEY: "t".repeat(32),
    LINK_HASH_KEY: "h".repeat(32),
    AUDIT_ANCHOR_KEY: "a".repeat(32),
    DATABASE_URL: "postgres://app@db.internal/settle",
  };

  it("production refuses to start without it, saying what to set", () => {
    expect(() => loadConfig(production)).toThrow(/TRUST_PROXY: is required in production/);
    expect(loadConfig({ ...production, TRUST_PROXY: "1" }).trustProxy).toBe(1);
  });

  it("takes a hop count, addresses and CIDRs, or false; refuses true and anything else", () => {
    const trust = (value: string) => loadConfig({ NODE_ENV: "development", TRUST_PROXY: value }).trustProxy;
    expect(trust("false")).toBe(false);
    expect(trust("0")).toBe(false);
    expect(trust("2")).toBe(2);
    expect(trust("10.0.0.0/8, 192.168.1.7,fd00::/8,loopback")).toEqual([
      "10.0.0.0/8",
      "192.168.1.7",
      "fd00::/8",
      "loopback",
    ]);
    for (const bad of ["true", "proxy.internal", "10.0.0.0/33", "1.2.3"])
      expect(() => trust(bad), bad).toThrow(/TRUST_PROXY/);
  });

  it("defaults to false (X-Forwarded-For ignored) in development and test", () => {
    expect(loadConfig({ NODE_ENV: "development" }).trustProxy).toBe(false);
    expect(loadConfig({ NODE_ENV: "test" }).trustProxy).toBe(false);
  });
});
