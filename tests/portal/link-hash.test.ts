import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { borrowerWithLink } from "../support/links";
import { borrowerLanding, linkAction } from "../../app/portal/landing.server";
import { openShortLinks } from "../../app/messaging/short-links.server";
import { resolveLocale } from "../../app/i18n/locale.server";
import { config } from "../../app/platform/config.server";
import { hashLinkCode, legacyLinkCodeHash } from "../../app/domain/link-code.server";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.destroy();
});

const storedHash = async (linkId: string) =>
  (
    await t.db
      .selectFrom("short_links")
      .select("code_hash")
      .where("id", "=", linkId)
      .executeTakeFirstOrThrow()
  ).code_hash;

/** A link as issued before LINK_HASH_KEY: stored under the unkeyed SHA-256 of its code. */
async function legacyLink() {
  const made = await borrowerWithLink(t.db);
  await t.db
    .updateTable("short_links")
    .set({ code_hash: legacyLinkCodeHash(made.link.code) })
    .where("id", "=", made.link.id)
    .execute();
  return made;
}

describe("stored link-code hashes", () => {
  it("are keyed with LINK_HASH_KEY: the unkeyed SHA-256 of a code finds nothing in short_links", async () => {
    const { link } = await borrowerWithLink(t.db);
    const stored = await storedHash(link.id);
    expect(stored).toBe(hashLinkCode(link.code, config().linkHashKey));
    expect(stored).not.toBe(legacyLinkCodeHash(link.code));
    const found = await t.db
      .selectFrom("short_links")
      .select("id")
      .where("code_hash", "=", legacyLinkCodeHash(link.code))
      .execute();
    expect(found).toEqual([]);
  });

  it("links texted before the keyed hash keep working until they expire: landing, actions and language", async () => {
    const { link, account, borrower } = await legacyLink();
    expect(await borrowerLanding(t.db, link.code, "192.0.2.30")).toMatchObject({
      status: "ok",
      page: { last4: account.last4 },
    });
    const request = new Request(`http://portal.test/r/${link.code}`);
    await t.db.updateTable("borrowers").set({ locale: "zh-CN" }).where("id", "=", borrower.id).execute();
    expect(await resolveLocale(request, t.db)).toBe("zh-CN");
    expect(await linkAction(t.db, link.code, "not_me")).toEqual({ status: "ok" });
  });

  it("one batch of opens finds keyed and legacy links alike, each its own", async () => {
    const keyed = await borrowerWithLink(t.db);
    const legacy = await legacyLink();
    const opened = await openShortLinks(
      t.db,
      [{ code: legacy.link.code }, { code: keyed.link.code }, { code: legacy.link.code }],
      config().linkSigningKeys,
    );
    expect(opened.map((o) => o.status === "ok" && o.link.id)).toEqual([
      legacy.link.id,
      keyed.link.id,
      legacy.link.id,
    ]);
    expect(opened.map((o) => o.status === "ok" && o.link.openCount)).toEqual([1, 1, 2]);
  });
});
