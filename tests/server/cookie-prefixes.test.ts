import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { insertStaffUser } from "../support/builders";
import { borrowerWithLink, requestWithCookies } from "../support/links";

/**
 * Issue #17 item 14: in production the borrower session cookie is `__Host-` prefixed and the staff ones
 * `__Secure-` prefixed, so a sibling subdomain or a plain-http response cannot plant or overwrite them.
 * The session modules are loaded afresh under NODE_ENV=production (config() is read once per module load).
 */
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.destroy();
});
afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

async function productionModules() {
  vi.stubEnv("NODE_ENV", "production");
  vi.stubEnv("SETTLE_ALLOW_DEV_SECRETS", "1");
  vi.stubEnv("TRUST_PROXY", "1");
  vi.resetModules();
  const borrower = await import("../../app/borrower/session.server");
  const staff = await import("../../app/staff/session.server");
  return { borrower, staff };
}

describe("cookie prefixes in production", () => {
  it("names the borrower session __Host-settle_session (Secure, Path=/, no Domain) and reads it back", async () => {
    const { borrower: session } = await productionModules();
    const { borrower, account, link } = await borrowerWithLink(t.db);
    const setCookie = await session.startBorrowerSession(t.db, {
      borrowerId: borrower.id,
      accountId: account.id,
      linkId: link.id,
    });
    expect(setCookie).toMatch(/^__Host-settle_session=/);
    expect(setCookie).toMatch(/; Secure/i);
    expect(setCookie).toMatch(/; Path=\/(;|$)/);
    expect(setCookie).not.toMatch(/Domain=/i);
    expect(await session.readBorrowerSession(t.db, requestWithCookies([setCookie]))).toMatchObject({
      borrowerId: borrower.id,
    });
    // The unprefixed name, as a subdomain could plant it, opens nothing.
    const planted = setCookie.replace(/^__Host-/, "");
    expect(await session.readBorrowerSession(t.db, requestWithCookies([planted]))).toBeNull();
  });

  it("names the staff session __Secure-settle_staff (Secure, scoped to /staff) and reads it back", async () => {
    const { staff: session } = await productionModules();
    const user = await insertStaffUser(t.db, { totp_enabled_at: new Date() });
    const setCookie = await session.startStaffSession(t.db, { userId: user.id });
    expect(setCookie).toMatch(/^__Secure-settle_staff=/);
    expect(setCookie).toMatch(/; Secure/i);
    expect(setCookie).toMatch(/; Path=\/staff/);
    const request = requestWithCookies([setCookie], "http://portal.test/staff/queues");
    expect(await session.readStaffSession(t.db, request)).toMatchObject({ user: { id: user.id } });
    const planted = requestWithCookies([setCookie.replace(/^__Secure-/, "")], "http://portal.test/staff");
    expect(await session.readStaffSession(t.db, planted)).toBeNull();
  });

  it("keeps the plain names outside production (http://localhost)", async () => {
    const session = await import("../../app/borrower/session.server");
    const { borrower, account, link } = await borrowerWithLink(t.db);
    const setCookie = await session.startBorrowerSession(t.db, {
      borrowerId: borrower.id,
      accountId: account.id,
      linkId: link.id,
    });
    expect(setCookie).toMatch(/^settle_session=/);
  });
});
