import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { apiRequest, callRoute, createTestApiKey } from "../support/api";
import { syntheticRecord } from "../support/synthetic-import";
import { formRequest, getRequest, run, signedInBorrower } from "../portal/action-helpers";
import { config } from "../../app/platform/config.server";
import { createShortLink, resolveShortLink } from "../../app/messaging/short-links.server";
import { startBorrowerSession } from "../../app/borrower/session.server";
import { handleInboundSms } from "../../app/engine/inbound.server";
import { linkAction } from "../../app/portal/landing.server";
import * as bulk from "../../app/routes/api.v1.accounts.bulk";
import * as overviewRoute from "../../app/routes/account._index";
import * as preferencesRoute from "../../app/routes/account.preferences";

/**
 * A borrower session ends with the link it was opened on (issue #17, item 9): "not me" from the
 * link, STOP by text, the bank closing the account or changing the phone number each end every
 * session at once, not up to two hours later. The overview is read as the browser would, with the
 * session cookie.
 */
let t: TestDatabase;
let key: string;
beforeAll(async () => {
  t = await createTestDatabase();
  key = (await createTestApiKey(t.db, ["accounts:write"])).key;
});
afterAll(async () => {
  await t.destroy();
});

async function overview(cookie: string) {
  return run(overviewRoute.loader, getRequest("/account", cookie), t.db);
}

async function expectSessionEnded(cookie: string) {
  const res = await overview(cookie);
  expect(res.status).toBe(302);
  expect(res.location).toBe("/session-ended");
}

/** A borrower and account the bank sent through the API, with a link and a signed-in session. */
async function bankBorrowerSignedIn() {
  const prefix = `R${randomBytes(4).toString("hex")}`;
  const record = {
    ...syntheticRecord(0, { prefix, balanceAsOf: "2026-11-01T00:00:00Z" }),
    phone: "+85291234567",
  };
  const sent = await callRoute(
    bulk.action,
    t.db,
    apiRequest("/api/v1/accounts/bulk", { key, json: [record] }),
  );
  expect(sent.status).toBe(200);
  const account = await t.db
    .selectFrom("accounts")
    .select(["id", "borrower_id"])
    .where("external_ref", "=", `${prefix}-A0`)
    .executeTakeFirstOrThrow();
  const link = await createShortLink(t.db, {
    accountId: account.id,
    keys: config().linkSigningKeys,
    baseUrl: "http://portal.test",
  });
  const setCookie = await startBorrowerSession(t.db, {
    borrowerId: account.borrower_id,
    accountId: account.id,
    linkId: link.id,
  });
  const cookie = setCookie.split(";")[0]!;
  expect((await overview(cookie)).status).toBe(200);
  return { record, link, cookie };
}

const resend = (record: object) =>
  callRoute(bulk.action, t.db, apiRequest("/api/v1/accounts/bulk", { key, json: [record] }));

describe("borrower sessions end with their link", () => {
  it("'Not me' on the link (another phone) ends the session opened on it", async () => {
    const b = await signedInBorrower(t.db);
    expect((await overview(b.cookie)).status).toBe(200);
    expect((await linkAction(t.db, b.link.code, "not_me")).status).toBe("ok");
    await expectSessionEnded(b.cookie);
  });

  it("STOP by text ends the borrower's sessions", async () => {
    const b = await signedInBorrower(t.db);
    expect((await overview(b.cookie)).status).toBe(200);
    await handleInboundSms(t.db, {
      from: b.borrower.phone_e164,
      body: "STOP",
      provider: "outbox",
      providerMessageId: null,
    });
    await expectSessionEnded(b.cookie);
  });

  it("the bank closing the account ends the session", async () => {
    const { record, cookie } = await bankBorrowerSignedIn();
    const closed = await resend({
      ...record,
      status: "closed",
      balance_as_of: "2026-11-02T00:00:00Z",
    });
    expect(closed.status).toBe(200);
    await expectSessionEnded(cookie);
  });

  it("a new phone number from the bank revokes the links texted to the old one and ends their sessions", async () => {
    const { record, link, cookie } = await bankBorrowerSignedIn();
    const renumbered = await resend({ ...record, phone: "+85298765432" });
    expect(renumbered.status).toBe(200);
    expect(await resolveShortLink(t.db, link.code, config().linkSigningKeys)).toEqual({ status: "revoked" });
    await expectSessionEnded(cookie);

    // Sending the same record again changes nothing, and a link issued for the new number works.
    const fresh = await bankBorrowerSignedIn();
    expect((await resend(fresh.record)).status).toBe(200);
    expect((await overview(fresh.cookie)).status).toBe(200);
  });

  it("stopping texts from the portal keeps that borrower's own session, and ends their others", async () => {
    const b = await signedInBorrower(t.db);
    const other = (
      await startBorrowerSession(t.db, {
        borrowerId: b.borrower.id,
        accountId: b.account.id,
        linkId: b.link.id,
      })
    ).split(";")[0]!;
    const res = await run(
      preferencesRoute.action,
      formRequest("/account/preferences", b.cookie, { intent: "stop_texts" }),
      t.db,
    );
    expect(res).toMatchObject({ status: 303, location: "/account/done/texts-stopped" });
    expect((await overview(b.cookie)).status).toBe(200);
    await expectSessionEnded(other);
  });
});
